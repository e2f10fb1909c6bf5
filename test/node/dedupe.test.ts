import { describe, expect, test } from 'vitest';
import { DedupeSnapshotError, DedupeTable } from '../../src/node/dedupe.js';
import { seededRng } from '../../src/prng.js';

describe('DedupeTable', () => {
  test('a new sequence is applied; its retry is answered with the original index', () => {
    const table = new DedupeTable({ producersMax: 4, windowMax: 8 });
    expect(table.apply(1, 0, 10)).toBeUndefined();
    expect(table.apply(1, 1, 11)).toBeUndefined();
    expect(table.apply(1, 0, 12)).toBe(10);
    expect(table.committedIndex(1, 1)).toBe(11);
    expect(table.committedIndex(1, 2)).toBeUndefined();
  });

  test('sequences committed out of order are each applied once', () => {
    const table = new DedupeTable({ producersMax: 4, windowMax: 8 });
    expect(table.apply(7, 3, 1)).toBeUndefined();
    expect(table.apply(7, 1, 2)).toBeUndefined();
    expect(table.apply(7, 2, 3)).toBeUndefined();
    expect(table.apply(7, 1, 4)).toBe(2);
    expect(table.apply(7, 3, 5)).toBe(1);
  });

  test('a sequence below the window counts as applied (index unknown)', () => {
    const table = new DedupeTable({ producersMax: 4, windowMax: 8 });
    for (let s = 0; s < 20; s++) table.apply(2, s, 100 + s);
    expect(table.committedIndex(2, 3)).toBe(0);
    expect(table.apply(2, 3, 999)).toBe(0);
    expect(table.committedIndex(2, 19)).toBe(119);
  });

  test('producers are independent and the least recently used is evicted', () => {
    const table = new DedupeTable({ producersMax: 2, windowMax: 8 });
    table.apply(1, 0, 1);
    table.apply(2, 0, 2);
    table.apply(1, 1, 3);
    table.apply(3, 0, 4); // evicts producer 2
    expect(table.committedIndex(2, 0)).toBeUndefined();
    expect(table.committedIndex(1, 0)).toBe(1);
    expect(table.committedIndex(3, 0)).toBe(4);
  });

  test('limits must be positive and the window a power of two', () => {
    expect(() => new DedupeTable({ producersMax: 1, windowMax: 12 })).toThrow(/power of two/);
  });

  test('encode/decode gives back a table that answers every lookup alike, evictions and windows included', () => {
    const limits = { producersMax: 4, windowMax: 16 };
    const rng = seededRng(7);
    const table = new DedupeTable(limits);
    const next = new Map<number, number>();
    for (let index = 1; index <= 2000; index++) {
      const producer = 1 + rng.int(6); // more producers than the table keeps: evictions
      const sequence = next.get(producer) ?? 0;
      next.set(producer, sequence + 1 + (rng.int(10) === 0 ? 1 : 0)); // a gap now and then
      table.apply(producer, sequence, index);
    }
    const copy = DedupeTable.decode(table.encode(), limits);
    for (let producer = 0; producer <= 7; producer++) {
      for (let sequence = 0; sequence <= (next.get(producer) ?? 0) + 2; sequence++) {
        expect(copy.committedIndex(producer, sequence), `${producer}/${sequence}`).toBe(table.committedIndex(producer, sequence));
      }
    }
    // The copy goes on alike: the same least-recently-used producer is evicted next.
    expect(copy.apply(99, 0, 5000)).toBe(table.apply(99, 0, 5000));
    for (let producer = 1; producer <= 6; producer++) expect(copy.committedIndex(producer, 0)).toBe(table.committedIndex(producer, 0));
    expect(copy.encode()).toEqual(table.encode());
  });

  test('decode refuses other limits and damaged bytes', () => {
    const table = new DedupeTable({ producersMax: 4, windowMax: 8 });
    table.apply(1, 0, 1);
    table.apply(1, 1, 2);
    const bytes = table.encode();
    expect(() => DedupeTable.decode(bytes, { producersMax: 4, windowMax: 16 })).toThrow('limits 4 producers × 8, expected 4 × 16');
    expect(() => DedupeTable.decode(bytes.subarray(0, bytes.byteLength - 1), { producersMax: 4, windowMax: 8 })).toThrow(DedupeSnapshotError);
    const badMagic = bytes.slice();
    badMagic[0] ^= 1;
    expect(() => DedupeTable.decode(badMagic, { producersMax: 4, windowMax: 8 })).toThrow('bad magic');
  });
});
