// A managed etcd cluster: `memberCount` etcd processes on 127.0.0.1 with fresh data dirs under
// one temp dir and free ports, plus the cluster control the nemesis uses (members, leader,
// kill/restart/pause/resume by pid).
//
// Invariants:
// - start() returns only when every member answers a status call and a linearizable put through
//   the whole cluster has succeeded; otherwise every started process is stopped and the error
//   quotes the dead member's log.
// - Leadership is what a member says about itself (status.leader === its own id), so a killed or
//   paused old leader is never reported as leader by the followers' stale view.

import * as path from 'node:path';
import { Etcd3, type IOptions } from 'etcd3';
import { noop } from 'cockatiel';
import type { ClusterControl, MemberInfo } from '../types.js';
import { findBinary } from '../find-binary.js';
import { freePorts } from '../free-ports.js';
import { findLeaderWithin, ManagedGroup, makeClusterDir, managedMembers, type GroupMember } from '../managed-group.js';
import { PeerProcess } from '../peer-process.js';
import { pollUntil, withTimeout } from '../deadline.js';

export interface EtcdClusterOptions {
  /** Path of the etcd binary; default: `etcd` from PATH. */
  binary?: string | undefined;
  memberCount?: number;
  startTimeoutMs?: number;
  /** etcd --heartbeat-interval and --election-timeout (etcd's defaults: 100 and 1000 ms). */
  heartbeatMs?: number;
  electionMs?: number;
}

export interface EtcdMemberAddress {
  id: string;
  clientUrl: string;
}

const STATUS_TIMEOUT_MS = 1000;
const POLL_INTERVAL_MS = 50;
const RESTART_READY_TIMEOUT_MS = 15_000;

/** A client bound to exactly one member, without client-side retries or failover. */
export function singleMemberClient(clientUrl: string, callTimeoutMs: number, receiveBytesMax?: number): Etcd3 {
  const options: IOptions = {
    hosts: clientUrl,
    ...(receiveBytesMax === undefined ? {} : { grpcOptions: { 'grpc.max_receive_message_length': receiveBytesMax } }),
    dialTimeout: callTimeoutMs,
    faultHandling: { host: () => noop, global: noop },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
  };
  return new Etcd3(options);
}

export class EtcdCluster {
  readonly settings: Record<string, string | number | boolean>;
  private readonly statusClients = new Map<string, Etcd3>();
  /** etcd's numeric member id (decimal string) → our member id. */
  private readonly idByEtcdId = new Map<string, string>();

  private constructor(
    readonly group: ManagedGroup,
    readonly addresses: readonly EtcdMemberAddress[],
    settings: Record<string, string | number | boolean>,
  ) {
    this.settings = settings;
  }

  static async start(opts: EtcdClusterOptions = {}): Promise<EtcdCluster> {
    const binary = findBinary({ name: 'etcd', explicitPath: opts.binary, optionName: 'the etcd binary option (--etcd-binary)', debianPackage: 'etcd-server' });
    const memberCount = opts.memberCount ?? 3;
    if (!Number.isInteger(memberCount) || memberCount < 1 || memberCount > 7) throw new RangeError(`etcd memberCount: expected 1..7, got ${memberCount}`);
    const heartbeatMs = opts.heartbeatMs ?? 100;
    const electionMs = opts.electionMs ?? 1000;
    const dir = makeClusterDir('etcd');
    const ports = await freePorts(memberCount * 2);
    const ids = Array.from({ length: memberCount }, (_, i) => `m${i}`);
    const peerUrl = (i: number): string => `http://127.0.0.1:${ports[memberCount + i]}`;
    const clientUrl = (i: number): string => `http://127.0.0.1:${ports[i]}`;
    const initialCluster = ids.map((id, i) => `${id}=${peerUrl(i)}`).join(',');
    const members: GroupMember[] = ids.map((id, i) => {
      const args = [
        '--name', id,
        '--data-dir', path.join(dir, `${id}.etcd`),
        '--listen-client-urls', clientUrl(i),
        '--advertise-client-urls', clientUrl(i),
        '--listen-peer-urls', peerUrl(i),
        '--initial-advertise-peer-urls', peerUrl(i),
        '--initial-cluster', initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', `logbench-${path.basename(dir)}`,
        '--heartbeat-interval', String(heartbeatMs),
        '--election-timeout', String(electionMs),
        '--logger', 'zap',
        '--log-level', 'warn',
      ];
      return { id, paused: false, process: new PeerProcess(`etcd ${id}`, binary, args, path.join(dir, `${id}.log`)) };
    });
    const group = new ManagedGroup('etcd', dir, members);
    const settings = { mode: 'managed', binary, members: memberCount, heartbeatMs, electionMs, dataDir: dir };
    const cluster = new EtcdCluster(group, ids.map((id, i) => ({ id, clientUrl: clientUrl(i) })), settings);
    try {
      group.startAll();
      await cluster.waitHealthy(opts.startTimeoutMs ?? 20_000);
    } catch (err) {
      await cluster.close();
      throw new Error(`etcd cluster did not start: ${err instanceof Error ? err.message : String(err)}`);
    }
    return cluster;
  }

