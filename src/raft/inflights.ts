// The pipelining window of one follower: the Append messages the leader has sent but not yet
// seen acknowledged, as a power-of-two ring of (last index, payload bytes) pairs.
// Invariants: entries are in increasing order of last index (the leader sends in log order);
// 0 <= count <= msgsMax; bytes is the sum of the bytes of the entries held. Storage is allocated
// once at construction; nothing on the hot path allocates.

import { assert } from '../assert.js';
import type { LogIndex } from '../types.js';

export class Inflights {
  private readonly lastIndexes: Float64Array;
  private readonly sizes: Float64Array;
  private readonly mask: number;
  private start = 0;
  private countNow = 0;
  private bytesNow = 0;

  constructor(
    readonly msgsMax: number,
    readonly bytesMax: number,
  ) {
    assert(Number.isInteger(msgsMax) && msgsMax >= 1, () => `Inflights: msgsMax must be an integer >= 1, got ${msgsMax}`);
    assert(bytesMax >= 1, () => `Inflights: bytesMax must be >= 1, got ${bytesMax}`);
    let capacity = 1;
    while (capacity < msgsMax) capacity <<= 1;
    this.lastIndexes = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  get count(): number {
    return this.countNow;
  }

  get bytes(): number {
    return this.bytesNow;
  }

  /** True when no further Append may be sent: the window is full by count or by bytes. */
  full(): boolean {
    return this.countNow >= this.msgsMax || this.bytesNow >= this.bytesMax;
  }

  /** Records a sent Append whose last entry is `lastIndex`, carrying `bytes` of payload. */
  add(lastIndex: LogIndex, bytes: number): void {
    assert(!this.full(), 'Inflights.add: window is full');
    if (this.countNow > 0) {
      const newest = this.lastIndexes[(this.start + this.countNow - 1) & this.mask]!;
      assert(lastIndex >= newest, () => `Inflights.add: index ${lastIndex} below newest in flight ${newest}`);
    }
    const slot = (this.start + this.countNow) & this.mask;
    this.lastIndexes[slot] = lastIndex;
    this.sizes[slot] = bytes;
    this.countNow++;
    this.bytesNow += bytes;
  }

  /** Frees every message whose last index is <= `index` (they are acknowledged). */
  freeLE(index: LogIndex): void {
    while (this.countNow > 0 && this.lastIndexes[this.start]! <= index) {
      this.bytesNow -= this.sizes[this.start]!;
      this.start = (this.start + 1) & this.mask;
      this.countNow--;
    }
    if (this.countNow === 0) {
      this.start = 0;
      this.bytesNow = 0;
    }
  }

  /** Frees the oldest message (a heartbeat response proves the follower is alive: let one more through). */
  freeFirstOne(): void {
    if (this.countNow === 0) return;
    this.freeLE(this.lastIndexes[this.start]! as LogIndex);
  }

  reset(): void {
    this.start = 0;
    this.countNow = 0;
    this.bytesNow = 0;
  }
}
