// Numbers every (producer, sequence) the ledger meets — acked or read back — with a cell id, so
// per-key state lives in flat typed arrays indexed by cell instead of a Map of objects (10 million
// acks must check in seconds and in bounded memory).
//
// Why not one packed key producer * 2^32 + sequence: producer ids use all 32 bits (phase |
// worker | slot, see src/load/ack-log.ts), so that key would exceed 2^53 and lose exactness.
// Instead each acked producer gets a dense range of cells covering its acked sequences plus a
// little slack above them (ops still in flight at the end). A generator's sequences are dense
// (0, 1, 2, ... per producer; a failed op leaves a gap of one), so a range costs about one cell
// per op. Any other key — a producer that was never acked, a sequence outside the range, or every
// key of a producer whose acked sequences are too sparse for a range — gets an overflow cell on
// demand, numbered after the dense cells.
//
// Use: observe() every ack in a first pass, build(), then denseCell()/overflowCell().
// Invariants: a key always maps to the same cell; dense cells are [0, denseCells), one producer's
// consecutive in sequence order; overflow cells are [denseCells, cellCount), in first-seen order;
// every acked producer has a slot.

import { assert } from '../assert.js';

/** A producer range at most this many times wider than its acks (+ slack) stays dense. */
const DENSE_WIDTH_PER_ACK_MAX = 2;
const DENSE_WIDTH_SLACK = 1024;
/** Cells above the highest acked sequence: ops in flight at the end land there without a Map. */
const DENSE_HEADROOM = 16;
/** Cell ids index typed arrays; keep them well inside what a typed array can hold. */
const CELLS_MAX = 0x7fff_ffff;

export const NO_SLOT = -1;
export const NO_CELL = -1;

export class KeySpaceBuilder {
  private readonly slotOf = new Map<number, number>();
  private readonly producers: number[] = [];
  private readonly sequenceMin: number[] = [];
  private readonly sequenceMax: number[] = [];
  private readonly acks: number[] = [];
  private lastProducer = -1;
  private lastSlot = NO_SLOT;

  observe(producer: number, sequence: number): void {
    let slot = this.lastSlot;
    if (producer !== this.lastProducer) {
      const known = this.slotOf.get(producer);
      if (known === undefined) {
        slot = this.producers.length;
        this.slotOf.set(producer, slot);
        this.producers.push(producer);
        this.sequenceMin.push(sequence);
        this.sequenceMax.push(sequence);
        this.acks.push(0);
      } else {
        slot = known;
      }
      this.lastProducer = producer;
      this.lastSlot = slot;
    }
    if (sequence < this.sequenceMin[slot]!) this.sequenceMin[slot] = sequence;
    if (sequence > this.sequenceMax[slot]!) this.sequenceMax[slot] = sequence;
    this.acks[slot]!++;
  }

  build(): KeySpace {
    const count = this.producers.length;
    const offsets = new Float64Array(count);
    const widths = new Float64Array(count);
    let denseCells = 0;
    for (let slot = 0; slot < count; slot++) {
      const width = this.sequenceMax[slot]! - this.sequenceMin[slot]! + 1 + DENSE_HEADROOM;
      if (width <= DENSE_WIDTH_PER_ACK_MAX * this.acks[slot]! + DENSE_WIDTH_SLACK) {
        offsets[slot] = denseCells;
        widths[slot] = width;
        denseCells += width;
      } else {
        offsets[slot] = NO_CELL;
      }
    }
    assert(denseCells <= CELLS_MAX, () => `ledger key space of ${denseCells} cells exceeds ${CELLS_MAX}`);
    return new KeySpace(this.slotOf, this.producers, Float64Array.from(this.sequenceMin), offsets, widths, denseCells);
  }
}

export class KeySpace {
  private readonly overflow = new Map<number, Map<number, number>>();
  private overflowProducer: number[] = [];
  private overflowSequence: number[] = [];
  private lastProducer = -1;
  private lastSlot = NO_SLOT;

  constructor(
    private readonly slotOf: Map<number, number>,
    private readonly producers: readonly number[],
    private readonly sequenceMin: Float64Array,
    private readonly offsets: Float64Array,
    private readonly widths: Float64Array,
    readonly denseCells: number,
  ) {}

  /** Acked producers; slots are [0, producerCount). */
  get producerCount(): number {
    return this.producers.length;
  }

  /** Dense cells plus the overflow cells handed out so far. */
  get cellCount(): number {
    return this.denseCells + this.overflowProducer.length;
  }

  /** The slot of an acked producer, or NO_SLOT. */
  slot(producer: number): number {
    if (producer === this.lastProducer) return this.lastSlot;
    const slot = this.slotOf.get(producer) ?? NO_SLOT;
    this.lastProducer = producer;
    this.lastSlot = slot;
    return slot;
  }

  producer(slot: number): number {
    return this.producers[slot]!;
  }

  /** The dense cell of (slot's producer, sequence), or NO_CELL when outside its range. */
  denseCell(slot: number, sequence: number): number {
    const offset = this.offsets[slot]!;
    if (offset === NO_CELL) return NO_CELL;
    const at = sequence - this.sequenceMin[slot]!;
    return at >= 0 && at < this.widths[slot]! ? offset + at : NO_CELL;
  }

  /** The cell of any key: its dense cell, or an overflow cell (handed out on first use). */
  cellOf(producer: number, sequence: number): number {
    const slot = this.slot(producer);
    if (slot !== NO_SLOT) {
      const cell = this.denseCell(slot, sequence);
      if (cell !== NO_CELL) return cell;
    }
    let cells = this.overflow.get(producer);
    if (cells === undefined) {
      cells = new Map<number, number>();
      this.overflow.set(producer, cells);
    }
    let cell = cells.get(sequence);
    if (cell === undefined) {
      cell = this.cellCount;
      assert(cell < CELLS_MAX, () => `ledger key space exceeds ${CELLS_MAX} cells`);
      this.overflowProducer.push(producer);
      this.overflowSequence.push(sequence);
      cells.set(sequence, cell);
    }
    return cell;
  }

  /** Every cell, in a fixed order: dense cells (producers as first acked, then sequence), then overflow cells. */
  forEachCell(fn: (cell: number, producer: number, sequence: number) => void): void {
    for (let slot = 0; slot < this.producers.length; slot++) {
      const offset = this.offsets[slot]!;
      if (offset === NO_CELL) continue;
      const producer = this.producers[slot]!;
      const first = this.sequenceMin[slot]!;
      const width = this.widths[slot]!;
      for (let at = 0; at < width; at++) fn(offset + at, producer, first + at);
    }
    for (let i = 0; i < this.overflowProducer.length; i++) fn(this.denseCells + i, this.overflowProducer[i]!, this.overflowSequence[i]!);
  }
}
