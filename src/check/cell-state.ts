// Per-key state of the ledger, one slot per key-space cell (src/check/key-space.ts), in flat
// typed arrays: 14 bytes a key. Grows (doubling) only when overflow cells are handed out.

import { assert } from '../assert.js';

/** ackedIndex of a key that was never acked. */
export const NOT_ACKED = -1;
/** flags bits: the key was already counted for that problem. */
export const DUPLICATED = 1;
export const REORDERED = 2;
/** seenBy holds one bit per replica. */
export const CELL_REPLICAS_MAX = 32;

const OVERFLOW_CELLS_MIN = 1024;

export class CellState {
  /** The index the key was acked at, or NOT_ACKED. */
  ackedIndex: Float64Array;
  /** Replicas holding the key at its acked index. */
  present: Uint8Array;
  flags: Uint8Array;
  /** Bit r: replica r holds the key (anywhere). */
  seenBy: Uint32Array;

  constructor(denseCells: number) {
    const capacity = denseCells + OVERFLOW_CELLS_MIN;
    this.ackedIndex = new Float64Array(capacity).fill(NOT_ACKED);
    this.present = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.seenBy = new Uint32Array(capacity);
  }

  get capacity(): number {
    return this.present.length;
  }

  /** Makes `cell` addressable. */
  ensure(cell: number): void {
    if (cell < this.present.length) return;
    assert(Number.isInteger(cell) && cell >= 0, () => `cell ${cell} is not a cell id`);
    const capacity = Math.max(cell + 1, this.present.length * 2);
    const ackedIndex = new Float64Array(capacity).fill(NOT_ACKED);
    ackedIndex.set(this.ackedIndex);
    this.ackedIndex = ackedIndex;
    this.present = grown(this.present, new Uint8Array(capacity));
    this.flags = grown(this.flags, new Uint8Array(capacity));
    this.seenBy = grown(this.seenBy, new Uint32Array(capacity));
  }
}

function grown<T extends Uint8Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
