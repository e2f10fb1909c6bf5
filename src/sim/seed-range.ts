// Runs a contiguous range of seeds and folds the per-seed results into one small summary, so a
// worker thread returns a few numbers and the violations rather than one object per seed.

import type { RaftFactory } from './raft-like.js';
import { runSeed } from './simulator.js';
import type { Violation } from './violation.js';

export interface SeedRangeTask {
  startSeed: number;
  count: number;
  replicas: number;
  steps: number;
}

export interface SeedRangeResult {
  seeds: number;
  /** Steps simulated over all seeds (chaos and quiet phases). */
  steps: number;
  violations: Violation[];
  /** Largest number of ticks the quiet phase needed to commit a new proposal. */
  livenessTicksWorst: number;
  /** Sum over seeds of the highest committed index: how much work the runs committed. */
  committedEntries: number;
}

export function emptySeedRangeResult(): SeedRangeResult {
  return { seeds: 0, steps: 0, violations: [], livenessTicksWorst: 0, committedEntries: 0 };
}

export function runSeedRange(task: SeedRangeTask, factory: RaftFactory): SeedRangeResult {
  const total = emptySeedRangeResult();
  for (let i = 0; i < task.count; i++) {
    const result = runSeed({ seed: task.startSeed + i, replicas: task.replicas, steps: task.steps, factory });
    mergeSeedRangeResult(total, {
      seeds: 1,
      steps: result.stats.steps,
      violations: result.violation === undefined ? [] : [result.violation],
      livenessTicksWorst: Math.max(0, result.stats.livenessTicks),
      committedEntries: result.stats.committedIndexMax,
    });
  }
  return total;
}

export function mergeSeedRangeResult(into: SeedRangeResult, part: SeedRangeResult): void {
  into.seeds += part.seeds;
  into.steps += part.steps;
  into.violations.push(...part.violations);
  into.livenessTicksWorst = Math.max(into.livenessTicksWorst, part.livenessTicksWorst);
  into.committedEntries += part.committedEntries;
}
