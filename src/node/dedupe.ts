// Exactly-once appends: the replicated state remembers, per producer, which sequence numbers
// were committed and at which index, so a request retried after a leader change (its first try may
// or may not have been committed) is acknowledged with the original index instead of being
// applied twice. Every replica applies the same committed entries in the same order, so every
// replica's table is identical.
//
// A producer's sequence numbers are consecutive integers, so each producer keeps a power-of-two
// ring keyed by sequence (typed arrays: a slot holds the sequence it describes and its index).
// This replaced a Map per producer, whose lookups were a visible share of the leader's time.
//
// Bounds: at most `producersMax` producers (least recently used evicted) and, per producer, the
// last `windowMax` sequence numbers. Correctness needs windowMax > the client's outstandingMax:
// a client never has a request outstanding that is more than outstandingMax sequences older than
// its newest, so a sequence below the window can only be a late copy of something applied (it is
// answered as a duplicate of unknown index, 0). Every replica and the log reader apply the same
// limits, so they agree on the state.
//
// encode()/decode() turn a table into bytes and back (the replica's periodic snapshot, so that a
// restart replays the log from the snapshot instead of from the start). Layout, little endian:
//   u32 magic "LBDD" | u32 version | u32 producersMax | u32 windowMax | f64 clock | u32 producers
//   per producer: u32 id | f64 lastUsed | f64 highestSeq | u32 n | n × (f64 sequence, f64 index)

import { assert } from '../assert.js';

export interface DedupeLimits {
  producersMax: number;
  /** Power of two. */
  windowMax: number;
}

export const DEFAULT_DEDUPE_LIMITS: DedupeLimits = { producersMax: 256, windowMax: 1 << 15 };

const SNAPSHOT_MAGIC = 0x4444424c; // "LBDD"
const SNAPSHOT_VERSION = 1;
const SNAPSHOT_HEADER_BYTES = 28;
const PRODUCER_HEADER_BYTES = 24;

export class DedupeSnapshotError extends Error {
  override name = 'DedupeSnapshotError';
}

class ProducerWindow {
  /** Highest sequence applied, -1 before the first. */
  highestSeq = -1;
  readonly seqs: Float64Array;
  readonly indexes: Float64Array;
  private readonly mask: number;
  lastUsed = 0;

  constructor(windowMax: number) {
    this.seqs = new Float64Array(windowMax).fill(-1);
    this.indexes = new Float64Array(windowMax);
    this.mask = windowMax - 1;
  }

  lookup(sequence: number): number | undefined {
    if (sequence > this.highestSeq) return undefined;
    const slot = sequence & this.mask;
    if (this.seqs[slot] === sequence) return this.indexes[slot];
    // Below the window and not remembered: it was committed long ago.
    if (sequence <= this.highestSeq - this.seqs.length) return 0;
    return undefined;
  }

  record(sequence: number, index: number): void {
    const slot = sequence & this.mask;
    this.seqs[slot] = sequence;
    this.indexes[slot] = index;
    if (sequence > this.highestSeq) this.highestSeq = sequence;
  }
}

export class DedupeTable {
  private readonly producers = new Map<number, ProducerWindow>();
  private clock = 0;

  constructor(private readonly limits: DedupeLimits = DEFAULT_DEDUPE_LIMITS) {
    assert(limits.producersMax > 0 && limits.windowMax > 0 && (limits.windowMax & (limits.windowMax - 1)) === 0, 'dedupe limits: positive, windowMax a power of two');
  }

  /** Index at which (producer, sequence) was committed; 0 if committed at an index no longer remembered; undefined if never. */
  committedIndex(producer: number, sequence: number): number | undefined {
    return this.producers.get(producer)?.lookup(sequence);
  }

  /**
   * Applies one committed entry. Returns the original index when it is a duplicate (the entry must
   * then be ignored by the state machine), undefined when it is new.
   */
  apply(producer: number, sequence: number, index: number): number | undefined {
    assert(Number.isSafeInteger(sequence) && sequence >= 0, () => `dedupe: sequence ${sequence} of producer ${producer} is not a non-negative integer`);
    let window = this.producers.get(producer);
    if (window === undefined) {
      if (this.producers.size >= this.limits.producersMax) this.evictLeastRecent();
      window = new ProducerWindow(this.limits.windowMax);
      this.producers.set(producer, window);
    } else {
      const previous = window.lookup(sequence);
      if (previous !== undefined) return previous;
    }
    window.lastUsed = ++this.clock;
    window.record(sequence, index);
    return undefined;
  }

