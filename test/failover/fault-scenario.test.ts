// The `faults:` list of a scenario file: accepted shapes and the errors for bad ones.

import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../src/load/scenario.js';

const base = { system: 'engine', phases: [{ type: 'closed', name: 'load', concurrency: 4, seconds: 5 }] };

function problems(faults: unknown[], system = 'engine'): string {
  try {
    resolveScenario({ ...base, system, faults }, 'x.yaml');
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('scenario faults', () => {
  it('accepts every fault kind with its fields', () => {
    const s = resolveScenario(
      {
        ...base,
        faults: [
          { kind: 'kill-leader', atSeconds: 1, restartAfterMs: 500 },
          { kind: 'pause-follower', atSeconds: 0.5, durationMs: 200, everySeconds: 1, count: 3, jitterSeconds: 0.1 },
          { kind: 'split', phase: 'load', atSeconds: 0, durationMs: 100, leaderSide: 'majority' },
          { kind: 'heal', atSeconds: 2 },
        ],
      },
      'x.yaml',
    );
    expect(s.faults.map((f) => f.kind)).toEqual(['kill-leader', 'pause-follower', 'split', 'heal']);
  });

  it('an unknown kind names the file, field path and the kinds', () => {
    expect(problems([{ kind: 'explode', atSeconds: 1 }])).toMatch(/^x\.yaml: faults\[0\]\.kind: expected one of kill-leader, kill-follower, pause-leader/);
  });

  it('a pause without durationMs is an error naming the field', () => {
    expect(problems([{ kind: 'kill-leader', atSeconds: 1 }, { kind: 'pause-leader', atSeconds: 1 }])).toBe('x.yaml: faults[1].durationMs: missing; expected how long pause-leader lasts, in ms (a positive integer)');
  });

  it('a fault at or after the end of the load is an error, counted from its phase when it names one', () => {
    expect(problems([{ kind: 'kill-leader', atSeconds: 5 }])).toBe('x.yaml: faults[0].atSeconds: 5 s is at or after the end of the load (5 s after the start of the load, warm-ups included); the fault would never fire');
    const twoPhases = {
      system: 'engine',
      phases: [
        { type: 'closed', name: 'a', concurrency: 4, warmupSeconds: 1, seconds: 4 },
        { type: 'closed', name: 'b', concurrency: 4, seconds: 3 },
      ],
    };
    expect(() => resolveScenario({ ...twoPhases, faults: [{ kind: 'kill-leader', atSeconds: 7.5 }] }, 'x.yaml')).not.toThrow();
    expect(() => resolveScenario({ ...twoPhases, faults: [{ kind: 'kill-leader', phase: 'b', atSeconds: 3 }] }, 'x.yaml')).toThrow(/faults\[0\]\.atSeconds: 3 s is at or after the end of the load \(3 s after the start of phase b/);
    // A fault anchored on a stepped phase counts from its first step: 3 steps of 2 s = 6 s.
    const stepped = { system: 'engine', phases: [{ type: 'open', name: 'step', steps: [{ rate: 100, seconds: 2 }, { rate: 200, seconds: 2 }, { rate: 300, seconds: 2 }] }] };
    expect(() => resolveScenario({ ...stepped, faults: [{ kind: 'kill-leader', phase: 'step', atSeconds: 5 }] }, 'x.yaml')).not.toThrow();
    expect(() => resolveScenario({ ...stepped, faults: [{ kind: 'kill-leader', phase: 'step', atSeconds: 100 }] }, 'x.yaml')).toThrow(/faults\[0\]\.atSeconds: 100 s is at or after the end of the load \(6 s after the start of phase step/);
    // A phase bounded by an op count has no known length: no judgement.
    const byOps = { system: 'engine', phases: [{ type: 'closed', name: 'a', concurrency: 4, ops: 1000 }] };
    expect(() => resolveScenario({ ...byOps, faults: [{ kind: 'kill-leader', atSeconds: 60 }] }, 'x.yaml')).not.toThrow();
  });

  it('a fault anchored on an unknown phase is an error', () => {
    expect(problems([{ kind: 'kill-leader', atSeconds: 1, phase: 'nope' }])).toMatch(/faults\[0\]\.phase: expected the name of a phase \(load\), got "nope"/);
  });

  it('partitions need the engine', () => {
    expect(problems([{ kind: 'partition-leader', atSeconds: 1, durationMs: 10 }], 'etcd')).toMatch(/faults\[0\]\.kind: partition-leader needs the engine's fault hooks/);
  });

  it('a slow disk takes a duration and an fsync delay, and only the engine has it', () => {
    const s = resolveScenario({ ...base, faults: [{ kind: 'slow-disk-leader', atSeconds: 1, durationMs: 500, fsyncDelayMs: 30 }] }, 'x.yaml');
    expect(s.faults[0]).toMatchObject({ kind: 'slow-disk-leader', fsyncDelayMs: 30 });
    expect(problems([{ kind: 'kill-leader', atSeconds: 1, fsyncDelayMs: 5 }])).toMatch(/faults\[0\]\.fsyncDelayMs: only slow-disk-leader and slow-disk-follower delay fsyncs/);
    expect(problems([{ kind: 'slow-disk-follower', atSeconds: 1, durationMs: 10 }], 'etcd')).toMatch(/faults\[0\]\.kind: slow-disk-follower needs the engine/);
  });

  it('unknown fields and missing atSeconds are reported', () => {
    const text = problems([{ kind: 'kill-leader', when: 3 }]);
    expect(text).toMatch(/faults\[0\]\.when: unknown field/);
    expect(text).toMatch(/faults\[0\]\.atSeconds: missing/);
  });
});
