// The store's tail cache: the memory that appended entries are encoded into (slabs), and which
// file ranges of which segment it still holds. Recent entries are read from here instead of the
// file, and bytes not yet written are always here (file-store.ts relies on it: reads never see a
// torn entry).
//
// Invariants:
//   - a chunk maps file range [fileStart, fileEnd) of one segment to buf[bufStart, ...);
//   - a chunk is evicted only once the op that wrote it has completed (written, and synced under
//     policy `always`) and the cache holds more than bytesMax;
//   - a slab's memory is reused only when nothing can reference it: it is full, every append
//     placed in it has completed, no chunk points into it, and no read ever handed out a slice of
//     it (lend()). A lent slab is left to the garbage collector.

import type { Segment } from './segment.js';

const SLAB_BYTES = 4 * 1024 * 1024;
/** Entries bigger than this get their own buffer instead of a slab slice. */
const SLAB_ENTRY_BYTES_MAX = SLAB_BYTES / 4;
/**
 * A slab no longer referenced is reused instead of allocating a fresh one: fresh memory costs a
 * page fault per 4 KiB on first touch. Encoding 1 KiB entries into a reused slab took 770–1,294 ns
 * vs 1,240–1,562 ns into fresh ones (4 alternating rounds, 1M entries each). Full slabs wait in a
 * bounded list: those still cached, plus this many spares.
 */
const SLABS_RETIRED_EXTRA = 2;

interface Slab {
  readonly buf: Uint8Array;
  /** A read returned a slice of it: someone outside the store may hold its bytes. */
  lent: boolean;
  /** Op sequence number of the last append placed in it. */
  lastSeq: number;
}

interface CacheChunk {
  seg: Segment;
  fileStart: number;
  fileEnd: number;
  buf: Uint8Array;
  /** The slab that `buf` is, or undefined for a big entry's own buffer. */
  slab: Slab | undefined;
  bufStart: number;
  /** The op sequence number that wrote it; evictable once the writer has completed it. */
  seq: number;
}

export interface CachedBytes {
  buf: Uint8Array;
  /** Offset in buf of the requested range's first byte. */
  at: number;
}

export class TailCache {
  private slab: Slab = { buf: new Uint8Array(0), lent: true, lastSeq: 0 };
  private slabPos = 0;
  /** Full slabs, oldest first, waiting until nothing references them. */
  private retired: Slab[] = [];
  private chunks: CacheChunk[] = [];
  private held = 0;
  private readonly slabCounts = { allocated: 0, reused: 0 };

  constructor(private readonly bytesMax: number) {}

  /** Bytes of file ranges held. */
  get bytes(): number {
    return this.held;
  }

  /** Slabs allocated and reused so far. */
  slabStats(): { allocated: number; reused: number } {
    return { ...this.slabCounts };
  }

  /**
   * Reserves `bytes` for an append that will complete as op `seq` (`completedSeq`: the last op
   * completed so far, which decides whether an old slab may be reused).
   */
  place(bytes: number, seq: number, completedSeq: number): { buf: Uint8Array; pos: number } {
    if (bytes > SLAB_ENTRY_BYTES_MAX) return { buf: new Uint8Array(bytes), pos: 0 };
    if (this.slabPos + bytes > this.slab.buf.byteLength) {
      this.slab = this.nextSlab(completedSeq);
      this.slabPos = 0;
    }
    const pos = this.slabPos;
    this.slabPos += bytes;
    this.slab.lastSeq = seq;
    return { buf: this.slab.buf, pos };
  }

  /** Records bytes placed by place() as file range [fileOffset, fileOffset + bytes) of `seg`, written by op `seq`. */
  record(seg: Segment, fileOffset: number, bytes: number, buf: Uint8Array, pos: number, seq: number): void {
    const last = this.chunks[this.chunks.length - 1];
    if (last !== undefined && last.seg === seg && last.buf === buf && last.fileEnd === fileOffset && last.bufStart + (last.fileEnd - last.fileStart) === pos) {
      last.fileEnd += bytes;
      last.seq = seq;
    } else {
      this.chunks.push({ seg, fileStart: fileOffset, fileEnd: fileOffset + bytes, buf, slab: buf === this.slab.buf ? this.slab : undefined, bufStart: pos, seq });
    }
    this.held += bytes;
  }

  /** True when file range [start, end) of `seg` is held. */
  has(seg: Segment, start: number, end: number): boolean {
    return this.find(seg, start, end) !== undefined;
  }

  /** The held bytes of file range [start, end) of `seg`, for a caller that may keep them: their slab is never reused. */
  lend(seg: Segment, start: number, end: number): CachedBytes | undefined {
    const chunk = this.find(seg, start, end);
    if (chunk === undefined) return undefined;
    if (chunk.slab !== undefined) chunk.slab.lent = true;
    return { buf: chunk.buf, at: chunk.bufStart + (start - chunk.fileStart) };
  }

  /** Forgets held bytes of `seg` at or beyond `fileOffset` (they were truncated). */
  drop(seg: Segment, fileOffset: number): void {
    this.chunks = this.chunks.filter((chunk) => {
      if (chunk.seg !== seg || chunk.fileEnd <= fileOffset) return true;
      const keep = Math.max(0, fileOffset - chunk.fileStart);
      this.held -= chunk.fileEnd - chunk.fileStart - keep;
      chunk.fileEnd = chunk.fileStart + keep;
      return keep > 0;
    });
  }

  /** Evicts the oldest chunks written by ops up to `completedSeq` while more than bytesMax is held. */
  evict(completedSeq: number): void {
    let drop = 0;
    while (drop < this.chunks.length && this.held > this.bytesMax && this.chunks[drop]!.seq <= completedSeq) {
      const chunk = this.chunks[drop]!;
      this.held -= chunk.fileEnd - chunk.fileStart;
      drop++;
    }
    if (drop > 0) this.chunks.splice(0, drop);
  }

  /**
   * After a failed write rolled the log back: keeps only what still describes `segments`, and
   * reuses no slab filled before (op bookkeeping restarts).
   */
  resetAfterRollback(segments: readonly Segment[]): void {
    for (const seg of segments) this.drop(seg, seg.endOffset);
    this.chunks = this.chunks.filter((chunk) => segments.includes(chunk.seg));
    this.held = this.chunks.reduce((sum, c) => sum + c.fileEnd - c.fileStart, 0);
    this.slab.lent = true;
    this.retired = [];
  }

  private find(seg: Segment, start: number, end: number): CacheChunk | undefined {
    for (let i = this.chunks.length - 1; i >= 0; i--) {
      const chunk = this.chunks[i]!;
      if (chunk.seg === seg && chunk.fileStart <= start && end <= chunk.fileEnd) return chunk;
    }
    return undefined;
  }

  /** Retires the full slab and returns the oldest retired one that nothing references, or a fresh one. */
  private nextSlab(completedSeq: number): Slab {
    const full = this.slab;
    if (full.buf.byteLength > 0 && !full.lent) {
      this.retired.push(full);
      if (this.retired.length > Math.ceil(this.bytesMax / SLAB_BYTES) + SLABS_RETIRED_EXTRA) this.retired.shift();
    }
    const oldest = this.retired[0];
    if (oldest !== undefined && !oldest.lent && oldest.lastSeq <= completedSeq && !this.chunks.some((chunk) => chunk.slab === oldest)) {
      this.retired.shift();
      this.slabCounts.reused++;
      return oldest;
    }
    this.slabCounts.allocated++;
    return { buf: Buffer.allocUnsafeSlow(SLAB_BYTES), lent: false, lastSeq: 0 };
  }
}
