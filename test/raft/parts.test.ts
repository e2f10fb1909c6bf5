import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inflights } from '../../src/raft/inflights.js';
import { MemoryLog } from '../../src/raft/memory-log.js';
import { majority, majorityIndex, voteResult } from '../../src/raft/quorum.js';
import { RaftLog } from '../../src/raft/raft-log.js';
import type { Entry } from '../../src/raft/types.js';
import type { LogIndex } from '../../src/types.js';
import { asIndex, asTerm } from '../../src/types.js';

const idx = (values: number[]): LogIndex[] => values.map(asIndex);
const entry = (index: number, term: number): Entry => ({ index: asIndex(index), term: asTerm(term), data: new Uint8Array(10) });

describe('quorum', () => {
  it('needs floor(n/2)+1 voters', () => {
    expect([1, 3, 5, 7].map(majority)).toEqual([1, 2, 3, 4]);
  });

  it('the majority index is the majority-th largest match', () => {
    expect(majorityIndex(idx([5]))).toBe(5);
    expect(majorityIndex(idx([1, 9, 4]))).toBe(4);
    expect(majorityIndex(idx([7, 3, 3, 9, 1]))).toBe(3);
    expect(majorityIndex(idx([2, 8, 6, 4, 10, 12, 0]))).toBe(6);
  });

  it('a vote is lost once a majority can no longer grant', () => {
    expect(voteResult(1, 0, 3)).toBe('pending');
    expect(voteResult(2, 0, 3)).toBe('won');
    expect(voteResult(1, 2, 3)).toBe('lost');
    expect(voteResult(2, 2, 5)).toBe('pending');
  });
});

describe('inflights', () => {
  it('rounds its ring up to a power of two and is full at msgsMax', () => {
    const w = new Inflights(3, 1000);
    for (let i = 1; i <= 3; i++) w.add(asIndex(i * 10), 1);
    expect(w.full()).toBe(true);
    expect(() => w.add(asIndex(40), 1)).toThrow(/full/);
  });

  it('is full once bytesMax is reached', () => {
    const w = new Inflights(10, 100);
    w.add(asIndex(1), 60);
    expect(w.full()).toBe(false);
    w.add(asIndex(2), 40);
    expect(w.full()).toBe(true);
  });

  it('frees every message up to an acknowledged index, wrapping around the ring', () => {
    const w = new Inflights(4, 1000);
    let last = 0;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 3; i++) w.add(asIndex(++last), 5);
      w.freeLE(asIndex(last - 1));
      expect(w.count).toBe(1);
      expect(w.bytes).toBe(5);
      w.freeFirstOne();
      expect(w.count).toBe(0);
    }
  });
});

describe('raft log', () => {
  it('reads through the stable prefix and the unstable suffix', () => {
    const stable = new MemoryLog();
    stable.append([entry(1, 1), entry(2, 1)]);
    const log = new RaftLog(stable, asIndex(0));
    log.appendNew(asTerm(2), [new Uint8Array(1), new Uint8Array(2)]);
    expect(log.lastIndex).toBe(4);
    expect(log.entries(asIndex(1), asIndex(4)).map((e) => `${e.index}/${e.term}`)).toEqual(['1/1', '2/1', '3/2', '4/2']);
    expect(log.takeUnhanded().map((e) => e.index)).toEqual([3, 4]);
    expect(log.takeUnhanded()).toEqual([]);
  });

  it('drops unstable entries once reported durable', () => {
    const stable = new MemoryLog();
    const log = new RaftLog(stable, asIndex(0));
    log.appendNew(asTerm(1), [new Uint8Array(1), new Uint8Array(1), new Uint8Array(1)]);
    const handed = log.takeUnhanded();
    stable.append(handed.slice(0, 2));
    expect(log.persistTo(asIndex(2))).toBe(true);
    expect(log.persisted).toBe(2);
    expect(log.term(asIndex(3))).toBe(1);
  });

  it('never hands out a committed range beyond what is durable', () => {
    const log = new RaftLog(new MemoryLog(), asIndex(0));
    log.appendNew(asTerm(1), [new Uint8Array(1)]);
    log.commitTo(asIndex(1));
    expect(log.takeCommitted()).toBeUndefined();
  });

  it('refuses to replace a committed entry', () => {
    const stable = new MemoryLog();
    stable.append([entry(1, 1), entry(2, 1)]);
    const log = new RaftLog(stable, asIndex(2));
    expect(() => log.maybeAppend(asIndex(1), asTerm(1), [entry(2, 2)])).toThrow(/committed/);
  });

  it('findConflictByTerm returns the last index whose term is <= the given term', () => {
    const stable = new MemoryLog();
    stable.append([entry(1, 1), entry(2, 1), entry(3, 3), entry(4, 3), entry(5, 5)]);
    const log = new RaftLog(stable, asIndex(0));
    expect(log.findConflictByTerm(asIndex(5), asTerm(4))).toEqual({ index: 4, term: 3 });
    expect(log.findConflictByTerm(asIndex(5), asTerm(2))).toEqual({ index: 2, term: 1 });
    expect(log.findConflictByTerm(asIndex(9), asTerm(9))).toEqual({ index: 5, term: 5 });
  });
});

describe('purity of src/raft', () => {
  it('uses no wall clock, Math.random, timers or I/O', () => {
    const dir = join(import.meta.dirname, '../../src/raft');
    const forbidden = /\b(Date\.now|Math\.random|performance\.now|setTimeout|setInterval|setImmediate|process\.hrtime|node:fs|node:net|node:worker_threads)\b/;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const lines = readFileSync(join(dir, file), 'utf8').split('\n');
      lines.forEach((line, i) => expect(forbidden.test(line), `src/raft/${file}:${i + 1}: ${line.trim()}`).toBe(false));
    }
  });
});
