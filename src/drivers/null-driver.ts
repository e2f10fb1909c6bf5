// The `null` system: acks every append at once (in a microtask), so a run against it measures
// the harness itself: the generator's top rate and its recording overhead. For tests it can
// also misbehave on purpose: a fixed ack latency, a stall (the system freezes: appends arriving
// in [stallAtMs, stallAtMs + stallMs) after connect() are acked when the stall ends), a CPU cost
// paid synchronously inside append() (a client library that cannot keep up), and failures.
// Positions are assigned in call order from 1, like a log index.
// With `readBackReplicas: N` it also keeps each payload's 16-byte load tag (bounded by
// KEPT_ENTRIES_MAX) and reads back N identical "replicas" for the correctness ledger;
// `readBackDropIndex: I` leaves the entry at index I out of every replica (a lost entry, for
// tests of the ledger's wiring).

import type { Clock } from '../load/clock.js';
import { RealClock } from '../load/clock.js';
import { TAG_BYTES } from '../check/tag.js';
import type { AppendAck, Driver, ReplicaContents } from './types.js';
import { ReplicaEntries } from './replica-entries.js';

export interface NullDriverOptions {
  /**
   * Every ack arrives this long after the append (0: in a microtask). With the real clock the wait
   * is a timer (load/clock.ts), so values under about 2 ms round up to a timer tick (~1 ms).
   */
  latencyUs?: number;
  /** Start of an injected stall, ms after connect(). */
  stallAtMs?: number;
  /** Length of the stall, ms (0: none). */
  stallMs?: number;
  /** Busy-spins this long inside every append() call (synchronous, on the caller's thread). */
  spinUsPerOp?: number;
  /** Every Nth append fails (0: never). */
  failEvery?: number;
  /** Keep the load tags and read back this many identical replicas (0: no read-back). */
  readBackReplicas?: number;
  /** Leave the entry at this index out of every replica read back (0: none). */
  readBackDropIndex?: number;
}

export const NULL_OPTION_KEYS = ['latencyUs', 'stallAtMs', 'stallMs', 'spinUsPerOp', 'failEvery', 'readBackReplicas', 'readBackDropIndex'] as const;
/** Entries whose tags are kept at most (16 bytes each); past it appends fail. */
export const KEPT_ENTRIES_MAX = 4_194_304;

export class NullDriver implements Driver {
  readonly system = 'null';
  readonly durability = 'none: acked at once, nothing stored (measures the harness)';
  readonly settings: Record<string, string | number | boolean>;
  private nextIndex = 1;
  private connectedUs = 0;
  private readonly latencyUs: number;
  private readonly stallStartMs: number;
  private readonly stallMs: number;
  private readonly spinUs: number;
  private readonly failEvery: number;
  private readonly kept: Array<{ index: number; payload: Uint8Array }> = [];
  readBack?: () => Promise<ReplicaContents[]>;

  constructor(
    options: NullDriverOptions = {},
    private readonly clock: Clock = new RealClock(),
  ) {
    this.latencyUs = nonNegative('latencyUs', options.latencyUs ?? 0);
    this.stallStartMs = nonNegative('stallAtMs', options.stallAtMs ?? 0);
    this.stallMs = nonNegative('stallMs', options.stallMs ?? 0);
    this.spinUs = nonNegative('spinUsPerOp', options.spinUsPerOp ?? 0);
    this.failEvery = nonNegative('failEvery', options.failEvery ?? 0);
    this.settings = { latencyUs: this.latencyUs, stallAtMs: this.stallStartMs, stallMs: this.stallMs, spinUsPerOp: this.spinUs, failEvery: this.failEvery };
    const replicas = nonNegative('readBackReplicas', options.readBackReplicas ?? 0);
    const dropIndex = nonNegative('readBackDropIndex', options.readBackDropIndex ?? 0);
    if (replicas > 0) {
      this.settings['readBackReplicas'] = replicas;
      this.settings['readBackDropIndex'] = dropIndex;
      this.readBack = async () =>
        Array.from({ length: replicas }, (_, r) => ({
          replica: `null-${r + 1}`,
          entries: ReplicaEntries.from(this.kept.filter((e) => e.index !== dropIndex)),
        }));
    }
  }

  async connect(): Promise<void> {
    this.connectedUs = this.clock.nowUs();
  }

  append(payload: Uint8Array): Promise<AppendAck> {
    if (this.spinUs > 0) {
      const untilUs = this.clock.nowUs() + this.spinUs;
      while (this.clock.nowUs() < untilUs) {
        // Busy wait: models client-side CPU cost per op.
      }
    }
    const index = this.nextIndex++;
    if (this.failEvery > 0 && index % this.failEvery === 0) return Promise.reject(new Error(`null system: injected failure of append #${index}`));
    if (this.readBack !== undefined) {
      if (this.kept.length >= KEPT_ENTRIES_MAX) return Promise.reject(new Error(`null system: read-back keeps at most ${KEPT_ENTRIES_MAX} entries`));
      this.kept.push({ index, payload: payload.slice(0, TAG_BYTES) });
    }
    const ack: AppendAck = { index };
    const nowUs = this.clock.nowUs();
    let readyUs = this.latencyUs > 0 ? nowUs + this.latencyUs : 0;
    if (this.stallMs > 0) {
      const stallStartUs = this.connectedUs + this.stallStartMs * 1000;
      const stallEndUs = stallStartUs + this.stallMs * 1000;
      if (nowUs >= stallStartUs && nowUs < stallEndUs) readyUs = Math.max(readyUs, stallEndUs);
    }
    if (readyUs === 0) return Promise.resolve(ack);
    return this.clock.sleepUntilUs(readyUs).then(() => ack);
  }

  async close(): Promise<void> {
    // Nothing to release.
  }
}

function nonNegative(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`null driver option ${name}: expected a non-negative number, got ${JSON.stringify(value)}`);
  }
  return value;
}
