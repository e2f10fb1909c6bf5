// Threads mode: each replica in a worker thread. The main thread allocates every ring (replica ↔
// replica mesh, client ↔ replica pairs) and the shared partition table, so a killed worker can be
// restarted onto the same rings: records it had not released are read again, and raft tolerates
// such duplicates.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { assert } from '../assert.js';
import { DEFAULT_CLIENT_OPTIONS, EngineClient } from '../client/engine-client.js';
import { RingChannel } from '../client/ring-channel.js';
import type { ClientRingPair } from '../client/ring-channel.js';
import type { ReplicaContents } from '../drivers/types.js';
import type { EngineConfig } from '../node/engine-config.js';
import { validateEngineConfig } from '../node/engine-config.js';
import type { ReplicaSpec } from '../node/replica-host.js';
import type { FromWorker, ReplicaStatusReport, ToWorker, WorkerInit } from '../node/worker-messages.js';
import { LOCK_FILE_NAME } from '../storage/dir-lock.js';
import { PartitionTable } from '../transport/partition-table.js';
import { createRingBuffer } from '../transport/ring.js';
import { createRingMesh } from '../transport/ring-transport.js';
import type { RingMeshEndpoint } from '../transport/ring-transport.js';
import { asNodeId } from '../types.js';
import { onProcessExit } from './cleanup.js';
import type { GroupEvent, GroupHandle, GroupOptions } from './group.js';
import { compiledModulePath } from './module-path.js';
import { readReplicaLog } from './read-logs.js';

const STARTUP_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const STATUS_TIMEOUT_MS = 2_000;

interface Member {
  id: number;
  spec: ReplicaSpec;
  init: WorkerInit;
  worker: Worker | undefined;
  alive: boolean;
}

export class ThreadGroup implements GroupHandle {
  readonly ids: readonly number[];
  readonly events: GroupEvent[] = [];
  private readonly listeners: Array<(event: GroupEvent) => void> = [];
  private readonly members = new Map<number, Member>();
  private readonly clientRings: ClientRingPair[][] = [];
  private readonly clients = new Map<number, EngineClient>();
  private readonly partitions: PartitionTable;
  private readonly statusWaiters = new Map<number, (status: ReplicaStatusReport) => void>();
  private nextStatusRequest = 1;
  private readonly ownsDataDir: boolean;
  private readonly unregisterCleanup: () => void;
  private closed = false;
  private readonly log: (line: string) => void;

