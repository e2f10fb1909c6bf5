// The invariant checker on hand-made histories: each test feeds one violation of one invariant
// and expects exactly that invariant to be reported (and a correct history to pass).

import { describe, expect, it } from 'vitest';
import type { LogView } from '../../src/sim/invariants.js';
import { InvariantChecker } from '../../src/sim/invariants.js';
import type { LogIndex, NodeId, Term } from '../../src/types.js';

const n1 = 1 as NodeId;
const n2 = 2 as NodeId;
const n3 = 3 as NodeId;
const t = (n: number): Term => n as Term;
const i = (n: number): LogIndex => n as LogIndex;

interface E {
  index: number;
  term: Term;
  data: Uint8Array;
}

function entry(index: number, term: number, payload = index): E {
  return { index, term: t(term), data: new Uint8Array([payload]) };
}

/** A log view over a plain list of entries starting at index 1. */
function view(entries: readonly E[]): LogView {
  return {
    lastIndex: () => entries.length,
    termAt: (index) => (index === 0 ? t(0) : entries[index - 1]?.term),
  };
}

function checker(): InvariantChecker {
  const c = new InvariantChecker(7, [n1, n2, n3]);
  c.step = 10;
  return c;
}

function persistAll(c: InvariantChecker, id: NodeId, entries: E[]): void {
  c.persisted(id, entries, [], undefined, view(entries));
}

describe('InvariantChecker', () => {
  it('accepts a correct history', () => {
    const c = checker();
    const log = [entry(1, 1), entry(2, 1), entry(3, 2)];
    c.observe(n1, 'leader', t(1), i(0));
    persistAll(c, n1, log);
    persistAll(c, n2, log);
    c.committedReported(n1, 1, log.slice(0, 2), t(1));
    c.committedReported(n2, 1, log.slice(0, 2), t(1));
    c.observe(n2, 'leader', t(2), i(2));
    c.leaderLogVisible(n2, t(2), view(log));
    c.persisted(n1, [], [], { term: t(2), vote: n2, commit: i(2) }, view(log));
    expect(c.violation).toBeUndefined();
  });

  it('reports two leaders in one term as electionSafety', () => {
    const c = checker();
    c.observe(n1, 'leader', t(3), i(0));
    c.observe(n1, 'follower', t(4), i(0));
    c.observe(n2, 'leader', t(3), i(0));
    expect(c.violation).toMatchObject({ seed: 7, invariant: 'electionSafety', step: 10 });
    expect(c.violation?.description).toContain('term 3');
  });

  it('reports a changed vote within a term as hardState', () => {
    const c = checker();
    c.persisted(n1, [], [], { term: t(2), vote: n2, commit: i(0) }, view([]));
    c.persisted(n1, [], [], { term: t(2), vote: n3, commit: i(0) }, view([]));
    expect(c.violation?.invariant).toBe('hardState');
  });

  it('reports same index and term with different prefixes as logMatching', () => {
    const c = checker();
    persistAll(c, n1, [entry(1, 1), entry(2, 3)]);
    persistAll(c, n2, [entry(1, 2), entry(2, 3)]);
    expect(c.violation?.invariant).toBe('logMatching');
  });

  it('reports same index and term with different payloads as logMatching', () => {
    const c = checker();
    persistAll(c, n1, [entry(1, 1, 10)]);
    persistAll(c, n2, [entry(1, 1, 11)]);
    expect(c.violation?.invariant).toBe('logMatching');
  });

  it('reports a later leader missing a committed entry as leaderCompleteness', () => {
    const c = checker();
    const log = [entry(1, 1), entry(2, 1)];
    c.committedReported(n1, 1, log, t(1));
    c.leaderLogVisible(n3, t(2), view([entry(1, 1)]));
    expect(c.violation?.invariant).toBe('leaderCompleteness');
    expect(c.violation?.description).toContain('lacks');
  });

  it('reports an entry committed after a leader was checked that the leader lacks as leaderCompleteness', () => {
    const c = checker();
    c.leaderLogVisible(n3, t(5), view([entry(1, 1)]));
    expect(c.violation).toBeUndefined();
    c.committedReported(n1, 1, [entry(1, 1), entry(2, 4)], t(4));
    expect(c.violation?.invariant).toBe('leaderCompleteness');
  });

  it('does not require a leader of an older term to hold a later commit', () => {
    const c = checker();
    c.leaderLogVisible(n3, t(2), view([entry(1, 1)]));
    c.committedReported(n1, 1, [entry(1, 1), entry(2, 3)], t(3));
    expect(c.violation).toBeUndefined();
  });

  it('reports replicas disagreeing on a committed entry as committedPrefix', () => {
    const c = checker();
    c.committedReported(n1, 1, [entry(1, 1, 5)], t(1));
    c.committedReported(n2, 1, [entry(1, 1, 6)], t(1));
    expect(c.violation?.invariant).toBe('committedPrefix');
  });

  it('reports a commit index going back as commitMonotonic', () => {
    const c = checker();
    c.observe(n1, 'follower', t(1), i(5));
    c.observe(n1, 'follower', t(1), i(4));
    expect(c.violation?.invariant).toBe('commitMonotonic');
  });

  it('reports a persisted commit index going back across a restart as commitMonotonic', () => {
    const c = checker();
    const log = [entry(1, 1), entry(2, 1)];
    c.persisted(n1, log, [], { term: t(1), vote: n1, commit: i(2) }, view(log));
    c.restarted(n1, { term: t(1), vote: n1, commit: i(2) });
    c.persisted(n1, [], [], { term: t(1), vote: n1, commit: i(1) }, view(log));
    expect(c.violation?.invariant).toBe('commitMonotonic');
  });

  it('allows the volatile commit index to restart from the persisted one', () => {
    const c = checker();
    c.observe(n1, 'follower', t(1), i(9));
    c.restarted(n1, { term: t(1), vote: n1, commit: i(4) });
    c.observe(n1, 'follower', t(1), i(4));
    expect(c.violation).toBeUndefined();
  });

  it('reports overwriting a committed entry as stateMachineSafety', () => {
    const c = checker();
    const before = [entry(1, 1), entry(2, 1)];
    persistAll(c, n1, before);
    c.committedReported(n1, 1, before, t(1));
    const after = [entry(1, 1), entry(2, 2, 9)];
    c.persisted(n1, [after[1]!], [{ index: 2, term: t(1) }], undefined, view(after));
    expect(c.violation?.invariant).toBe('stateMachineSafety');
  });

  it('reports a skipped committed range as stateMachineSafety', () => {
    const c = checker();
    c.committedReported(n1, 3, [entry(3, 1)], t(1));
    expect(c.violation?.invariant).toBe('stateMachineSafety');
  });

  it('keeps the first violation only', () => {
    const c = checker();
    c.observe(n1, 'leader', t(1), i(0));
    c.observe(n2, 'leader', t(1), i(0));
    c.step = 11;
    c.observe(n2, 'follower', t(1), i(0));
    c.observe(n2, 'follower', t(1), i(0));
    c.committedReported(n3, 5, [], t(1));
    expect(c.violation).toMatchObject({ invariant: 'electionSafety', step: 10 });
  });
});
