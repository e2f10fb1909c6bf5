// What threads-mode and process-mode groups share: the member table, control round trips
// (status), events, leader discovery, settling, reading logs back, and cleanup. A subclass says
// how a member is spawned, signalled, killed and stopped.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert } from '../assert.js';
import type { EngineClient } from '../client/engine-client.js';
import type { ReplicaContents } from '../drivers/types.js';
import type { EngineConfig } from '../node/engine-config.js';
import type { ReplicaSpec } from '../node/replica-host.js';
import type { FromWorker, ReplicaStatusReport, ToWorker } from '../node/worker-messages.js';
import { makeDirectory, writableDirectoryProblem } from '../storage/directory.js';
import { LOCK_FILE_NAME } from '../storage/dir-lock.js';
import { onProcessExit } from './cleanup.js';
import type { GroupEvent, GroupHandle, GroupOptions } from './group.js';
import { readReplicaLog } from './read-logs.js';

export const STARTUP_TIMEOUT_MS = 15_000;
export const STOP_TIMEOUT_MS = 5_000;
const STATUS_TIMEOUT_MS = 2_000;

/**
 * The group's data directory: the given one (created if missing, by makeDirectory), or a fresh
 * one the group owns inside `dataDirUnder`, which must exist already: it is checked as
 * checkDataDir (engine-driver.ts) checks a scenario's group.dataDir, and never created here.
 */
