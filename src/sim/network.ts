// Simulated network between the replicas of one group. Time is the simulator's step counter:
// a message sent at step s becomes deliverable at s + delay. Faults, all drawn from the
// network's own seeded generator: drop, duplicate, a random delay in [1, delayStepsMax], reordering
// (a deliverable message other than the oldest is picked), and partitions (replicas in different
// groups cannot talk; checked both when sending and when delivering).
// Invariants: at most inFlightMax messages are in flight (beyond that a send is dropped, as a full
// buffer would); a message is never delivered to its sender; delivery order is a function of the seed.

import { assert } from '../assert.js';
import type { Rng } from '../prng.js';
import type { Message } from '../raft/types.js';
import type { NodeId } from '../types.js';

export interface NetworkFaults {
  /** Probability that a sent message is lost. */
  dropRate: number;
  /** Probability that a sent message is delivered twice (each copy with its own delay). */
  duplicateRate: number;
  /** Probability that a delivery picks a random deliverable message instead of the oldest one. */
  reorderRate: number;
  /** Upper bound of a message's delay, in steps (at least 1). */
  delayStepsMax: number;
}

export const QUIET_NETWORK: NetworkFaults = { dropRate: 0, duplicateRate: 0, reorderRate: 0, delayStepsMax: 1 };

interface InFlight {
  deliverAtStep: number;
  /** Send order, so "oldest" is well defined. */
  seq: number;
  message: Message;
}

export type SendOutcome = 'queued' | 'duplicated' | 'dropped' | 'partitioned' | 'full';

export class SimNetwork {
  private readonly inFlight: InFlight[] = [];
  /** group[id]: replicas with different group numbers are partitioned from each other. */
  private readonly group: number[];
  private seq = 0;
  private faults: NetworkFaults;

  constructor(
    private readonly rng: Rng,
    faults: NetworkFaults,
    replicaIds: readonly NodeId[],
    readonly inFlightMax: number,
  ) {
    assert(faults.delayStepsMax >= 1, 'SimNetwork: delayStepsMax must be >= 1');
    assert(inFlightMax >= 1, 'SimNetwork: inFlightMax must be >= 1');
    this.faults = { ...faults };
    this.group = [];
    for (const id of replicaIds) this.group[id] = 0;
  }

  get size(): number {
    return this.inFlight.length;
  }

  setFaults(faults: NetworkFaults): void {
    assert(faults.delayStepsMax >= 1, 'SimNetwork: delayStepsMax must be >= 1');
    this.faults = { ...faults };
  }

  connected(a: NodeId, b: NodeId): boolean {
    return this.group[a] === this.group[b];
  }

  /** Assigns each replica to a side; replicas on different sides cannot exchange messages. */
  partition(sides: ReadonlyMap<NodeId, number>): void {
    for (const [id, side] of sides) {
      assert(this.group[id] !== undefined, `SimNetwork.partition: unknown replica n${id}`);
      this.group[id] = side;
    }
  }

  heal(): void {
    for (let id = 0; id < this.group.length; id++) if (this.group[id] !== undefined) this.group[id] = 0;
  }

  /** Replica ids grouped by side, for the trace: e.g. "{1,2}|{3}". */
  describePartition(): string {
    const sides = new Map<number, number[]>();
    for (let id = 0; id < this.group.length; id++) {
      const side = this.group[id];
      if (side === undefined) continue;
      const members = sides.get(side) ?? [];
      members.push(id);
      sides.set(side, members);
    }
    return [...sides.keys()].sort((a, b) => a - b).map((side) => `{${sides.get(side)!.join(',')}}`).join('|');
  }

  send(message: Message, nowStep: number): SendOutcome {
    assert(message.from !== message.to, () => `SimNetwork.send: n${message.from} sent a ${message.type} to itself`);
    if (!this.connected(message.from, message.to)) return 'partitioned';
    if (this.faults.dropRate > 0 && this.rng.chance(this.faults.dropRate)) return 'dropped';
    if (!this.enqueue(message, nowStep)) return 'full';
    if (this.faults.duplicateRate > 0 && this.rng.chance(this.faults.duplicateRate)) {
      return this.enqueue(message, nowStep) ? 'duplicated' : 'queued';
    }
    return 'queued';
  }

  /** True if some message can be delivered at `nowStep`. */
  hasDeliverable(nowStep: number): boolean {
    for (const item of this.inFlight) if (item.deliverAtStep <= nowStep) return true;
    return false;
  }

  /**
   * Removes and returns a deliverable message (ignoring delays when `ignoreDelay`), or undefined.
   * Messages whose endpoints are now partitioned are dropped on the way, as `lost` reports.
   */
  take(nowStep: number, ignoreDelay: boolean, lost?: (message: Message) => void): Message | undefined {
    for (;;) {
      let oldest = -1;
      let due = 0;
      for (let i = 0; i < this.inFlight.length; i++) {
        const item = this.inFlight[i]!;
        if (!ignoreDelay && item.deliverAtStep > nowStep) continue;
        due++;
        if (oldest < 0 || item.seq < this.inFlight[oldest]!.seq) oldest = i;
      }
      if (oldest < 0) return undefined;
      let chosen = oldest;
      if (due > 1 && this.faults.reorderRate > 0 && this.rng.chance(this.faults.reorderRate)) {
        let skip = this.rng.int(due);
        for (let i = 0; i < this.inFlight.length; i++) {
          if (!ignoreDelay && this.inFlight[i]!.deliverAtStep > nowStep) continue;
          if (skip-- === 0) {
            chosen = i;
            break;
          }
        }
      }
      const item = this.inFlight[chosen]!;
      this.inFlight[chosen] = this.inFlight[this.inFlight.length - 1]!;
      this.inFlight.pop();
      if (this.connected(item.message.from, item.message.to)) return item.message;
      lost?.(item.message);
    }
  }

  private enqueue(message: Message, nowStep: number): boolean {
    if (this.inFlight.length >= this.inFlightMax) return false;
    const delay = this.faults.delayStepsMax === 1 ? 1 : 1 + this.rng.int(this.faults.delayStepsMax);
    this.inFlight.push({ deliverAtStep: nowStep + delay, seq: this.seq++, message });
    return true;
  }
}
