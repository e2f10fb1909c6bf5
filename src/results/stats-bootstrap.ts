// Resampling primitives for `logbench compare`: the circular block bootstrap of an
// autocorrelated series (Politis & Romano 1992), the choice of its block length, and the
// percentile confidence interval of a set of bootstrap replicates.
// Invariants: every function is a pure function of its inputs and the seeded Rng it is given
// (never Math.random), so a comparison prints the same interval every time it is run.

import { assert } from '../assert.js';
import type { Rng } from '../prng.js';

/** Lag-k autocorrelation of a series (0 when the series is constant or too short). */
export function autocorrelation(values: ArrayLike<number>, lag: number): number {
  const n = values.length;
  if (lag <= 0) return 1;
  if (n <= lag + 1) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  let denominator = 0;
  for (let i = 0; i < n; i++) denominator += (values[i]! - mean) ** 2;
  if (denominator === 0) return 0;
  let numerator = 0;
  for (let i = 0; i + lag < n; i++) numerator += (values[i]! - mean) * (values[i + lag]! - mean);
  return numerator / denominator;
}

/**
 * Block length for the circular block bootstrap: at least √n, grown to the first lag whose
 * autocorrelation is inside the ±2/√n noise band, so that blocks keep correlated neighbours
 * together; never more than n/2. √n rather than the MSE-optimal n^(1/3): with the 5–60 seconds a
 * run has, n^(1/3) blocks cut an AR(1) series with φ = 0.5 short enough to under-cover (measured
 * 22% A/A false alarms at n = 20, test/results/compare.test.ts); longer blocks trade a little
 * variance of the interval for coverage.
 */
export function blockLength(values: ArrayLike<number>): number {
  const n = values.length;
  if (n <= 2) return 1;
  const floor = Math.ceil(Math.sqrt(n));
  const cap = Math.max(1, Math.floor(n / 2));
  const band = 2 / Math.sqrt(n);
  let lag = 1;
  while (lag < cap && Math.abs(autocorrelation(values, lag)) > band) lag++;
  return Math.min(cap, Math.max(floor, lag));
}

/**
 * Fills `counts` (length n) with how often each position is drawn by one circular block
 * bootstrap resample of length n with blocks of `block` consecutive positions (wrapping).
 */
export function circularBlockCounts(n: number, block: number, rng: Rng, counts: Uint32Array): void {
  assert(counts.length >= n, () => `circularBlockCounts: counts has ${counts.length} slots, need ${n}`);
  assert(block >= 1 && block <= Math.max(1, n), () => `circularBlockCounts: block ${block} outside [1, ${n}]`);
  counts.fill(0, 0, n);
  let drawn = 0;
  while (drawn < n) {
    const start = rng.int(n);
    for (let j = 0; j < block && drawn < n; j++, drawn++) counts[(start + j) % n]! += 1;
  }
}

/** The q-quantile (0..1) of sorted values, linear between order statistics. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  assert(n > 0, 'quantileSorted: no values');
  if (n === 1) return sorted[0]!;
  const position = Math.min(1, Math.max(0, q)) * (n - 1);
  const low = Math.floor(position);
  const high = Math.min(n - 1, low + 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** Two-sided percentile interval of the replicates at `confidence` (e.g. 0.95). */
export function percentileInterval(replicates: Float64Array, confidence: number): { low: number; high: number } {
  assert(confidence > 0 && confidence < 1, () => `confidence must be in (0, 1), got ${confidence}`);
  const finite = replicates.filter((v) => Number.isFinite(v)).sort();
  if (finite.length === 0) return { low: Number.NaN, high: Number.NaN };
  const tail = (1 - confidence) / 2;
  return { low: quantileSorted(finite, tail), high: quantileSorted(finite, 1 - tail) };
}
