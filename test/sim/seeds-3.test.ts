// A seed sweep on the real core with 3 replicas (seeds-5.test.ts runs 5): together at least 500
// seeds per `npm test`, with no violation allowed. `logbench sim --seeds 10000` is the long sweep.

import { expect, it } from 'vitest';
import { runSeeds } from '../../src/sim/pool.js';
import { emptySeedRangeResult, mergeSeedRangeResult } from '../../src/sim/seed-range.js';
import { formatViolation } from '../../src/sim/violation.js';

const seeds = 300;
const stepsPerSeed = 10_000;
/** Seeds between yields to the event loop, so the test runner's worker stays responsive. */
const chunkSeeds = 20;

it(`runs ${seeds} seeds of a 3-replica group with no violation`, async () => {
  const total = emptySeedRangeResult();
  for (let done = 0; done < seeds; done += chunkSeeds) {
    mergeSeedRangeResult(total, await runSeeds({ startSeed: 1 + done, seeds: Math.min(chunkSeeds, seeds - done), replicas: 3, steps: stepsPerSeed, workers: 0 }));
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(total.violations.map(formatViolation)).toEqual([]);
  expect(total.seeds).toBe(seeds);
  expect(total.steps).toBeGreaterThanOrEqual(seeds * stepsPerSeed);
});
