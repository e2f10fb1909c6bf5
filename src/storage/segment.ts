// One segment of the log: a file holding consecutive entries from `firstIndex`, named by that index
// (00000000000000000001.log), plus an in-memory index: every entry's file offset in a typed array
// (4 bytes an entry, no object per entry) and the terms as runs (a term changes only at an
// election, so a segment holds one run or a few; 8 bytes an entry of f64 terms were two thirds
// of a long run's memory growth: 3 replicas, 2.3 M entries, +120 MB of RSS in 60 s). A sealed
// segment whose entries all have one size (a benchmark's fixed payloads) drops the offsets too:
// offset = slot × size. Those 4 bytes an entry were the rest of the growth (60 s, 3 replicas,
// 2.16 M entries: 322 → 347 MiB from 15 s on, 12 bytes an entry). Pushing to or truncating such a
// segment (it became the last one again) rebuilds the array.
// Invariants: offsets are strictly increasing; offsets[0] === 0 when count > 0; entry i spans
// [offsets[i], offsets[i+1]) and the last one [offsets[count-1], endOffset); terms never decrease.
// The arrays describe the *visible* log; the file may lag behind (writes queued) — see file-store.ts.

import { join } from 'node:path';
import { assert } from '../assert.js';

export const SEGMENT_NAME_DIGITS = 20;
const SEGMENT_NAME = /^(\d{20})\.log$/;
const INITIAL_CAPACITY = 1024;

export function segmentFileName(firstIndex: number): string {
  return `${String(firstIndex).padStart(SEGMENT_NAME_DIGITS, '0')}.log`;
}

/** The name of the index file of the segment starting at `firstIndex` (written when it is sealed). */
export function segmentIndexFileName(firstIndex: number): string {
  return `${String(firstIndex).padStart(SEGMENT_NAME_DIGITS, '0')}.idx`;
}

/** The first index encoded in a segment file name, or undefined when the name is not a segment's. */
export function parseSegmentFileName(name: string): number | undefined {
  const match = SEGMENT_NAME.exec(name);
  if (match === null) return undefined;
  const value = Number(match[1]);
  return Number.isSafeInteger(value) && value >= 1 ? value : undefined;
}

export class Segment {
  readonly firstIndex: number;
  readonly path: string;
  readonly indexPath: string;
  /** File descriptor opened read-write, or -1 before the writer has created the file / after close. */
  fd = -1;
  count = 0;
  /** Logical end: bytes of every entry appended, whether or not written yet. */
  endOffset = 0;
  /** True once the segment is full and its index file has been written. */
  sealed = false;
  /** Entry offsets; undefined while the segment is sealed and its entries all have `stride` bytes. */
  private offsetsArray: Uint32Array | undefined;
  private stride = 0;
  /** Term runs: run r covers slots [runStarts[r], runStarts[r + 1]) (the last one up to count) with runTerms[r]. */
  private runStarts: number[] = [];
  private runTerms: number[] = [];

  constructor(dir: string, firstIndex: number, capacity = INITIAL_CAPACITY) {
    assert(Number.isSafeInteger(firstIndex) && firstIndex >= 1, () => `segment first index ${firstIndex}`);
    this.firstIndex = firstIndex;
    this.path = join(dir, segmentFileName(firstIndex));
    this.indexPath = join(dir, segmentIndexFileName(firstIndex));
    this.offsetsArray = new Uint32Array(Math.max(1, capacity));
  }

  /** Index of the last entry, or firstIndex - 1 when empty. */
  get lastIndex(): number {
    return this.firstIndex + this.count - 1;
  }

  offsetAt(slot: number): number {
    const offsets = this.offsetsArray;
    return offsets !== undefined ? offsets[slot]! : slot * this.stride;
  }

  termAt(slot: number): number {
    const starts = this.runStarts;
    let run = starts.length - 1;
    if (run > 0 && slot < starts[run]!) {
      // Binary search for the last run starting at or before the slot.
      let low = 0;
      let high = run;
      while (low < high) {
        const mid = (low + high + 1) >>> 1;
        if (starts[mid]! <= slot) low = mid;
        else high = mid - 1;
      }
      run = low;
    }
    return this.runTerms[run]!;
  }

