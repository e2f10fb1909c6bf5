// The run-to-run noise of a machine and scenario, from the throughput changes of A/A pairs
// (`logbench calibrate`), as a floor under compare's throughput intervals (--noise-floor).

import { normalQuantile, tQuantile } from './stats-quantiles.js';

/**
 * Half-width (percent, rounded up to 0.1) of the prediction interval for the throughput change of
 * one more A/A pair, from the A/A changes measured: t(n−1) · rms · √(1 + 1/n). The changes of
 * A/A pairs scatter around 0, so their root mean square is the spread (no mean is fitted).
 */
export function noiseFloor(changesPercent: readonly number[], confidence: number): number {
  const { n, rms } = spreadOf(changesPercent);
  if (n < 3) return Number.NaN;
  return Math.ceil(tQuantile(1 - (1 - confidence) / 2, n - 1) * rms * Math.sqrt(1 + 1 / n) * 10) / 10;
}

/**
 * Runs a side that would detect a throughput drop of `slowdownPercent` in a fraction `power` of
 * pairs, from A/A changes measured with `runsPerSide` runs a side: the smallest k with
 * (z(1 − α/2) + z(power)) · rms · √(runsPerSide / k) ≤ slowdownPercent. It assumes a side's noise
 * falls as 1/√runs (independent runs: interleaving helps, slow drift of the machine breaks it), so
 * it is an estimate to plan with, not a promise. NaN from fewer than 3 changes.
 */
export function runsPerSideToDetect(changesPercent: readonly number[], runsPerSide: number, slowdownPercent: number, confidence: number, power = 0.95): number {
  const { n, rms } = spreadOf(changesPercent);
  if (n < 3 || !(slowdownPercent > 0) || !(runsPerSide >= 1)) return Number.NaN;
  const z = normalQuantile(1 - (1 - confidence) / 2) + normalQuantile(power);
  return Math.max(1, Math.ceil(runsPerSide * ((z * rms) / slowdownPercent) ** 2));
}

/** How many A/A changes are finite, and their root mean square (they scatter around 0, so no mean is fitted). */
function spreadOf(changesPercent: readonly number[]): { n: number; rms: number } {
  const finite = changesPercent.filter(Number.isFinite);
  return { n: finite.length, rms: Math.sqrt(finite.reduce((sum, c) => sum + c * c, 0) / finite.length) };
}
