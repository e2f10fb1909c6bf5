// The checkers can fail: cores that break the quorum rule (available only here, as subclasses of
// the real core overriding its quorum hook) must be caught within a bounded number of seeds.

import { describe, expect, it } from 'vitest';
import { RaftNode } from '../../src/raft/raft.js';
import type { RaftFactory } from '../../src/sim/raft-like.js';
import { runSeed } from '../../src/sim/simulator.js';
import type { Violation } from '../../src/sim/violation.js';
import type { LogIndex } from '../../src/types.js';

/** Commits whatever the leader itself has persisted: no majority needed. */
class SelfQuorumNode extends RaftNode {
  protected override quorumMatchIndex(matches: LogIndex[]): LogIndex {
    return matches[0]!;
  }
}

/** Commits once any two replicas hold an entry: a minority in a group of five. */
class TwoOfFiveQuorumNode extends RaftNode {
  protected override quorumMatchIndex(matches: LogIndex[]): LogIndex {
    const sorted = [...matches].sort((a, b) => b - a);
    return sorted[1]!;
  }
}

const seedsMax = 200;
const steps = 4000;

function firstViolation(factory: RaftFactory, replicas: number): Violation | undefined {
  for (let seed = 1; seed <= seedsMax; seed++) {
    const { violation } = runSeed({ seed, replicas, steps, factory });
    if (violation !== undefined) return violation;
  }
  return undefined;
}

describe('broken cores are caught', () => {
  it(`catches a leader that commits without a majority within ${seedsMax} seeds (3 replicas)`, () => {
    const violation = firstViolation((c, l, h, r) => new SelfQuorumNode(c, l, h, r), 3);
    expect(violation).toBeDefined();
    console.log(`self-quorum core caught: seed ${violation!.seed}, ${violation!.invariant} at step ${violation!.step}: ${violation!.description}`);
    expect(['leaderCompleteness', 'stateMachineSafety', 'committedPrefix', 'logMatching']).toContain(violation!.invariant);
  });

  it(`catches a leader that commits on two of five replicas within ${seedsMax} seeds`, () => {
    const violation = firstViolation((c, l, h, r) => new TwoOfFiveQuorumNode(c, l, h, r), 5);
    expect(violation).toBeDefined();
    console.log(`two-of-five core caught: seed ${violation!.seed}, ${violation!.invariant} at step ${violation!.step}: ${violation!.description}`);
    expect(['leaderCompleteness', 'stateMachineSafety', 'committedPrefix', 'logMatching']).toContain(violation!.invariant);
  });

  it('finds no violation with the real core on the same seeds it uses to catch a broken one', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { violation } = runSeed({ seed, replicas: 5, steps, factory: (c, l, h, r) => new RaftNode(c, l, h, r) });
      expect(violation).toBeUndefined();
    }
  });
});
