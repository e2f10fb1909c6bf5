// A managed NATS JetStream cluster: `memberCount` nats-server processes on 127.0.0.1 (fresh store
// dirs, free ports, one route mesh), plus cluster control for the nemesis.
//
// Invariants:
// - start() returns only when an R3 (memberCount-replica) file stream for the run exists and has
//   a leader with every replica current; otherwise all started processes are stopped.
// - "Leader" is the run's stream leader (the server that orders and acks publishes), as reported
//   by stream info; a killed or paused member is never reported as leader.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type NatsConnection, type StreamConfig } from 'nats';
import type { ClusterControl, MemberInfo } from '../types.js';
import { findBinary } from '../find-binary.js';
import { freePorts } from '../free-ports.js';
import { findLeaderWithin, ManagedGroup, makeClusterDir, managedMembers, type GroupMember } from '../managed-group.js';
import { PeerProcess } from '../peer-process.js';
import { pollUntil, withTimeout } from '../deadline.js';
import { checkConfig, renderConfig, type NatsDurabilityMode } from './config.js';

export interface NatsClusterOptions {
  /** Path of the nats-server binary; default: `nats-server` from PATH or /usr/sbin. */
  binary?: string | undefined;
  memberCount?: number;
  startTimeoutMs?: number;
  durabilityMode?: NatsDurabilityMode;
}

export interface NatsMemberAddress {
  id: string;
  clientUrl: string;
}

const INFO_TIMEOUT_MS = 1000;
const POLL_INTERVAL_MS = 50;
const RESTART_READY_TIMEOUT_MS = 15_000;

/** Stream names may not contain ".", "*", ">" or spaces; subjects are dot-separated tokens. */
export function streamNames(runId: string): { stream: string; subject: string } {
  if (!/^[A-Za-z0-9_-]+$/.test(runId)) throw new RangeError(`nats runId "${runId}": expected letters, digits, "_" or "-"`);
  return { stream: `LOGBENCH_${runId}`, subject: `logbench.${runId}` };
}

export function streamConfig(stream: string, subject: string, replicas: number): Partial<StreamConfig> {
  return {
    name: stream,
    subjects: [subject],
    storage: StorageType.File,
    num_replicas: replicas,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    // Lets a client read from the replica it is connected to (see read-back.ts).
    allow_direct: true,
  };
}

export class NatsCluster {
  readonly settings: Record<string, string | number | boolean>;
  private admin: NatsConnection | undefined;
  private jsm: JetStreamManager | undefined;
  private stream = '';

  private constructor(
    readonly group: ManagedGroup,
    readonly addresses: readonly NatsMemberAddress[],
    settings: Record<string, string | number | boolean>,
  ) {
    this.settings = settings;
  }

