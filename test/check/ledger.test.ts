import { describe, expect, it } from 'vitest';
import { checkLedger, formatLedgerFailure, type AckLogLike } from '../../src/check/ledger.js';
import { writeTag } from '../../src/check/tag.js';
import { AckLog } from '../../src/load/ack-log.js';
import { ArrayEntries, removeIndex, swapIndexes, syntheticRun, taggedPayload } from './helpers.js';

describe('checkLedger', () => {
  it('passes a clean run with zero problem counts', () => {
    const run = syntheticRun(1000, 4);
    const report = checkLedger(run.acks, run.replicas);
    expect(report.ok).toBe(true);
    expect(report.counts).toEqual({ acked: 1000, lost: 0, duplicated: 0, reordered: 0, divergent: 0, unacknowledgedPresent: 0 });
    expect(report.majority).toBe(2);
    expect(report.examples).toEqual({ lost: [], duplicated: [], reordered: [], divergent: [] });
  });

  it('does not count an acked entry missing from one replica of three as lost', () => {
    const run = syntheticRun(100, 4);
    removeIndex(run.replicas[2]!, 50);
    const report = checkLedger(run.acks, run.replicas);
    expect(report.counts.lost).toBe(0);
    expect(report.ok).toBe(true);
  });

  it('counts an acked entry missing from two replicas of three as lost, with the example', () => {
    const run = syntheticRun(100, 4);
    removeIndex(run.replicas[1]!, 50);
    removeIndex(run.replicas[2]!, 50);
    const report = checkLedger(run.acks, run.replicas);
    expect(report.ok).toBe(false);
    expect(report.counts).toMatchObject({ lost: 1, duplicated: 0, reordered: 0, divergent: 0 });
    // index 50 is op 49: producer 49 % 4 = 1, sequence floor(49 / 4) = 12
    expect(report.examples.lost).toEqual([
      expect.objectContaining({ producer: 1, sequence: 12, index: 50, replica: 'r1,r2', acked: true }),
    ]);
    expect(report.examples.lost[0]!.found).toBe('on 1: r0 holds it; r1 has no entry at that index; r2 has no entry at that index');
  });

  it('counts an entry lost when a majority holds another entry at its acked index', () => {
    const run = syntheticRun(20, 2);
    for (const r of [0, 1]) run.replicas[r]!.entries.list[9]!.payload = taggedPayload(7, 0);
    const report = checkLedger(run.acks, run.replicas);
    expect(report.counts.lost).toBe(1);
    expect(report.counts.divergent).toBe(1);
    expect(report.examples.lost[0]!.found).toContain('r0 holds producer 7 seq 0 (32 B)');
    expect(report.counts.unacknowledgedPresent).toBe(1);
  });

  it('counts an acked entry found only at another index than the acked one as lost', () => {
    const run = syntheticRun(10, 1);
    const acks = run.acks.map((a) => (a.sequence === 3 ? { ...a, index: 9 } : a));
    const withoutNine = acks.filter((a) => a.sequence !== 8);
    const report = checkLedger(withoutNine, run.replicas);
    expect(report.counts.lost).toBe(1);
    expect(report.examples.lost[0]).toMatchObject({ producer: 0, sequence: 3, index: 9 });
    expect(report.examples.lost[0]!.found).toContain('r0 holds producer 0 seq 8 (32 B) (it is at index 4)');
  });

  it('counts an entry beyond every replica prefix as lost and says where each prefix ends', () => {
    const run = syntheticRun(10, 1);
    const acks = [...run.acks, { producer: 0, sequence: 10, index: 11 }];
    const report = checkLedger(acks, run.replicas);
    expect(report.counts.lost).toBe(1);
    expect(report.examples.lost[0]!.found).toBe('on 0: r0 prefix ends at 10; r1 prefix ends at 10; r2 prefix ends at 10');
  });

  it('counts an acked entry repeated on one replica as duplicated once, with both indexes', () => {
    const run = syntheticRun(100, 4);
    const r1 = run.replicas[1]!;
    r1.entries.list.push({ index: 101, payload: taggedPayload(2, 5) });
    const report = checkLedger(run.acks, run.replicas);
    expect(report.ok).toBe(false);
    expect(report.counts).toMatchObject({ lost: 0, duplicated: 1, reordered: 0, divergent: 0 });
    // producer 2 seq 5 is op 5 * 4 + 2 = 22, index 23
    expect(report.examples.duplicated).toEqual([
      { producer: 2, sequence: 5, index: 101, replica: 'r1', acked: true, expected: 'once, at index 23', found: 'at indexes 23, 101' },
    ]);
  });

  it('counts a key duplicated on every replica once', () => {
    const run = syntheticRun(10, 1);
    for (const r of run.replicas) r.entries.list.push({ index: 11, payload: taggedPayload(0, 4) });
    expect(checkLedger(run.acks, run.replicas).counts.duplicated).toBe(1);
  });

  it('counts a duplicated entry that was never acked', () => {
    const run = syntheticRun(10, 1);
    const acks = run.acks.filter((a) => a.sequence !== 9);
    run.replicas[0]!.entries.list.push({ index: 11, payload: taggedPayload(0, 9) });
    const report = checkLedger(acks, run.replicas);
    expect(report.counts.duplicated).toBe(1);
    expect(report.examples.duplicated[0]).toMatchObject({ acked: false, expected: 'at most once' });
  });

  it('reports two swapped entries of one producer on one replica as divergent and reordered', () => {
    const run = syntheticRun(100, 4);
    // indexes 41 and 45 hold producer 0 seq 10 and seq 11
    swapIndexes(run.replicas[2]!, 41, 45);
    const report = checkLedger(run.acks, run.replicas);
    expect(report.ok).toBe(false);
    expect(report.counts).toMatchObject({ lost: 0, duplicated: 0, reordered: 1, divergent: 2 });
    expect(report.examples.reordered).toEqual([
      expect.objectContaining({ producer: 0, sequence: 10, index: 45, replica: 'r2', found: 'at index 45, after seq 11 at index 41' }),
    ]);
    expect(report.examples.divergent).toEqual([
      { replicaA: 'r0', replicaB: 'r2', index: 41, entryA: 'producer 0 seq 10 (32 B)', entryB: 'producer 0 seq 11 (32 B)' },
      { replicaA: 'r1', replicaB: 'r2', index: 41, entryA: 'producer 0 seq 10 (32 B)', entryB: 'producer 0 seq 11 (32 B)' },
    ]);
  });

  it('reports entries of different producers swapped on one replica as divergent only', () => {
    const run = syntheticRun(100, 4);
    swapIndexes(run.replicas[2]!, 41, 42);
    const report = checkLedger(run.acks, run.replicas);
    expect(report.counts).toMatchObject({ lost: 0, reordered: 0, divergent: 2 });
  });

  it('does not check producer order when orderedProducers is false', () => {
    const run = syntheticRun(100, 4);
    for (const r of run.replicas) swapIndexes(r, 41, 45);
    const acks = run.acks.map((a) => (a.index === 41 ? { ...a, index: 45 } : a.index === 45 ? { ...a, index: 41 } : a));
    expect(checkLedger(acks, run.replicas, { orderedProducers: false }).ok).toBe(true);
    expect(checkLedger(acks, run.replicas).counts.reordered).toBe(1);
  });

  it('does not count a replica with a shorter committed prefix as divergent or lost', () => {
    const run = syntheticRun(100, 4);
    run.replicas[1]!.entries.list.length = 40;
    const report = checkLedger(run.acks, run.replicas);
    expect(report.ok).toBe(true);
    expect(report.replicas[1]).toEqual({ replica: 'r1', entries: 40, untagged: 0, firstIndex: 1, lastIndex: 40 });
  });

  it('counts a different payload behind an equal tag as divergent when comparing bytes only', () => {
    const run = syntheticRun(10, 1);
    run.replicas[1]!.entries.list[3]!.payload[20]! ^= 0xff;
    expect(checkLedger(run.acks, run.replicas).counts.divergent).toBe(1);
    expect(checkLedger(run.acks, run.replicas, { comparison: 'tag' }).counts.divergent).toBe(0);
  });

  it('counts entries present but never acked without failing the run', () => {
    const run = syntheticRun(100, 4);
    const report = checkLedger(run.acks.slice(0, 96), run.replicas);
    expect(report.ok).toBe(true);
    expect(report.counts).toMatchObject({ acked: 96, unacknowledgedPresent: 4 });
  });

  it('judges a single read-back view against a majority of one', () => {
    const run = syntheticRun(50, 2, 1);
    expect(checkLedger(run.acks, run.replicas, { groupSize: 1 }).ok).toBe(true);
    removeIndex(run.replicas[0]!, 7);
    expect(checkLedger(run.acks, run.replicas, { groupSize: 1 }).counts.lost).toBe(1);
  });

  it('uses the group size, not the replicas read back, for the majority', () => {
    const run = syntheticRun(50, 2, 2);
    removeIndex(run.replicas[1]!, 7);
    expect(checkLedger(run.acks, run.replicas).counts.lost).toBe(1);
    expect(checkLedger(run.acks, run.replicas, { groupSize: 3 }).counts.lost).toBe(1);
    expect(checkLedger(run.acks, run.replicas, { groupSize: 2 }).majority).toBe(2);
  });

  it('ignores untagged entries except for divergence and reports them per replica', () => {
    const run = syntheticRun(10, 1);
    for (const r of run.replicas) r.entries.list.push({ index: 11, payload: new Uint8Array(8) });
    const report = checkLedger(run.acks, run.replicas);
    expect(report.ok).toBe(true);
    expect(report.replicas.map((r) => r.untagged)).toEqual([1, 1, 1]);
  });

  it('handles producer ids that use all 32 bits', () => {
    const producers = [0xffff_ffff, 0xff00_0000, 0x0001_0000];
    const acks = producers.flatMap((producer, p) => [0, 1, 2].map((sequence) => ({ producer, sequence, index: sequence * 3 + p + 1 })));
    acks.sort((a, b) => a.index - b.index);
    const entries = () => new ArrayEntries(acks.map((a) => ({ index: a.index, payload: taggedPayload(a.producer, a.sequence) })));
    const replicas = [{ replica: 'a', entries: entries() }, { replica: 'b', entries: entries() }, { replica: 'c', entries: entries() }];
    expect(checkLedger(acks, replicas).ok).toBe(true);
    replicas[0]!.entries.list.push({ index: 10, payload: taggedPayload(0xffff_ffff, 1) });
    expect(checkLedger(acks, replicas).examples.duplicated[0]).toMatchObject({ producer: 0xffff_ffff, sequence: 1 });
  });

  it('keeps memory bounded when a replica carries a tag with a huge sequence', () => {
    const run = syntheticRun(10, 1);
    const corrupt = new Uint8Array(32);
    writeTag(corrupt, 0, 2 ** 50);
    run.replicas[0]!.entries.list.push({ index: 11, payload: corrupt });
    const report = checkLedger(run.acks, run.replicas);
    expect(report.ok).toBe(true);
    expect(report.counts.unacknowledgedPresent).toBe(1);
  });

  it('reads an ack-log-like source with forEach and reports its truncation', () => {
    const run = syntheticRun(10, 2);
    const source: AckLogLike = {
      length: run.acks.length,
      truncated: true,
      forEach: (fn) => run.acks.forEach((a) => fn(a.producer, a.sequence, a.index)),
    };
    const report = checkLedger(source, run.replicas);
    expect(report.ok).toBe(true);
    expect(report.acksTruncated).toBe(true);
    expect(report.counts.acked).toBe(10);
  });

  it('reads the generators AckLog', () => {
    const run = syntheticRun(200, 3);
    const log = new AckLog();
    for (const a of run.acks) log.append(a.producer, a.sequence, a.index);
    removeIndex(run.replicas[0]!, 3);
    removeIndex(run.replicas[1]!, 3);
    const report = checkLedger(log, run.replicas);
    expect(report.counts).toMatchObject({ acked: 200, lost: 1 });
    expect(report.acksTruncated).toBe(false);
  });

  it('reads a one-shot iterable of acks', () => {
    const run = syntheticRun(30, 3);
    function* acks() {
      yield* run.acks;
    }
    expect(checkLedger(acks(), run.replicas).counts.acked).toBe(30);
  });

  it('rejects an ack log that acks one key twice', () => {
    const run = syntheticRun(10, 1);
    expect(() => checkLedger([...run.acks, { producer: 0, sequence: 3, index: 12 }], run.replicas)).toThrow(
      'the ack log holds producer 0 seq 3 twice (indexes 4 and 12)',
    );
  });

  it('rejects a read-back whose indexes are not in log order, naming the replica', () => {
    const run = syntheticRun(10, 1);
    run.replicas[1]!.entries.list[4]!.index = 2;
    expect(() => checkLedger(run.acks, run.replicas)).toThrow('replica r1: entries[4].index 2 is not above entries[3].index 4');
  });

  it('rejects a group size below the replicas read back', () => {
    const run = syntheticRun(10, 1);
    expect(() => checkLedger(run.acks, run.replicas, { groupSize: 2 })).toThrow('groupSize must be an integer >= the 3 replicas read back, got 2');
  });

  it('keeps only examplesMax examples of each kind', () => {
    const run = syntheticRun(100, 1);
    for (let index = 10; index < 20; index++) {
      removeIndex(run.replicas[0]!, index);
      removeIndex(run.replicas[1]!, index);
    }
    const report = checkLedger(run.acks, run.replicas, { examplesMax: 3 });
    expect(report.counts.lost).toBe(10);
    expect(report.examples.lost.map((e) => e.index)).toEqual([10, 11, 12]);
  });
});