  private constructor(
    readonly config: EngineConfig,
    readonly dataDir: string,
    options: GroupOptions,
    ownsDataDir: boolean,
  ) {
    this.log = options.log ?? (() => {});
    this.ownsDataDir = ownsDataDir && options.keepData !== true;
    this.ids = Array.from({ length: config.replicas }, (_, i) => i + 1);
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
      mkdirSync(dir, { recursive: true });
      const spec: ReplicaSpec = { id, voters: [...this.ids], dataDir: dir, config, seed: (seed * 7919 + id) >>> 0, partitionBuffer: this.partitions.buffer as SharedArrayBuffer };
      const init: WorkerInit = { spec, mesh: mesh.get(asNodeId(id)) as RingMeshEndpoint, clientRings: this.clientRings.map((pairs) => pairs[id - 1]!) };
      this.members.set(id, { id, spec, init, worker: undefined, alive: false });
    }
    this.unregisterCleanup = onProcessExit(() => this.killAllNow());
  }

  static async start(options: GroupOptions): Promise<ThreadGroup> {
    const config = validateEngineConfig({ ...options.config, mode: 'threads' });
    const owns = options.dataDir === undefined;
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'logbench-group-'));
    mkdirSync(dataDir, { recursive: true });
    const group = new ThreadGroup(config, dataDir, options, owns);
    try {
      await Promise.all(group.ids.map((id) => group.spawn(id)));
    } catch (error) {
      await group.close();
      throw error;
    }
    return group;
  }

  private spawn(id: number): Promise<void> {
    const member = this.members.get(id)!;
    const worker = new Worker(compiledModulePath('node/worker-main.js'), { workerData: member.init, stderr: false });
    member.worker = worker;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`replica ${id} did not start within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
      worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'started':
            clearTimeout(timer);
            member.alive = true;
            resolve();
            return;
          case 'event': {
            const event: GroupEvent = { id: message.id, atMs: message.atMs, event: message.event };
            this.events.push(event);
            for (const listener of this.listeners) listener(event);
            return;
          }
          case 'status':
            this.statusWaiters.get(message.requestId)?.(message.status);
            this.statusWaiters.delete(message.requestId);
            return;
          case 'fatal':
            clearTimeout(timer);
            member.alive = false;
            this.log(`replica ${id} failed: ${message.message}`);
            reject(new Error(`replica ${id} failed: ${message.message}`));
            void worker.terminate();
            return;
          case 'stopped':
            member.alive = false;
            return;
        }
      });
      worker.on('error', (error) => {
        clearTimeout(timer);
        member.alive = false;
        this.log(`replica ${id} crashed: ${error.stack ?? error.message}`);
        reject(error);
      });
      worker.on('exit', () => {
        member.alive = false;
        if (member.worker === worker) member.worker = undefined;
      });
    });
  }

  onEvent(listener: (event: GroupEvent) => void): void {
    this.listeners.push(listener);
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

  alive(id: number): boolean {
    return this.members.get(id)?.alive === true;
  }

  pid(): number | undefined {
    return process.pid;
  }

  private send(id: number, message: ToWorker): boolean {
    const member = this.members.get(id);
    if (member?.worker === undefined || !member.alive) return false;
    member.worker.postMessage(message);
    return true;
  }

  status(id: number): Promise<ReplicaStatusReport | undefined> {
    const requestId = this.nextStatusRequest++;
    return new Promise((resolve) => {
      if (!this.send(id, { type: 'status', requestId })) {
        resolve(undefined);
        return;
      }
      const timer = setTimeout(() => {
        this.statusWaiters.delete(requestId);
        resolve(undefined);
      }, STATUS_TIMEOUT_MS);
      this.statusWaiters.set(requestId, (status) => {
        clearTimeout(timer);
        resolve(status);
      });
    });
  }

  async leader(timeoutMs = 5_000): Promise<number | undefined> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const statuses = await Promise.all(this.ids.map((id) => this.status(id)));
      let best: ReplicaStatusReport | undefined;
      for (const status of statuses) {
        if (status?.role === 'leader' && (best === undefined || status.term > best.term)) best = status;
      }
      if (best !== undefined) return best.id;
      if (performance.now() >= deadline) return undefined;
      await sleep(10);
    }
  }

  async kill(id: number): Promise<void> {
    const member = this.members.get(id);
    assert(member !== undefined, () => `kill: no replica ${id}`);
    member.alive = false;
    const worker = member.worker;
    member.worker = undefined;
    if (worker !== undefined) await worker.terminate();
    // The worker shared this process's pid, so its lock would look alive: remove it for it.
    rmSync(join(member.spec.dataDir, LOCK_FILE_NAME), { force: true });
  }

  async restart(id: number): Promise<void> {
    const member = this.members.get(id);
    assert(member !== undefined, () => `restart: no replica ${id}`);
    if (member.alive) return;
    await this.spawn(id);
  }

  async pause(id: number, ms: number): Promise<void> {
    // A worker thread cannot be stopped from outside: it blocks its own event loop.
    this.send(id, { type: 'block', ms });
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

  transferLeadership(from: number, to: number): void {
    this.send(from, { type: 'transfer', to });
  }

  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const statuses = (await Promise.all(this.ids.filter((id) => this.alive(id)).map((id) => this.status(id)))).filter((s) => s !== undefined);
      const leader = statuses.find((s) => s.role === 'leader');
      if (leader !== undefined && statuses.every((s) => s.commit >= leader.commit && s.durableIndex >= leader.commit)) return true;
      if (performance.now() >= deadline) return false;
      await sleep(20);
    }
  }

  private async stopMembers(): Promise<void> {
    for (const client of this.clients.values()) await client.close();
    this.clients.clear();
    await Promise.all(
      [...this.members.values()].map(async (member) => {
        const worker = member.worker;
        if (worker === undefined) return;
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        if (member.alive) worker.postMessage({ type: 'stop' } satisfies ToWorker);
        else void worker.terminate();
        const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
        member.alive = false;
        member.worker = undefined;
      }),
    );
    for (const member of this.members.values()) rmSync(join(member.spec.dataDir, LOCK_FILE_NAME), { force: true });
  }

  async stopAndReadLogs(): Promise<ReplicaContents[]> {
    await this.stopMembers();
    const results: ReplicaContents[] = [];
    for (const member of this.members.values()) {
      const read = await readReplicaLog(`replica-${member.id}`, member.spec.dataDir);
      results.push(read.contents);
    }
    return results;
  }

  private killAllNow(): void {
    for (const member of this.members.values()) void member.worker?.terminate();
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopMembers();
    this.unregisterCleanup();
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
