// Threads mode: each replica in a worker thread. The main thread allocates every ring (replica ↔
// replica mesh, client ↔ replica pairs) and the shared partition table, so a killed worker can be
// restarted onto the same rings: records it had not released are read again, and raft tolerates
// such duplicates.

import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { assert } from '../assert.js';
import { DEFAULT_CLIENT_OPTIONS, EngineClient } from '../client/engine-client.js';
import { RingChannel } from '../client/ring-channel.js';
import type { ClientRingPair } from '../client/ring-channel.js';
import type { EngineConfig } from '../node/engine-config.js';
import { validateEngineConfig } from '../node/engine-config.js';
import type { FromWorker, ToWorker, WorkerInit } from '../node/worker-messages.js';
import { makeDirectory } from '../storage/directory.js';
import { PartitionTable } from '../transport/partition-table.js';
import { createRingBuffer } from '../transport/ring.js';
import { createRingMesh } from '../transport/ring-transport.js';
import type { RingMeshEndpoint } from '../transport/ring-transport.js';
import { asNodeId } from '../types.js';
import type { GroupOptions } from './group.js';
import { MemberGroup, prepareDataDir, STOP_TIMEOUT_MS } from './member-group.js';
import type { MemberState } from './member-group.js';
import { compiledModulePath } from './module-path.js';

interface ThreadMember extends MemberState {
  init: WorkerInit;
  worker: Worker | undefined;
}

export class ThreadGroup extends MemberGroup {
  private readonly clientRings: ClientRingPair[][] = [];
  private readonly partitions: PartitionTable;

  private constructor(config: EngineConfig, dataDir: string, options: GroupOptions, ownsDataDir: boolean) {
    super(config, dataDir, Array.from({ length: config.replicas }, (_, i) => i + 1), options, ownsDataDir);
    const clientCount = options.clients ?? 1;
    assert(clientCount >= 1 && clientCount <= 64, () => `clients: expected 1..64, got ${clientCount}`);
    const mesh = createRingMesh(this.ids.map(asNodeId), config.ringBytes);
    this.partitions = PartitionTable.create(Math.max(...this.ids), true);
    for (let slot = 0; slot < clientCount; slot++) {
      this.clientRings.push(this.ids.map(() => ({ requests: createRingBuffer(config.clientRingBytes), responses: createRingBuffer(config.clientRingBytes) })));
    }
    const seed = options.seed ?? 1;
    for (const id of this.ids) {
      const dir = join(dataDir, `replica-${id}`);
      makeDirectory(dir);
      const spec = { id, voters: [...this.ids], dataDir: dir, config, seed: (seed * 7919 + id) >>> 0, partitionBuffer: this.partitions.buffer as SharedArrayBuffer };
      const init: WorkerInit = { spec, mesh: mesh.get(asNodeId(id)) as RingMeshEndpoint, clientRings: this.clientRings.map((pairs) => pairs[id - 1]!) };
      const member: ThreadMember = { id, spec, init, worker: undefined, alive: false };
      this.members.set(id, member);
    }
  }

  static async start(options: GroupOptions): Promise<ThreadGroup> {
    const config = validateEngineConfig({ ...options.config, mode: 'threads' });
    const { dataDir, owns } = prepareDataDir(options);
    const group = new ThreadGroup(config, dataDir, options, owns);
    await group.spawnAll();
    return group;
  }

  protected launch(state: MemberState): void {
    const member = state as ThreadMember;
    const worker = new Worker(compiledModulePath('node/worker-main.js'), { workerData: member.init });
    member.worker = worker;
    worker.on('message', (message: FromWorker) => this.handleMemberMessage(member, message));
    worker.on('error', (error) => {
      this.log(`replica ${member.id} crashed: ${error.stack ?? error.message}`);
      this.memberGone(member, error.message);
    });
    worker.on('exit', (code) => {
      if (member.worker === worker) member.worker = undefined;
      this.memberGone(member, `exit code ${code}`);
    });
  }

  protected sendControl(state: MemberState, message: ToWorker): boolean {
    const worker = (state as ThreadMember).worker;
    if (worker === undefined) return false;
    worker.postMessage(message);
    return true;
  }

  protected async terminate(state: MemberState): Promise<void> {
    const member = state as ThreadMember;
    const worker = member.worker;
    member.worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }

  protected async stopGracefully(state: MemberState): Promise<void> {
    const member = state as ThreadMember;
    const worker = member.worker;
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    if (member.alive) worker.postMessage({ type: 'stop' } satisfies ToWorker);
    else void worker.terminate();
    const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    member.worker = undefined;
  }

  protected killAllNow(): void {
    for (const member of this.members.values()) void (member as ThreadMember).worker?.terminate();
  }

  client(slot = 0): EngineClient {
    const existing = this.clients.get(slot);
    if (existing !== undefined) return existing;
    const pairs = this.clientRings[slot];
    if (pairs === undefined) throw new RangeError(`client slot ${slot}: the group was started with ${this.clientRings.length} client slot(s)`);
    const channels = this.ids.map((id) => new RingChannel(id, pairs[id - 1]!));
    const client = new EngineClient(channels, { ...DEFAULT_CLIENT_OPTIONS, producer: 0x10000 + slot });
    this.clients.set(slot, client);
    return client;
  }

  pid(): number | undefined {
    return process.pid;
  }

  async pause(id: number, ms: number): Promise<void> {
    // A worker thread cannot be stopped from outside: it blocks its own event loop for `ms`.
    this.sendControl(this.member(id, 'pause'), { type: 'block', ms });
  }

  async resume(): Promise<void> {
    // The block ends by itself after the requested time.
  }

  isolate(id: number): void {
    this.partitions.isolate(asNodeId(id));
  }

  split(a: readonly number[], b: readonly number[]): void {
    this.partitions.split(a.map(asNodeId), b.map(asNodeId));
  }

  heal(): void {
    this.partitions.heal();
  }
}