describe('formatLedgerFailure', () => {
  it('names every count and the first examples of each problem', () => {
    const run = syntheticRun(100, 4);
    swapIndexes(run.replicas[2]!, 41, 45);
    removeIndex(run.replicas[0]!, 60);
    removeIndex(run.replicas[1]!, 60);
    const message = formatLedgerFailure(checkLedger(run.acks, run.replicas));
    expect(message.split('\n')).toEqual([
      'correctness ledger FAILED: 1 lost, 0 duplicated, 1 reordered, 2 divergent of 100 acked (0 unacknowledged entries present; 3 replicas read back, majority 2 of 3)',
      '  lost: producer 3 seq 14 on r0,r1: expected at index 60 on >= 2 of 3 replicas; found on 1: r0 has no entry at that index; r1 has no entry at that index; r2 holds it',
      '  reordered: producer 0 seq 10 on r2: expected seq 10 (acked at index 41) before seq 11 of the same producer; found at index 45, after seq 11 at index 41',
      '  divergent: r0 and r2 first differ at index 41: producer 0 seq 10 (32 B) vs producer 0 seq 11 (32 B)',
      '  divergent: r1 and r2 first differ at index 41: producer 0 seq 10 (32 B) vs producer 0 seq 11 (32 B)',
    ]);
  });

  it('says ok with the counts for a clean run', () => {
    const run = syntheticRun(10, 2);
    expect(formatLedgerFailure(checkLedger(run.acks, run.replicas))).toBe(
      'correctness ledger ok: 0 lost, 0 duplicated, 0 reordered, 0 divergent of 10 acked (0 unacknowledged entries present; 3 replicas read back, majority 2 of 3)',
    );
  });

  it('says how many more problems there are than examples', () => {
    const run = syntheticRun(100, 1);
    for (let index = 10; index < 20; index++) {
      removeIndex(run.replicas[0]!, index);
      removeIndex(run.replicas[1]!, index);
    }
    expect(formatLedgerFailure(checkLedger(run.acks, run.replicas))).toContain('  ... and 5 more lost');
  });
});
