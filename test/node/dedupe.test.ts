import { describe, expect, test } from 'vitest';
import { DedupeTable } from '../../src/node/dedupe.js';

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
});
