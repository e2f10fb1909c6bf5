// Per-op completion times, kept when a run injects faults: for every completed op, when it
// completed (clock µs), whether it succeeded, and its corrected latency. Failover metrics need ms
// precision (time from a fault to the first successful commit after it) and latency percentiles
// over arbitrary windows (before / during / after a fault), which 1 s series points cannot give.
// Storage: fixed-size typed-array chunks, 13 bytes an op, allocated as the log grows and bounded
// by opsMax (past it the log stops growing and says so: `truncated`). Completions arrive on one
// thread in clock order, so times are non-decreasing (checked) and windows are found by binary
// search.

import { assert } from '../assert.js';

export const COMPLETION_CHUNK_OPS = 65_536;
export const COMPLETION_OPS_MAX_DEFAULT = 4_194_304;

interface Chunk {
  doneUs: Float64Array;
  latencyUs: Float32Array;
  ok: Uint8Array;
}

export class CompletionLog {
  private readonly chunks: Chunk[] = [];
  private count = 0;
  private overflowed = false;
  private lastUs = Number.NEGATIVE_INFINITY;

  constructor(readonly opsMax: number = COMPLETION_OPS_MAX_DEFAULT) {
    assert(Number.isInteger(opsMax) && opsMax >= 0, `opsMax must be a non-negative integer, got ${opsMax}`);
  }

  get length(): number {
    return this.count;
  }

  /** True when completions were dropped because opsMax was reached. */
  get truncated(): boolean {
    return this.overflowed;
  }

  recordSuccess(doneUs: number, latencyUs: number): void {
    this.push(doneUs, latencyUs, 1);
  }

  recordError(doneUs: number): void {
    this.push(doneUs, 0, 0);
  }

  private push(doneUs: number, latencyUs: number, ok: number): void {
    if (this.count >= this.opsMax) {
      this.overflowed = true;
      return;
    }
    // Several generators may share a log (one after another); a clock never runs backwards.
    if (doneUs < this.lastUs) doneUs = this.lastUs;
    this.lastUs = doneUs;
    const slot = this.count % COMPLETION_CHUNK_OPS;
    if (slot === 0) this.chunks.push({ doneUs: new Float64Array(COMPLETION_CHUNK_OPS), latencyUs: new Float32Array(COMPLETION_CHUNK_OPS), ok: new Uint8Array(COMPLETION_CHUNK_OPS) });
    const chunk = this.chunks[this.chunks.length - 1]!;
    chunk.doneUs[slot] = doneUs;
    chunk.latencyUs[slot] = latencyUs;
    chunk.ok[slot] = ok;
    this.count++;
  }

  doneUsAt(i: number): number {
    return this.chunks[Math.floor(i / COMPLETION_CHUNK_OPS)]!.doneUs[i % COMPLETION_CHUNK_OPS]!;
  }

  /** First position whose completion time is >= timeUs (length when none). */
  lowerBound(timeUs: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.doneUsAt(mid) < timeUs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Calls fn for every completion in [fromUs, toUs), in time order, without allocating. */
  forEachBetween(fromUs: number, toUs: number, fn: (doneUs: number, latencyUs: number, ok: boolean) => void): void {
    for (let i = this.lowerBound(fromUs); i < this.count; i++) {
      const chunk = this.chunks[Math.floor(i / COMPLETION_CHUNK_OPS)]!;
      const slot = i % COMPLETION_CHUNK_OPS;
      const doneUs = chunk.doneUs[slot]!;
      if (doneUs >= toUs) return;
      fn(doneUs, chunk.latencyUs[slot]!, chunk.ok[slot] === 1);
    }
  }

  /** Time of the first successful completion at or after timeUs, or undefined. */
  firstSuccessAtOrAfter(timeUs: number): number | undefined {
    for (let i = this.lowerBound(timeUs); i < this.count; i++) {
      const chunk = this.chunks[Math.floor(i / COMPLETION_CHUNK_OPS)]!;
      const slot = i % COMPLETION_CHUNK_OPS;
      if (chunk.ok[slot] === 1) return chunk.doneUs[slot]!;
    }
    return undefined;
  }

  /** Completion time of the first and last op, or undefined when empty. */
  span(): { firstUs: number; lastUs: number } | undefined {
    return this.count === 0 ? undefined : { firstUs: this.doneUsAt(0), lastUs: this.doneUsAt(this.count - 1) };
  }
}
