// Producer and sequence of recent log entries, kept from the moment the host hands entries to
// storage until they commit, so applying a commit (exactly-once dedupe, answering clients) needs
// no read back from disk. A power-of-two ring keyed by log index; a slot remembers which index it
// holds, so a lookup of an index that was overwritten or never recorded misses (the caller then
// reads the entry from the log).

import { assert } from '../assert.js';
import { BODY_HEADER_BYTES } from '../client/protocol.js';

/** Producer value of entries that carry no client request (a new leader's empty entry). */
export const NO_PRODUCER = 0xffffffff;
const TWO_POW_32 = 4294967296;

export class EntryMetaRing {
  private readonly indexes: Float64Array;
  private readonly producers: Uint32Array;
  private readonly sequences: Float64Array;
  private readonly mask: number;

  constructor(capacity: number) {
    assert(capacity > 0 && (capacity & (capacity - 1)) === 0, () => `EntryMetaRing capacity must be a power of two, got ${capacity}`);
    this.indexes = new Float64Array(capacity).fill(-1);
    this.producers = new Uint32Array(capacity);
    this.sequences = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  /** Records the body header of the entry at `index` (empty bodies are no-ops). */
  record(index: number, body: Uint8Array): void {
    const slot = index & this.mask;
    this.indexes[slot] = index;
    if (body.byteLength < BODY_HEADER_BYTES) {
      this.producers[slot] = NO_PRODUCER;
      return;
    }
    // Direct byte reads: a DataView per entry costs an allocation on the hot path.
    this.producers[slot] = readU32(body, 0);
    this.sequences[slot] = readU32(body, 4) + readU32(body, 8) * TWO_POW_32;
  }

  has(index: number): boolean {
    return this.indexes[index & this.mask] === index;
  }

  producer(index: number): number {
    return this.producers[index & this.mask]!;
  }

  sequence(index: number): number {
    return this.sequences[index & this.mask]!;
  }
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}
