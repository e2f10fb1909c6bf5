import { describe, expect, it } from 'vitest';
import { progressLine } from '../../src/load/progress.js';
import type { LiveSnapshot } from '../../src/load/run-scenario.js';

const snapshot = (over: Partial<LiveSnapshot>): LiveSnapshot => ({ phaseName: 'closed', phaseIndex: 0, phaseElapsedSeconds: 0, phaseTotalSeconds: 10, completed: 0, failed: 0, lastSecondOps: 0, lastSecondP99Us: 0, ...over });

describe('progress line', () => {
  it("shows the rate so far before the phase's first whole second, not a zero", () => {
    expect(progressLine(snapshot({ phaseElapsedSeconds: 0.8, completed: 40_000 }), 1)).toBe('[1s] closed 1/10s  ~50000 ops/s  p99 -  errors 0');
  });

  it('shows the last whole second afterwards', () => {
    expect(progressLine(snapshot({ phaseElapsedSeconds: 3.2, completed: 160_000, lastSecondOps: 52_000, lastSecondP99Us: 1460, failed: 2 }), 4)).toBe('[4s] closed 3/10s  52000 ops/s  p99 1.46ms  errors 2');
  });
});
