// Every ack a generator received, for the correctness ledger: (producer, sequence, index) in
// fixed-size typed-array chunks, 16 bytes an ack, allocated as the log grows and bounded by
// acksMax (beyond it the log stops growing and says so: `truncated`, so a ledger never mistakes
// a partial log for a complete one). Chunks are plain ArrayBuffers so a worker can transfer them.

import { assert } from '../assert.js';

export const ACK_CHUNK_ENTRIES = 65_536;
export const ACKS_MAX_DEFAULT = 8_388_608;

export interface AckChunk {
  producer: Uint32Array;
  sequence: Uint32Array;
  index: Float64Array;
}

/** Serialized form (structured-clone / transferable). */
export interface AckLogData {
  length: number;
  truncated: boolean;
  chunks: Array<{ producer: ArrayBuffer; sequence: ArrayBuffer; index: ArrayBuffer }>;
}

export interface Ack {
  producer: number;
  sequence: number;
  index: number;
}

function newChunk(): AckChunk {
  return {
    producer: new Uint32Array(ACK_CHUNK_ENTRIES),
    sequence: new Uint32Array(ACK_CHUNK_ENTRIES),
    index: new Float64Array(ACK_CHUNK_ENTRIES),
  };
}

export class AckLog {
  private readonly chunks: AckChunk[] = [];
  private count = 0;
  private overflowed = false;

  constructor(readonly acksMax: number = ACKS_MAX_DEFAULT) {
    assert(Number.isInteger(acksMax) && acksMax >= 0, `acksMax must be a non-negative integer, got ${acksMax}`);
  }

  get length(): number {
    return this.count;
  }

  /** True when acks were dropped because acksMax was reached. */
  get truncated(): boolean {
    return this.overflowed;
  }

  append(producer: number, sequence: number, index: number): void {
    if (this.count >= this.acksMax) {
      this.overflowed = true;
      return;
    }
    const slot = this.count % ACK_CHUNK_ENTRIES;
    if (slot === 0) this.chunks.push(newChunk());
    const chunk = this.chunks[this.chunks.length - 1]!;
    chunk.producer[slot] = producer;
    chunk.sequence[slot] = sequence;
    chunk.index[slot] = index;
    this.count++;
  }

  get(i: number): Ack {
    assert(i >= 0 && i < this.count, `ack ${i} out of range [0, ${this.count})`);
    const chunk = this.chunks[Math.floor(i / ACK_CHUNK_ENTRIES)]!;
    const slot = i % ACK_CHUNK_ENTRIES;
    return { producer: chunk.producer[slot]!, sequence: chunk.sequence[slot]!, index: chunk.index[slot]! };
  }

  *[Symbol.iterator](): IterableIterator<Ack> {
    for (let i = 0; i < this.count; i++) yield this.get(i);
  }

  /** Calls fn for every ack without allocating (ledger hot path). */
  forEach(fn: (producer: number, sequence: number, index: number) => void): void {
    let remaining = this.count;
    for (const chunk of this.chunks) {
      const n = Math.min(remaining, ACK_CHUNK_ENTRIES);
      for (let i = 0; i < n; i++) fn(chunk.producer[i]!, chunk.sequence[i]!, chunk.index[i]!);
      remaining -= n;
    }
  }

  /** Appends every ack of another log (merging worker logs). */
  appendAll(other: AckLog): void {
    other.forEach((p, s, x) => this.append(p, s, x));
    if (other.truncated) this.overflowed = true;
  }

  toData(): AckLogData {
    return {
      length: this.count,
      truncated: this.overflowed,
      chunks: this.chunks.map((c) => ({ producer: c.producer.buffer as ArrayBuffer, sequence: c.sequence.buffer as ArrayBuffer, index: c.index.buffer as ArrayBuffer })),
    };
  }

  /** Buffers to list in a transferList. */
  transferables(): ArrayBuffer[] {
    return this.chunks.flatMap((c) => [c.producer.buffer as ArrayBuffer, c.sequence.buffer as ArrayBuffer, c.index.buffer as ArrayBuffer]);
  }

  static fromData(data: AckLogData, acksMax: number = ACKS_MAX_DEFAULT): AckLog {
    const log = new AckLog(Math.max(acksMax, data.length));
    for (const c of data.chunks) {
      log.chunks.push({ producer: new Uint32Array(c.producer), sequence: new Uint32Array(c.sequence), index: new Float64Array(c.index) });
    }
    log.count = data.length;
    log.overflowed = data.truncated;
    return log;
  }
}

// Producer ids: phase (8 bits) | worker (8 bits) | slot (16 bits). A slot has at most one op
// outstanding, so each producer's sequence is issued strictly in order (the ledger checks order).
export const PRODUCER_SLOTS_MAX = 65_536;
export const PRODUCER_WORKERS_MAX = 256;
export const PRODUCER_PHASES_MAX = 256;

export function producerId(phaseIndex: number, workerIndex: number, slot: number): number {
  assert(phaseIndex >= 0 && phaseIndex < PRODUCER_PHASES_MAX, `phase index ${phaseIndex} out of range`);
  assert(workerIndex >= 0 && workerIndex < PRODUCER_WORKERS_MAX, `worker index ${workerIndex} out of range`);
  assert(slot >= 0 && slot < PRODUCER_SLOTS_MAX, `slot ${slot} out of range`);
  return ((phaseIndex << 24) | (workerIndex << 16) | slot) >>> 0;
}

export function producerPhase(producer: number): number {
  return producer >>> 24;
}
