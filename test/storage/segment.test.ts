import { describe, expect, it } from 'vitest';
import { Segment } from '../../src/storage/segment.js';

describe('Segment index', () => {
  it('keeps every entry\'s term through pushes, truncations, snapshots and loads (terms stored as runs)', () => {
    const seg = new Segment('/nonexistent', 1, 2);
    const terms: number[] = [];
    const push = (term: number): void => {
      seg.push(seg.endOffset, term, 10);
      terms.push(term);
    };
    for (const term of [1, 1, 1, 2, 2, 5, 5, 5, 5, 9]) push(term);
    const expectTerms = (): void => {
      expect(seg.count).toBe(terms.length);
      for (let slot = 0; slot < terms.length; slot++) expect(seg.termAt(slot), `slot ${slot}`).toBe(terms[slot]);
    };
    expectTerms();
    // Cut inside the run of 5s, then a new term continues it.
    seg.truncateTo(7);
    terms.length = 7;
    expectTerms();
    push(6);
    push(6);
    expectTerms();
    // Cut at a run boundary: the run of 2s ends at slot 4.
    seg.truncateTo(5);
    terms.length = 5;
    push(7);
    expectTerms();
    expect(seg.endOffset).toBe(60);
    const { offsets, terms: snapshotTerms } = seg.snapshot();
    expect(Array.from(snapshotTerms)).toEqual(terms);
    expect(Array.from(offsets)).toEqual(terms.map((_, i) => i * 10));
    const loaded = new Segment('/nonexistent', 1);
    loaded.load(offsets.slice(), snapshotTerms, seg.endOffset);
    for (let slot = 0; slot < terms.length; slot++) expect(loaded.termAt(slot)).toBe(terms[slot]);
    // Three runs (1, 2, 7): the index costs 4 bytes an entry plus 16 a run, not 12 an entry.
    expect(loaded.indexBytes()).toBe(offsets.length * 4 + 3 * 16);
    seg.truncateTo(0);
    push(8);
    expect(seg.termAt(0)).toBe(8);
  });

  it('a sealed segment of equal-size entries drops its offsets, and rebuilds them when it changes again', () => {
    const seg = new Segment('/nonexistent', 1, 4);
    for (let i = 0; i < 1000; i++) seg.push(seg.endOffset, 1 + (i >> 9), 1060);
    const before = Array.from({ length: seg.count }, (_, slot) => [seg.offsetAt(slot), seg.entryEnd(slot), seg.termAt(slot)]);
    seg.markSealed();
    expect(seg.sealed).toBe(true);
    expect(seg.indexBytes()).toBe(2 * 16); // two term runs, no offsets
    expect(Array.from({ length: seg.count }, (_, slot) => [seg.offsetAt(slot), seg.entryEnd(slot), seg.termAt(slot)])).toEqual(before);
    expect(seg.countEndingBy(1060 * 10 + 5)).toBe(10);
    expect(Array.from(seg.snapshot().offsets)).toEqual(before.map(([offset]) => offset));
    // Truncated (it became the last segment after a conflict), then appended to with another size.
    seg.sealed = false;
    seg.truncateTo(600);
    expect(seg.endOffset).toBe(600 * 1060);
    seg.push(seg.endOffset, 3, 77);
    seg.push(seg.endOffset, 3, 1060);
    expect(seg.offsetAt(599)).toBe(599 * 1060);
    expect(seg.offsetAt(600)).toBe(600 * 1060);
    expect(seg.offsetAt(601)).toBe(600 * 1060 + 77);
    expect(seg.entryEnd(601)).toBe(600 * 1060 + 77 + 1060);
    // Mixed sizes stay an array when sealed.
    seg.markSealed();
    expect(seg.indexBytes()).toBeGreaterThanOrEqual(602 * 4);
    expect(seg.offsetAt(601)).toBe(600 * 1060 + 77);
  });
});