  /** End offset (exclusive) of the entry in `slot`. */
  entryEnd(slot: number): number {
    return slot + 1 < this.count ? this.offsetAt(slot + 1) : this.endOffset;
  }

  push(offset: number, term: number, bytes: number): void {
    assert(offset === this.endOffset, () => `segment ${this.path}: entry at ${offset}, expected ${this.endOffset}`);
    let offsets = this.dense();
    if (this.count === offsets.length) offsets = this.grow(this.count * 2);
    offsets[this.count] = offset;
    this.noteTerm(this.count, term);
    this.count++;
    this.endOffset = offset + bytes;
  }

  /** Keeps the first `count` entries. */
  truncateTo(count: number): void {
    assert(count >= 0 && count <= this.count, () => `segment ${this.path}: truncateTo(${count}) of ${this.count}`);
    this.endOffset = count === this.count ? this.endOffset : count === 0 ? 0 : this.offsetAt(count);
    this.count = count;
    while (this.runStarts.length > 0 && this.runStarts[this.runStarts.length - 1]! >= count) {
      this.runStarts.pop();
      this.runTerms.pop();
    }
  }

  /** Replaces the index with loaded arrays (from an index file). */
  load(offsets: Uint32Array, terms: Float64Array, endOffset: number): void {
    assert(offsets.length === terms.length, 'segment index arrays differ in length');
    this.offsetsArray = offsets;
    this.stride = 0;
    this.runStarts = [];
    this.runTerms = [];
    for (let slot = 0; slot < terms.length; slot++) this.noteTerm(slot, terms[slot]!);
    this.count = offsets.length;
    this.endOffset = endOffset;
  }

  /** The live part of the offsets and every entry's term (for writing the index file). */
  snapshot(): { offsets: Uint32Array; terms: Float64Array } {
    const terms = new Float64Array(this.count);
    for (let run = 0; run < this.runStarts.length; run++) {
      terms.fill(this.runTerms[run]!, this.runStarts[run]!, run + 1 < this.runStarts.length ? this.runStarts[run + 1]! : this.count);
    }
    return { offsets: this.dense().subarray(0, this.count), terms };
  }

  /** Number of entries lying entirely below byte `offset` (entries end on their boundaries). */
  countEndingBy(offset: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.entryEnd(mid) <= offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  indexBytes(): number {
    return (this.offsetsArray?.byteLength ?? 0) + this.runStarts.length * 16;
  }

  /** Marks the segment full (its index file written or loaded) and compacts its offsets when it can. */
  markSealed(): void {
    this.sealed = true;
    const offsets = this.offsetsArray;
    if (offsets === undefined || this.count === 0) return;
    const stride = this.endOffset / this.count;
    if (!Number.isInteger(stride)) return;
    for (let slot = 1; slot < this.count; slot++) if (offsets[slot] !== slot * stride) return;
    this.offsetsArray = undefined;
    this.stride = stride;
  }

  /** The offsets as an array, rebuilt from the stride when the segment was compacted. */
  private dense(): Uint32Array {
    if (this.offsetsArray === undefined) {
      const offsets = new Uint32Array(Math.max(INITIAL_CAPACITY, this.count * 2));
      for (let slot = 0; slot < this.count; slot++) offsets[slot] = slot * this.stride;
      this.offsetsArray = offsets;
      this.stride = 0;
    }
    return this.offsetsArray;
  }

  /** Records that `slot` (the next one) holds `term`: a new run when the term changes. */
  private noteTerm(slot: number, term: number): void {
    if (this.runTerms.length === 0 || this.runTerms[this.runTerms.length - 1] !== term) {
      this.runStarts.push(slot);
      this.runTerms.push(term);
    }
  }

  private grow(capacity: number): Uint32Array {
    const offsets = new Uint32Array(capacity);
    offsets.set(this.dense().subarray(0, this.count));
    this.offsetsArray = offsets;
    return offsets;
  }
}
