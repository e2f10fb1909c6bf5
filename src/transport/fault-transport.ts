// A Transport wrapper that injects network faults into any transport, driven by a seeded Rng so a
// run replays from its seed: drop, duplicate, delay (a uniform range), reorder (a message is held
// back and sent after the next one on the same link), and partitions (blocked directed links in a
// PartitionTable, possibly shared with other threads). Everything can change during a run.
//
// Outbound messages are subject to every fault; inbound messages are filtered by the partition
// table only (so a partition holds even if only the receiver's table says so).
// A delayed or held-back message is snapshotted (encoded and decoded) when sent, as a network would
// hold its own copy; the sender's buffers may change afterwards.
//
// Invariants: probabilities are in [0, 1]; 0 <= delayMsMin <= delayMsMax; a message dropped by a
// fault still makes send() return true (the sender cannot tell, as on a real network); time only
// comes from the injected scheduler.

import { assert } from '../assert.js';
import type { Rng } from '../prng.js';
import type { Message } from '../raft/types.js';
import type { NodeId } from '../types.js';
import { NODE_ID_MAX_DEFAULT, decodeMessage, encodeMessage } from './codec.js';
import { PartitionTable } from './partition-table.js';
import type { MessageHandler, Transport, TransportStats } from './transport.js';

export interface FaultConfig {
  dropProbability: number;
  duplicateProbability: number;
  reorderProbability: number;
  delayMsMin: number;
  delayMsMax: number;
  /** A held-back (reordered) message goes out after at most this long if no later message comes. */
  reorderHoldMs: number;
}

export const NO_FAULTS: FaultConfig = {
  dropProbability: 0,
  duplicateProbability: 0,
  reorderProbability: 0,
  delayMsMin: 0,
  delayMsMax: 0,
  reorderHoldMs: 5,
};

/** Runs `run` after `delayMs`; tests inject a manual clock. */
export type Scheduler = (delayMs: number, run: () => void) => void;

export const timerScheduler: Scheduler = (delayMs, run) => {
  setTimeout(run, delayMs);
};

export interface FaultTransportOptions {
  rng: Rng;
  scheduler?: Scheduler;
  faults?: Partial<FaultConfig>;
  /** Shared between the replicas of a group so one call partitions all of them; default: private table. */
  partitions?: PartitionTable;
}

export interface FaultStats {
  dropped: number;
  duplicated: number;
  delayed: number;
  reordered: number;
  /** Messages lost to a blocked link (outbound or inbound). */
  partitioned: number;
}

export class FaultTransport implements Transport {
  readonly self: NodeId;
  readonly partitions: PartitionTable;
  private config: FaultConfig = { ...NO_FAULTS };
  private readonly rng: Rng;
  private readonly scheduler: Scheduler;
  private readonly heldBack = new Map<NodeId, Message>();
  private closed = false;
  readonly faultStats: FaultStats = { dropped: 0, duplicated: 0, delayed: 0, reordered: 0, partitioned: 0 };

  constructor(private readonly inner: Transport, options: FaultTransportOptions) {
    this.self = inner.self;
    this.rng = options.rng;
    this.scheduler = options.scheduler ?? timerScheduler;
    this.partitions = options.partitions ?? PartitionTable.create(NODE_ID_MAX_DEFAULT, false);
    this.configure(options.faults ?? {});
  }

  /** Changes the faults from now on (fields not given keep their current value). */
  configure(faults: Partial<FaultConfig>): void {
    const next = { ...this.config, ...faults };
    for (const key of ['dropProbability', 'duplicateProbability', 'reorderProbability'] as const) {
      assert(next[key] >= 0 && next[key] <= 1, () => `fault transport: ${key} must be in [0, 1], got ${next[key]}`);
    }
    assert(next.delayMsMin >= 0 && next.delayMsMax >= next.delayMsMin, () => `fault transport: delay range [${next.delayMsMin}, ${next.delayMsMax}] ms is not valid`);
    assert(next.reorderHoldMs >= 0, () => `fault transport: reorderHoldMs must be >= 0, got ${next.reorderHoldMs}`);
    this.config = next;
  }

  faults(): FaultConfig {
    return { ...this.config };
  }

  isolate(node: NodeId): void {
    this.partitions.isolate(node);
  }

  split(groupA: readonly NodeId[], groupB: readonly NodeId[]): void {
    this.partitions.split(groupA, groupB);
  }

  heal(): void {
    this.partitions.heal();
  }

  send(to: NodeId, msg: Message): boolean {
    if (this.closed) return this.inner.send(to, msg);
    if (this.partitions.isBlocked(this.self, to)) {
      this.faultStats.partitioned++;
      return true;
    }
    const config = this.config;
    if (config.dropProbability > 0 && this.rng.chance(config.dropProbability)) {
      this.faultStats.dropped++;
      return true;
    }
    const duplicate = config.duplicateProbability > 0 && this.rng.chance(config.duplicateProbability);
    let accepted = this.dispatch(to, msg);
    if (duplicate) {
      this.faultStats.duplicated++;
      accepted = this.dispatch(to, msg) && accepted;
    }
    return accepted;
  }

  onMessage(handler: MessageHandler): void {
    this.inner.onMessage((msg, lease) => {
      if (this.partitions.isBlocked(msg.from, this.self)) {
        this.faultStats.partitioned++;
        return;
      }
      handler(msg, lease);
    });
  }

  flush(): void {
    this.inner.flush();
  }

  whenWritable(to: NodeId, bytes: number): Promise<void> {
    return this.inner.whenWritable(to, bytes);
  }

  stats(): TransportStats {
    return this.inner.stats();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.heldBack.clear();
    await this.inner.close();
  }

  private dispatch(to: NodeId, msg: Message): boolean {
    const config = this.config;
    const held = this.heldBack.get(to);
    if (held === undefined && config.reorderProbability > 0 && this.rng.chance(config.reorderProbability)) {
      this.faultStats.reordered++;
      const snapshot = snapshotOf(msg);
      this.heldBack.set(to, snapshot);
      this.scheduler(config.reorderHoldMs, () => {
        if (this.heldBack.get(to) === snapshot) {
          this.heldBack.delete(to);
          this.deliverLater(to, snapshot);
        }
      });
      return true;
    }
    let accepted: boolean;
    if (config.delayMsMax > 0) {
      const delayMs = config.delayMsMin + this.rng.next() * (config.delayMsMax - config.delayMsMin);
      this.faultStats.delayed++;
      const snapshot = snapshotOf(msg);
      this.scheduler(delayMs, () => this.deliverLater(to, snapshot));
      accepted = true;
    } else {
      accepted = this.inner.send(to, msg);
    }
    if (held !== undefined) {
      this.heldBack.delete(to);
      this.deliverLater(to, held);
    }
    return accepted;
  }

  private deliverLater(to: NodeId, msg: Message): void {
    if (this.closed) return;
    if (this.partitions.isBlocked(this.self, to)) {
      this.faultStats.partitioned++;
      return;
    }
    this.inner.send(to, msg);
  }
}

function snapshotOf(msg: Message): Message {
  return decodeMessage(encodeMessage(msg));
}
