// Process mode: each replica in a child process (forked from dist/), raft and client traffic over
// TCP on loopback, control over the IPC channel. kill = SIGKILL, pause = SIGSTOP, resume = SIGCONT.
// Partitions are pushed to every child as a list of blocked links.

import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DEFAULT_CLIENT_OPTIONS, EngineClient } from '../client/engine-client.js';
import { TcpChannel } from '../client/tcp-channel.js';
import { freePorts } from '../drivers/free-ports.js';
import type { EngineConfig } from '../node/engine-config.js';
import { validateEngineConfig } from '../node/engine-config.js';
import type { ProcessReplicaSpec } from '../node/process-main.js';
import type { FromWorker, ToWorker } from '../node/worker-messages.js';
import { makeDirectory } from '../storage/directory.js';
import { PartitionTable } from '../transport/partition-table.js';
import type { HostPort } from '../transport/tcp-transport.js';
import { asNodeId } from '../types.js';
import type { GroupOptions } from './group.js';
import { MemberGroup, prepareDataDir, STOP_TIMEOUT_MS } from './member-group.js';
import type { MemberState } from './member-group.js';
import { compiledModulePath } from './module-path.js';

const HOST = '127.0.0.1';

interface ProcessMember extends MemberState {
  input: ProcessReplicaSpec;
  clientAddress: HostPort;
  child: ChildProcess | undefined;
}

export class ProcessGroup extends MemberGroup {
  private readonly token = randomBytes(16).toString('hex');
  /** The group's view of blocked links, pushed to every child on change. */
  private readonly partitions: PartitionTable;

  private constructor(config: EngineConfig, dataDir: string, options: GroupOptions, ownsDataDir: boolean, ports: number[]) {
    super(config, dataDir, Array.from({ length: config.replicas }, (_, i) => i + 1), options, ownsDataDir);
    this.partitions = PartitionTable.create(Math.max(...this.ids), false);
    const peerAddress = (id: number): HostPort => ({ host: HOST, port: ports[(id - 1) * 2]! });
    const seed = options.seed ?? 1;
    for (const id of this.ids) {
      const dir = join(dataDir, `replica-${id}`);
      makeDirectory(dir);
      const peers: Record<string, HostPort> = {};
      for (const other of this.ids) if (other !== id) peers[String(other)] = peerAddress(other);
      const clientAddress = { host: HOST, port: ports[(id - 1) * 2 + 1]! };
      const input: ProcessReplicaSpec = {
        spec: { id, voters: [...this.ids], dataDir: dir, config, seed: (seed * 7919 + id) >>> 0 },
        peerListen: peerAddress(id),
        clientListen: clientAddress,
        peers,
        token: this.token,
      };
      const member: ProcessMember = { id, spec: input.spec, input, clientAddress, child: undefined, alive: false };
      this.members.set(id, member);
    }
  }

  static async start(options: GroupOptions): Promise<ProcessGroup> {
    const config = validateEngineConfig({ ...options.config, mode: 'process' });
    const ports = await freePorts(config.replicas * 2, HOST);
    const { dataDir, owns } = prepareDataDir(options);
    const group = new ProcessGroup(config, dataDir, options, owns, ports);
    await group.spawnAll();
    return group;
  }

  protected launch(state: MemberState): void {
    const member = state as ProcessMember;
    const child = fork(compiledModulePath('node/process-main.js'), [JSON.stringify(member.input)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    member.child = child;
    child.on('message', (message: FromWorker) => this.handleMemberMessage(member, message));
    child.on('exit', (code, signal) => {
      if (member.child === child) member.child = undefined;
      this.memberGone(member, signal !== null ? `signal ${signal}` : `exit code ${code}`);
    });
    child.on('error', (error) => this.log(`replica ${member.id}: ${error.message}`));
  }

  protected sendControl(state: MemberState, message: ToWorker): boolean {
    const child = (state as ProcessMember).child;
    if (child === undefined || !child.connected) return false;
    child.send(message);
    return true;
  }

  protected async terminate(state: MemberState): Promise<void> {
    const member = state as ProcessMember;
    const child = member.child;
    member.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  protected async stopGracefully(state: MemberState): Promise<void> {
    const member = state as ProcessMember;
    const child = member.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGCONT'); // a paused member must run to stop
    if (!(member.alive && this.sendControl(member, { type: 'stop' }))) child.kill('SIGKILL');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    member.child = undefined;
  }

  protected killAllNow(): void {
    for (const member of this.members.values()) (member as ProcessMember).child?.kill('SIGKILL');
  }

  client(slot = 0): EngineClient {
    const existing = this.clients.get(slot);
    if (existing !== undefined) return existing;
    const channels = this.ids.map((id) => new TcpChannel(id, (this.members.get(id) as ProcessMember).clientAddress, this.token));
    const client = new EngineClient(channels, { ...DEFAULT_CLIENT_OPTIONS, producer: 0x20000 + slot });
    this.clients.set(slot, client);
    return client;
  }

  pid(id: number): number | undefined {
    return (this.members.get(id) as ProcessMember | undefined)?.child?.pid;
  }

  async pause(id: number): Promise<void> {
    (this.member(id, 'pause') as ProcessMember).child?.kill('SIGSTOP');
  }

  async resume(id: number): Promise<void> {
    (this.member(id, 'resume') as ProcessMember).child?.kill('SIGCONT');
  }

  private pushPartitions(): void {
    const blocked: Array<[number, number]> = [];
    for (const from of this.ids) for (const to of this.ids) if (from !== to && this.partitions.isBlocked(asNodeId(from), asNodeId(to))) blocked.push([from, to]);
    for (const member of this.members.values()) if (member.alive) this.sendControl(member, { type: 'partition', blocked });
  }

  isolate(id: number): void {
    this.partitions.isolate(asNodeId(id));
    this.pushPartitions();
  }

  split(a: readonly number[], b: readonly number[]): void {
    this.partitions.split(a.map(asNodeId), b.map(asNodeId));
    this.pushPartitions();
  }

  heal(): void {
    this.partitions.heal();
    this.pushPartitions();
  }
}