export function prepareDataDir(options: GroupOptions): { dataDir: string; owns: boolean } {
  if (options.dataDir !== undefined) return { dataDir: makeDirectory(options.dataDir).dir, owns: false };
  const under = options.dataDirUnder ?? tmpdir();
  const problem = writableDirectoryProblem(under);
  if (problem !== undefined) throw new Error(`group data directory: ${under} ${problem}; expected an existing, writable directory to make the group's directory in`);
  try {
    return { dataDir: mkdtempSync(join(under, 'logbench-group-')), owns: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(`group data directory: cannot make a directory in ${under} (${code}); expected a writable directory`, { cause: error });
  }
}

export interface MemberState {
  id: number;
  spec: ReplicaSpec;
  alive: boolean;
}

export abstract class MemberGroup implements GroupHandle {
  readonly events: GroupEvent[] = [];
  private readonly listeners: Array<(event: GroupEvent) => void> = [];
  protected readonly members = new Map<number, MemberState>();
  protected readonly clients = new Map<number, EngineClient>();
  private readonly statusWaiters = new Map<number, (status: ReplicaStatusReport) => void>();
  private readonly startWaiters = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextStatusRequest = 1;
  private readonly ownsDataDir: boolean;
  private readonly unregisterCleanup: () => void;
  private closed = false;
  protected readonly log: (line: string) => void;

  protected constructor(
    readonly config: EngineConfig,
    readonly dataDir: string,
    readonly ids: readonly number[],
    options: GroupOptions,
    ownsDataDir: boolean,
  ) {
    this.log = options.log ?? (() => {});
    this.ownsDataDir = ownsDataDir && options.keepData !== true;
    this.unregisterCleanup = onProcessExit(() => {
      this.killAllNow();
      if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
    });
  }

  // ---- what a mode provides ----

  /** Starts member `id`; must route its messages to handleMemberMessage. */
  protected abstract launch(member: MemberState): void;
  protected abstract sendControl(member: MemberState, message: ToWorker): boolean;
  /** Ends the member at once (no cleanup by it). */
  protected abstract terminate(member: MemberState): Promise<void>;
  /** Asks the member to stop gracefully; resolves when it is gone (terminating after a timeout). */
  protected abstract stopGracefully(member: MemberState): Promise<void>;
  protected abstract killAllNow(): void;
  abstract client(slot?: number): EngineClient;
  abstract pid(id: number): number | undefined;
  abstract pause(id: number, ms: number): Promise<void>;
  abstract resume(id: number): Promise<void>;
  abstract isolate(id: number): void;
  abstract split(a: readonly number[], b: readonly number[]): void;
  abstract heal(): void;

  // ---- shared ----

  protected member(id: number, what: string): MemberState {
    const member = this.members.get(id);
    assert(member !== undefined, () => `${what}: no replica ${id} (replicas are ${this.ids.join(', ')})`);
    return member;
  }

  /** Starts every member; on any failure closes the group (nothing left running) and rethrows. */
  protected async spawnAll(): Promise<void> {
    try {
      await Promise.all(this.ids.map((id) => this.spawn(id)));
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Launches a member and resolves when it reports started. */
  protected spawn(id: number): Promise<void> {
    const member = this.member(id, 'spawn');
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.startWaiters.delete(id);
        reject(new Error(`replica ${id} did not start within ${STARTUP_TIMEOUT_MS} ms`));
      }, STARTUP_TIMEOUT_MS);
      this.startWaiters.set(id, {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.launch(member);
    });
  }

  protected handleMemberMessage(member: MemberState, message: FromWorker): void {
    switch (message.type) {
      case 'started':
        member.alive = true;
        this.startWaiters.get(member.id)?.resolve();
        this.startWaiters.delete(member.id);
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
        member.alive = false;
        this.log(`replica ${member.id} failed: ${message.message}`);
        this.startWaiters.get(member.id)?.reject(new Error(`replica ${member.id} failed: ${message.message}`));
        this.startWaiters.delete(member.id);
        void this.terminate(member);
        return;
      case 'stopped':
        member.alive = false;
        return;
    }
  }

  /** The member died (exit, crash) outside our control. */
  protected memberGone(member: MemberState, why: string): void {
    member.alive = false;
    this.startWaiters.get(member.id)?.reject(new Error(`replica ${member.id} exited during startup: ${why}`));
    this.startWaiters.delete(member.id);
  }

  onEvent(listener: (event: GroupEvent) => void): void {
    this.listeners.push(listener);
  }

  alive(id: number): boolean {
    return this.members.get(id)?.alive === true;
  }

  status(id: number): Promise<ReplicaStatusReport | undefined> {
    const requestId = this.nextStatusRequest++;
    const member = this.members.get(id);
    return new Promise((resolve) => {
      if (member === undefined || !member.alive || !this.sendControl(member, { type: 'status', requestId })) {
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
    const member = this.member(id, 'kill');
    member.alive = false;
    await this.terminate(member);
  }

  async restart(id: number): Promise<void> {
    const member = this.member(id, 'restart');
    if (member.alive) return;
    // A killed member cannot remove its own lock; its pid may even be ours (threads).
    rmSync(join(member.spec.dataDir, LOCK_FILE_NAME), { force: true });
    await this.spawn(id);
  }

  transferLeadership(from: number, to: number): void {
    this.sendControl(this.member(from, 'transferLeadership'), { type: 'transfer', to });
  }

  slowDisk(id: number, delayMs: number): void {
    this.sendControl(this.member(id, 'slowDisk'), { type: 'slow-disk', delayMs });
  }

  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      // A live member that does not answer (blocked, paused) is not settled.
      const statuses = await Promise.all(this.ids.filter((id) => this.alive(id)).map((id) => this.status(id)));
      const leader = statuses.find((s) => s?.role === 'leader');
      if (leader !== undefined && statuses.every((s) => s !== undefined && s.commit >= leader.commit && s.durableIndex >= leader.commit)) return true;
      if (performance.now() >= deadline) return false;
      await sleep(20);
    }
  }

  private async stopMembers(): Promise<void> {
    for (const client of this.clients.values()) await client.close();
    this.clients.clear();
    await Promise.all([...this.members.values()].map((member) => this.stopGracefully(member)));
    for (const member of this.members.values()) {
      member.alive = false;
      rmSync(join(member.spec.dataDir, LOCK_FILE_NAME), { force: true });
    }
  }

  async stopAndReadLogs(): Promise<ReplicaContents[]> {
    await this.stopMembers();
    const results: ReplicaContents[] = [];
    for (const member of this.members.values()) {
      results.push((await readReplicaLog(`replica-${member.id}`, member.spec.dataDir)).contents);
    }
    return results;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopMembers();
    this.unregisterCleanup();
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