  /** Starts the servers and creates the run's stream (`stream` on `subject`). */
  static async start(opts: NatsClusterOptions, stream: string, subject: string): Promise<NatsCluster> {
    const binary = findBinary({ name: 'nats-server', explicitPath: opts.binary, optionName: 'the nats-server binary option (--nats-binary)', debianPackage: 'nats-server' });
    const memberCount = opts.memberCount ?? 3;
    if (!Number.isInteger(memberCount) || memberCount < 1 || memberCount > 5) throw new RangeError(`nats memberCount: expected 1..5 (JetStream replicas), got ${memberCount}`);
    const durability = opts.durabilityMode ?? 'default';
    const dir = makeClusterDir('nats');
    const ports = await freePorts(memberCount * 2);
    const ids = Array.from({ length: memberCount }, (_, i) => `n${i}`);
    const clientPort = (i: number): number => ports[i]!;
    const routePort = (i: number): number => ports[memberCount + i]!;
    let members: GroupMember[];
    try {
      members = ids.map((id, i) => {
        const configPath = path.join(dir, `${id}.conf`);
        fs.writeFileSync(configPath, renderConfig({
          serverName: id,
          clientPort: clientPort(i),
          routePort: routePort(i),
          peerRoutePorts: ids.flatMap((_, j) => (j === i ? [] : [routePort(j)])),
          storeDir: path.join(dir, id),
          clusterName: 'logbench',
          durability,
        }));
        if (i === 0) checkConfig(binary, configPath);
        return { id, paused: false, process: new PeerProcess(`nats ${id}`, binary, ['-c', configPath], path.join(dir, `${id}.log`)) };
      });
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    const group = new ManagedGroup('nats', dir, members);
    const settings = { mode: 'managed', binary, members: memberCount, durabilityMode: durability, dataDir: dir };
    const cluster = new NatsCluster(group, ids.map((id, i) => ({ id, clientUrl: `nats://127.0.0.1:${clientPort(i)}` })), settings);
    try {
      group.startAll();
      await cluster.waitHealthy(stream, subject, opts.startTimeoutMs ?? 30_000);
    } catch (err) {
      await cluster.close();
      throw new Error(`nats cluster did not start: ${err instanceof Error ? err.message : String(err)}`);
    }
    return cluster;
  }

  get clientUrls(): string[] {
    return this.addresses.map((a) => a.clientUrl);
  }

  private async waitHealthy(stream: string, subject: string, timeoutMs: number): Promise<void> {
    const abortIf = (): string | undefined => this.group.deathReport();
    const admin = await pollUntil(() => connect({ servers: this.clientUrls, timeout: INFO_TIMEOUT_MS, maxReconnectAttempts: -1, reconnectTimeWait: 100, pingInterval: 1000, maxPingOut: 2 }), {
      timeoutMs, intervalMs: 100, what: 'connect to nats-server', abortIf,
    });
    this.admin = admin;
    // Creating an R3 stream needs a JetStream meta leader and enough peers: the readiness test.
    this.jsm = await pollUntil(async () => {
      const jsm = await admin.jetstreamManager({ timeout: INFO_TIMEOUT_MS * 2 });
      await jsm.streams.add(streamConfig(stream, subject, this.group.members.length));
      return jsm;
    }, { timeoutMs, intervalMs: 200, what: `nats JetStream stream ${stream} with ${this.group.members.length} replicas created`, abortIf });
    this.stream = stream;
    await pollUntil(async () => {
      const info = await this.jsm!.streams.info(stream);
      const replicas = info.cluster?.replicas ?? [];
      return info.cluster?.leader && replicas.length === this.group.members.length - 1 && replicas.every((r) => r.current) ? true : undefined;
    }, { timeoutMs, intervalMs: 100, what: `nats stream ${stream} has a leader and current replicas`, abortIf });
  }

  /** The stream leader's member id, if a responsive member leads; undefined during an election. */
  async currentLeader(): Promise<string | undefined> {
    const jsm = this.jsm;
    if (!jsm) return undefined;
    try {
      const info = await withTimeout(jsm.streams.info(this.stream), INFO_TIMEOUT_MS, `nats stream info ${this.stream}`);
      const leader = info.cluster?.leader;
      return leader !== undefined && this.group.responsive().some((m) => m.id === leader) ? leader : undefined;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    this.jsm = undefined;
    if (admin) await withTimeout(admin.close(), 2000, 'nats admin connection close').catch(() => undefined);
    await this.group.close();
  }

  readonly control: ClusterControl = {
    members: async (): Promise<MemberInfo[]> => managedMembers(this.group, await this.currentLeader()),
    findLeader: (timeoutMs: number): Promise<string | undefined> => findLeaderWithin(() => this.currentLeader(), timeoutMs, POLL_INTERVAL_MS, 'nats stream leader'),
    kill: async (id: string): Promise<void> => this.group.kill(id),
    restart: async (id: string): Promise<void> => {
      this.group.restart(id);
      const address = this.addresses.find((a) => a.id === id)!;
      await pollUntil(async () => {
        const nc = await connect({ servers: address.clientUrl, timeout: INFO_TIMEOUT_MS, maxReconnectAttempts: 0 });
        try {
          await (await nc.jetstreamManager({ timeout: INFO_TIMEOUT_MS })).getAccountInfo();
        } finally {
          await nc.close();
        }
        return true;
      }, { timeoutMs: RESTART_READY_TIMEOUT_MS, intervalMs: 100, what: `nats member ${id} answering JetStream after restart`, abortIf: () => this.group.deathReport([id]) });
    },
    pause: async (id: string): Promise<void> => this.group.pause(id),
    resume: async (id: string): Promise<void> => this.group.resume(id),
  };
}
