// One replica's committed entries, read back for the correctness ledger: log positions and
// payload bytes in chunked typed arrays, about 20 bytes an entry plus the payload's own bytes
// (the engine keeps a 20-byte digest of each payload: src/cluster/read-logs.ts).
//
// Why not an array of {index, payload} objects: an object and a Uint8Array of its own cost about
// 310 bytes an entry (measured: 2M of them, 622 MB of RSS). A 60 s engine run read back three
// replicas of 2M entries each that way and peaked at 3 GB of RSS; a longer run would not fit.
//
// Invariants: append-only; payloadAt(i) is a view of the stored copy (never of the caller's
// buffer), valid for the life of the table.

import { AssertionError } from '../assert.js';

/** 2^16, so that an entry's chunk and slot are a shift and a mask (the ledger reads every entry). */
const CHUNK_SHIFT = 16;
const ENTRIES_PER_CHUNK = 1 << CHUNK_SHIFT;
const SLOT_MASK = ENTRIES_PER_CHUNK - 1;
const BYTES_PER_CHUNK = 1 << 20;

export interface ReplicaEntry {
  index: number;
  payload: Uint8Array;
}

/** What the ledger reads of a replica's entries (ReplicaEntries; tests use an array-backed twin). */
export interface EntryTable extends Iterable<ReplicaEntry> {
  readonly length: number;
  indexAt(i: number): number;
  payloadAt(i: number): Uint8Array;
}

export class ReplicaEntries implements EntryTable {
  private readonly indexChunks: Float64Array[] = [];
  /** Per entry: which byte chunk holds its payload, where, and how many bytes. */
  private readonly chunkChunks: Uint32Array[] = [];
  private readonly startChunks: Uint32Array[] = [];
  private readonly lengthChunks: Uint32Array[] = [];
  private readonly bytes: Uint8Array[] = [];
  private bytesPos = BYTES_PER_CHUNK;
  private count = 0;

  static from(list: Iterable<ReplicaEntry>): ReplicaEntries {
    const out = new ReplicaEntries();
    for (const entry of list) out.push(entry.index, entry.payload);
    return out;
  }

  get length(): number {
    return this.count;
  }

  /** Appends an entry; the payload's bytes are copied. */
  push(index: number, payload: Uint8Array): void {
    if (this.count >= 2 ** 32) throw new AssertionError('ReplicaEntries: more than 2^32 entries');
    const slot = this.count & SLOT_MASK;
    if (slot === 0) {
      this.indexChunks.push(new Float64Array(ENTRIES_PER_CHUNK));
      this.chunkChunks.push(new Uint32Array(ENTRIES_PER_CHUNK));
      this.startChunks.push(new Uint32Array(ENTRIES_PER_CHUNK));
      this.lengthChunks.push(new Uint32Array(ENTRIES_PER_CHUNK));
    }
    const size = payload.byteLength;
    if (this.bytesPos + size > BYTES_PER_CHUNK || this.bytes.length === 0) {
      // A payload bigger than a chunk gets a chunk of its own size.
      this.bytes.push(new Uint8Array(Math.max(BYTES_PER_CHUNK, size)));
      this.bytesPos = 0;
    }
    const c = this.indexChunks.length - 1;
    this.indexChunks[c]![slot] = index;
    this.chunkChunks[c]![slot] = this.bytes.length - 1;
    this.startChunks[c]![slot] = this.bytesPos;
    this.lengthChunks[c]![slot] = size;
    this.bytes[this.bytes.length - 1]!.set(payload, this.bytesPos);
    this.bytesPos += size;
    this.count++;
  }

  // Bounds are checked with a plain throw: an assert message closure per call showed in the
  // ledger's walk over millions of entries.
  indexAt(i: number): number {
    if (!(i >= 0 && i < this.count)) throw new AssertionError(`ReplicaEntries.indexAt(${i}) outside [0, ${this.count})`);
    return this.indexChunks[i >>> CHUNK_SHIFT]![i & SLOT_MASK]!;
  }

  payloadAt(i: number): Uint8Array {
    if (!(i >= 0 && i < this.count)) throw new AssertionError(`ReplicaEntries.payloadAt(${i}) outside [0, ${this.count})`);
    const c = i >>> CHUNK_SHIFT;
    const slot = i & SLOT_MASK;
    const start = this.startChunks[c]![slot]!;
    return this.bytes[this.chunkChunks[c]![slot]!]!.subarray(start, start + this.lengthChunks[c]![slot]!);
  }

  *[Symbol.iterator](): IterableIterator<ReplicaEntry> {
    for (let i = 0; i < this.count; i++) yield { index: this.indexAt(i), payload: this.payloadAt(i) };
  }
}
