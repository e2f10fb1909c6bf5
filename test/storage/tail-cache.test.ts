import { describe, expect, it } from 'vitest';
import { Segment } from '../../src/storage/segment.js';
import { TailCache } from '../../src/storage/tail-cache.js';

/** Places `bytes` and records them at the segment's end, as the store does for one append of op `seq`. */
function append(cache: TailCache, seg: Segment, bytes: number, seq: number, completedSeq: number): { buf: Uint8Array; pos: number; fileOffset: number } {
  const { buf, pos } = cache.place(bytes, seq, completedSeq);
  const fileOffset = seg.endOffset;
  seg.push(fileOffset, 1, bytes);
  cache.record(seg, fileOffset, bytes, buf, pos, seq);
  return { buf, pos, fileOffset };
}

describe('TailCache', () => {
  it('serves recorded ranges, forgets truncated ones, and evicts only completed ops beyond its bound', () => {
    const cache = new TailCache(2048);
    const seg = new Segment('/nonexistent', 1);
    const a = append(cache, seg, 1024, 1, 0);
    const b = append(cache, seg, 1024, 2, 0);
    append(cache, seg, 1024, 3, 0);
    // Contiguous appends share one chunk: any range inside it is held.
    expect(cache.bytes).toBe(3072);
    expect(cache.has(seg, 512, 2048)).toBe(true);
    const lent = cache.lend(seg, b.fileOffset, b.fileOffset + 1024)!;
    expect(lent.buf).toBe(b.buf);
    expect(lent.at).toBe(b.pos);
    expect(a.buf).toBe(b.buf);
    // Nothing completed yet: over the bound, but nothing may go.
    cache.evict(0);
    expect(cache.bytes).toBe(3072);
    // Truncating at 2048 keeps [0, 2048).
    seg.truncateTo(2);
    cache.drop(seg, 2048);
    expect(cache.bytes).toBe(2048);
    expect(cache.has(seg, 2048, 3072)).toBe(false);
    expect(cache.has(seg, 0, 2048)).toBe(true);
    // Re-appended at 2048 (a new chunk: the slab moved on). Over the bound (3072 > 2048) and
    // completed: the oldest chunk goes whole, the new one stays.
    append(cache, seg, 1024, 4, 3);
    cache.evict(4);
    expect(cache.bytes).toBe(1024);
    expect(cache.has(seg, 0, 1024)).toBe(false);
    expect(cache.has(seg, 2048, 3072)).toBe(true);
  });

  it('gives a big entry its own buffer, and after a rollback keeps only what the segments still hold', () => {
    const cache = new TailCache(1 << 30);
    const seg = new Segment('/nonexistent', 1);
    const small = append(cache, seg, 100, 1, 0);
    const big = append(cache, seg, 2 * 1024 * 1024, 2, 0);
    expect(big.buf).not.toBe(small.buf);
    expect(big.buf.byteLength).toBe(2 * 1024 * 1024);
    const other = new Segment('/nonexistent', 100);
    append(cache, other, 100, 3, 0);
    seg.truncateTo(1);
    cache.resetAfterRollback([seg]);
    expect(cache.bytes).toBe(100);
    expect(cache.has(seg, 0, 100)).toBe(true);
    expect(cache.has(other, 0, 100)).toBe(false);
  });
});
