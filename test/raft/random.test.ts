// Seeded random interleavings of ticks, deliveries (reordered, dropped, duplicated), partitions,
// held-back writes, restarts, proposals and transfers, checking the safety properties after every
// step and liveness once the faults heal. A small cousin of the simulator, aimed at the core alone.

import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/prng.js';
import type { Rng } from '../../src/prng.js';
import { asIndex } from '../../src/types.js';
import { Cluster, payloads } from './harness.js';

interface Outcome {
  violation: string | undefined;
  commits: number;
}

export function runSeed(seed: number, size: number, steps: number): Outcome {
  const rng: Rng = seededRng(seed);
  const c = new Cluster({ size, seed, config: { batchEntriesMax: 4, inflightMsgsMax: 4 } });
  const leaders = new Map<number, number>();
  const committed = new Map<number, number>(); // index -> term, from any node's applied entries
  // index -> highest term any node had when the commit was first seen: the entry was committed in
  // a term <= this, so every leader of a later term must hold it (leader completeness).
  const committedBy = new Map<number, number>();
  let proposals = 0;

  const check = (step: number): string | undefined => {
    for (const id of c.ids) {
      const node = c.node(id);
      const raft = node.raft;
      if (raft.role === 'leader') {
        const known = leaders.get(raft.term);
        if (known !== undefined && known !== id) return `step ${step}: two leaders in term ${raft.term}: ${known} and ${id}`;
        leaders.set(raft.term, id);
        for (const [index, term] of committed) {
          if (raft.term <= committedBy.get(index)!) continue;
          if (raft.termAt(asIndex(index)) !== term) return `step ${step}: leader ${id} (t${raft.term}) lacks committed ${index}/${term}`;
        }
      }
      for (let i = 0; i < node.applied.length; i++) {
        const e = node.applied[i]!;
        if (e.index !== i + 1) return `step ${step}: node ${id} applied ${e.index} at position ${i + 1}`;
        const term = committed.get(e.index);
        if (term === undefined) {
          committed.set(e.index, e.term);
          committedBy.set(e.index, Math.max(...c.ids.map((x) => c.raft(x).term)));
        }
        else if (term !== e.term) return `step ${step}: node ${id} applied ${e.index}/${e.term}, another node ${e.index}/${term}`;
      }
    }
    return undefined;
  };

  const deliverOne = (): void => {
    if (c.inFlight.length === 0) return;
    const i = rng.int(c.inFlight.length);
    const m = c.inFlight[i]!;
    const roll = rng.next();
    if (roll < 0.05) {
      c.inFlight.splice(i, 1); // drop
      return;
    }
    if (roll > 0.03 + 0.05) c.inFlight.splice(i, 1); // else: keep a duplicate in flight
    if (!c.isBlocked(m.from, m.to)) c.node(m.to).raft.step(m);
  };

  for (let step = 0; step < steps; step++) {
    const roll = rng.next();
    const id = c.ids[rng.int(c.ids.length)]!;
    if (roll < 0.3) c.tick(id);
    else if (roll < 0.75) deliverOne();
    else if (roll < 0.85) {
      const r = c.raft(id);
      if (r.role === 'leader' && r.propose(payloads(`s${seed}p${proposals}`)).ok) proposals++;
    } else if (roll < 0.87) {
      if (rng.chance(0.5)) c.heal();
      else c.partition([c.ids.filter(() => rng.chance(0.5)), []].map((g, k) => (k === 0 ? g : c.ids.filter((x) => !g.includes(x)))));
    } else if (roll < 0.89) {
      const node = c.node(id);
      if (node.holding) node.release();
      else node.holding = true;
    } else if (roll < 0.895) {
      c.node(id).restart();
    } else if (roll < 0.9) {
      const leader = c.ids.find((x) => c.raft(x).role === 'leader');
      if (leader !== undefined) c.raft(leader).transferLeadership(id);
    }
    c.flushReadies();
    const violation = check(step);
    if (violation !== undefined) return { violation, commits: committed.size };
  }

  // Liveness: heal everything; a leader must be elected and commit a new entry within a bound.
  c.heal();
  for (const id of c.ids) if (c.node(id).holding) c.node(id).release();
  for (let tick = 0; tick < 200; tick++) {
    c.tickAll();
    c.stabilize();
    const leader = c.ids.find((x) => c.raft(x).role === 'leader');
    if (leader !== undefined) {
      const result = c.raft(leader).propose(payloads('final'));
      if (result.ok) {
        c.stabilize();
        const violation = check(steps);
        if (violation !== undefined) return { violation, commits: committed.size };
        if (c.ids.every((x) => c.raft(x).commitIndex >= result.lastIndex)) return { violation: undefined, commits: committed.size };
      }
    }
  }
  return { violation: `no leader committed within 200 ticks after healing`, commits: committed.size };
}

describe('random interleavings', () => {
  it('keep safety and liveness for 3-voter groups (150 seeds)', () => {
    let commits = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const outcome = runSeed(seed, 3, 1500);
      expect(outcome.violation, `seed ${seed}`).toBeUndefined();
      commits += outcome.commits;
    }
    expect(commits).toBeGreaterThan(1000);
  });

  it('keep safety and liveness for 5-voter groups (60 seeds)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const outcome = runSeed(1000 + seed, 5, 2000);
      expect(outcome.violation, `seed ${1000 + seed}`).toBeUndefined();
    }
  });
});