  get clientUrls(): string[] {
    return this.addresses.map((a) => a.clientUrl);
  }

  private statusClient(id: string): Etcd3 {
    let client = this.statusClients.get(id);
    if (!client) {
      const address = this.addresses.find((a) => a.id === id);
      if (!address) throw new Error(`etcd: no member "${id}"`);
      client = singleMemberClient(address.clientUrl, STATUS_TIMEOUT_MS);
      this.statusClients.set(id, client);
    }
    return client;
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const whole = new Etcd3({ hosts: this.clientUrls, defaultCallOptions: { deadline: Date.now() + timeoutMs } });
    try {
      await pollUntil(
        async () => {
          const list = await whole.cluster.memberList({}, { deadline: Date.now() + STATUS_TIMEOUT_MS });
          for (const m of list.members) this.idByEtcdId.set(m.ID, m.name);
          await whole.kv.put({ key: Buffer.from('logbench/health'), value: Buffer.from('ok') }, { deadline: Date.now() + STATUS_TIMEOUT_MS });
          const statuses = await Promise.all(this.addresses.map((a) => this.statusClient(a.id).maintenance.status()));
          return statuses.every((s) => s.leader !== '0') ? true : undefined;
        },
        { timeoutMs, intervalMs: 100, what: 'etcd cluster healthy (member list, put, status on every member)', abortIf: () => this.group.deathReport() },
      );
    } finally {
      whole.close();
    }
  }

  /** Which responsive member says it is the leader; undefined during an election. */
  async currentLeader(): Promise<string | undefined> {
    const answers = await Promise.all(
      this.group.responsive().map(async (m) => {
        try {
          const s = await withTimeout(this.statusClient(m.id).maintenance.status(), STATUS_TIMEOUT_MS, `etcd status of ${m.id}`);
          return s.leader === s.header.member_id ? (this.idByEtcdId.get(s.header.member_id) ?? m.id) : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    return answers.find((a) => a !== undefined);
  }

  async close(): Promise<void> {
    for (const c of this.statusClients.values()) c.close();
    this.statusClients.clear();
    await this.group.close();
  }

  readonly control: ClusterControl = {
    members: async (): Promise<MemberInfo[]> => managedMembers(this.group, await this.currentLeader()),
    findLeader: (timeoutMs: number): Promise<string | undefined> => findLeaderWithin(() => this.currentLeader(), timeoutMs, POLL_INTERVAL_MS, 'etcd leader'),
    kill: async (id: string): Promise<void> => {
      await this.group.kill(id);
      // The old channel points at a dead process; a fresh one reconnects after restart.
      this.statusClients.get(id)?.close();
      this.statusClients.delete(id);
    },
    restart: async (id: string): Promise<void> => {
      this.group.restart(id);
      await pollUntil(
        async () => {
          await this.statusClient(id).maintenance.status();
          return true;
        },
        { timeoutMs: RESTART_READY_TIMEOUT_MS, intervalMs: 100, what: `etcd member ${id} answering after restart`, abortIf: () => this.group.deathReport([id]) },
      );
    },
    pause: async (id: string): Promise<void> => this.group.pause(id),
    resume: async (id: string): Promise<void> => this.group.resume(id),
  };
}
