// The simulator on the real core: runs replay exactly from their seed, and they exercise the
// faults they claim to inject.

import { describe, expect, it } from 'vitest';
import { raftNodeFactory } from '../../src/sim/default-core.js';
import { livenessTicksMax, runSeed } from '../../src/sim/simulator.js';

const steps = 3000;

function traceOf(seed: number, replicas: number): string[] {
  const lines: string[] = [];
  const result = runSeed({ seed, replicas, steps, factory: raftNodeFactory, trace: (line) => lines.push(line) });
  expect(result.violation).toBeUndefined();
  return lines;
}

describe('simulator', () => {
  it('prints an identical trace for the same seed', () => {
    const first = traceOf(4242, 5);
    const second = traceOf(4242, 5);
    expect(first.length).toBeGreaterThan(steps);
    expect(second).toEqual(first);
  });

  it('prints different traces for different seeds', () => {
    expect(traceOf(1, 3)).not.toEqual(traceOf(2, 3));
  });

  it('gives the same result with and without a trace', () => {
    const traced = runSeed({ seed: 99, replicas: 3, steps, factory: raftNodeFactory, trace: () => {} });
    const plain = runSeed({ seed: 99, replicas: 3, steps, factory: raftNodeFactory });
    expect(plain).toEqual(traced);
  });

  it('injects crashes, torn writes, partitions and message loss while committing', () => {
    const totals = { crashes: 0, tornWrites: 0, partitions: 0, messagesLost: 0, committed: 0, leaderTerms: 0 };
    for (let seed = 1; seed <= 40; seed++) {
      const { violation, stats } = runSeed({ seed, replicas: 3, steps, factory: raftNodeFactory });
      expect(violation).toBeUndefined();
      totals.crashes += stats.crashes;
      totals.tornWrites += stats.tornWrites;
      totals.partitions += stats.partitions;
      totals.messagesLost += stats.messagesLost;
      totals.committed += stats.committedIndexMax;
      totals.leaderTerms += stats.leaderTerms;
    }
    expect(totals.crashes).toBeGreaterThan(0);
    expect(totals.tornWrites).toBeGreaterThan(0);
    expect(totals.partitions).toBeGreaterThan(0);
    expect(totals.messagesLost).toBeGreaterThan(0);
    expect(totals.committed).toBeGreaterThan(40 * 20);
    expect(totals.leaderTerms).toBeGreaterThan(40);
  });

  it('commits a new proposal soon after faults stop', () => {
    const { stats } = runSeed({ seed: 7, replicas: 5, steps, factory: raftNodeFactory });
    expect(stats.livenessTicks).toBeGreaterThan(0);
    expect(stats.livenessTicks).toBeLessThanOrEqual(60);
  });

  it('reports a core that throws as a coreAssertion with seed and step', () => {
    let calls = 0;
    const result = runSeed({
      seed: 5,
      replicas: 3,
      steps,
      factory: (config, log, hardState, rng) => {
        const core = raftNodeFactory(config, log, hardState, rng);
        const tick = core.tick.bind(core);
        core.tick = () => {
          if (++calls === 100) throw new Error('planted failure');
          tick();
        };
        return core;
      },
    });
    expect(result.violation).toMatchObject({ seed: 5, invariant: 'coreAssertion' });
    expect(result.violation?.description).toContain('planted failure');
    expect(result.violation?.step).toBeGreaterThan(0);
  });

  it('reports a group that never elects a leader as a liveness violation', () => {
    const result = runSeed({
      seed: 8,
      replicas: 3,
      steps: 500,
      factory: (config, log, hardState, rng) => {
        const core = raftNodeFactory(config, log, hardState, rng);
        core.tick = () => {};
        return core;
      },
    });
    expect(result.violation).toMatchObject({ seed: 8, invariant: 'liveness' });
    expect(result.violation?.description).toContain(`within ${livenessTicksMax} ticks`);
  });
});