  /** The table as bytes (see the layout at the top); decode() gives back an equal table. */
  encode(): Uint8Array {
    let bytes = SNAPSHOT_HEADER_BYTES;
    for (const window of this.producers.values()) {
      let n = 0;
      for (let slot = 0; slot < window.seqs.length; slot++) if (window.seqs[slot]! >= 0) n++;
      bytes += PRODUCER_HEADER_BYTES + n * 16;
    }
    const out = new Uint8Array(bytes);
    const view = new DataView(out.buffer);
    view.setUint32(0, SNAPSHOT_MAGIC, true);
    view.setUint32(4, SNAPSHOT_VERSION, true);
    view.setUint32(8, this.limits.producersMax, true);
    view.setUint32(12, this.limits.windowMax, true);
    view.setFloat64(16, this.clock, true);
    view.setUint32(24, this.producers.size, true);
    let at = SNAPSHOT_HEADER_BYTES;
    for (const [id, window] of this.producers) {
      const countAt = at + 20;
      view.setUint32(at, id, true);
      view.setFloat64(at + 4, window.lastUsed, true);
      view.setFloat64(at + 12, window.highestSeq, true);
      at += PRODUCER_HEADER_BYTES;
      let n = 0;
      for (let slot = 0; slot < window.seqs.length; slot++) {
        if (window.seqs[slot]! < 0) continue;
        view.setFloat64(at, window.seqs[slot]!, true);
        view.setFloat64(at + 8, window.indexes[slot]!, true);
        at += 16;
        n++;
      }
      view.setUint32(countAt, n, true);
    }
    assert(at === bytes, () => `dedupe snapshot: wrote ${at} of ${bytes} bytes`);
    return out;
  }

  /** The table encode() wrote; throws DedupeSnapshotError when the bytes are not one or its limits differ. */
  static decode(bytes: Uint8Array, limits: DedupeLimits = DEFAULT_DEDUPE_LIMITS): DedupeTable {
    const fail = (what: string): never => {
      throw new DedupeSnapshotError(`dedupe snapshot: ${what}`);
    };
    if (bytes.byteLength < SNAPSHOT_HEADER_BYTES) fail(`${bytes.byteLength} bytes, shorter than its ${SNAPSHOT_HEADER_BYTES}-byte header`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(0, true) !== SNAPSHOT_MAGIC) fail('bad magic');
    if (view.getUint32(4, true) !== SNAPSHOT_VERSION) fail(`version ${view.getUint32(4, true)}, expected ${SNAPSHOT_VERSION}`);
    const producersMax = view.getUint32(8, true);
    const windowMax = view.getUint32(12, true);
    // Another window or producer bound would make a different state than replaying the log gives.
    if (producersMax !== limits.producersMax || windowMax !== limits.windowMax) fail(`limits ${producersMax} producers × ${windowMax}, expected ${limits.producersMax} × ${limits.windowMax}`);
    const table = new DedupeTable(limits);
    table.clock = view.getFloat64(16, true);
    const producers = view.getUint32(24, true);
    if (producers > limits.producersMax) fail(`${producers} producers, more than ${limits.producersMax}`);
    let at = SNAPSHOT_HEADER_BYTES;
    for (let p = 0; p < producers; p++) {
      if (at + PRODUCER_HEADER_BYTES > bytes.byteLength) fail(`producer ${p} runs past the end`);
      const id = view.getUint32(at, true);
      const window = new ProducerWindow(limits.windowMax);
      window.lastUsed = view.getFloat64(at + 4, true);
      window.highestSeq = view.getFloat64(at + 12, true);
      const n = view.getUint32(at + 20, true);
      at += PRODUCER_HEADER_BYTES;
      if (n > limits.windowMax || at + n * 16 > bytes.byteLength) fail(`producer ${id}: ${n} sequences run past the end`);
      for (let i = 0; i < n; i++, at += 16) {
        const sequence = view.getFloat64(at, true);
        if (!Number.isSafeInteger(sequence) || sequence < 0 || sequence > window.highestSeq) fail(`producer ${id}: sequence ${sequence} outside 0..${window.highestSeq}`);
        window.record(sequence, view.getFloat64(at + 8, true));
      }
      if (table.producers.has(id)) fail(`producer ${id} twice`);
      table.producers.set(id, window);
    }
    if (at !== bytes.byteLength) fail(`${bytes.byteLength - at} bytes after the last producer`);
    return table;
  }

  private evictLeastRecent(): void {
    let oldestKey = -1;
    let oldestUse = Infinity;
    for (const [key, window] of this.producers) {
      if (window.lastUsed < oldestUse) {
        oldestUse = window.lastUsed;
        oldestKey = key;
      }
    }
    this.producers.delete(oldestKey);
  }
}
