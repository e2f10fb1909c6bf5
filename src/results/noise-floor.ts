// The run-to-run noise of a machine and scenario, from the throughput changes of A/A pairs
// (`logbench calibrate`), as a floor under compare's throughput intervals (--noise-floor).

import { tQuantile } from './stats-quantiles.js';

/**
 * Half-width (percent, rounded up to 0.1) of the prediction interval for the throughput change of
 * one more A/A pair, from the A/A changes measured: t(n−1) · rms · √(1 + 1/n). The changes of
 * A/A pairs scatter around 0, so their root mean square is the spread (no mean is fitted).
 */
export function noiseFloor(changesPercent: readonly number[], confidence: number): number {
  const finite = changesPercent.filter(Number.isFinite);
  const n = finite.length;
  if (n < 3) return Number.NaN;
  const rms = Math.sqrt(finite.reduce((sum, c) => sum + c * c, 0) / n);
  return Math.ceil(tQuantile(1 - (1 - confidence) / 2, n - 1) * rms * Math.sqrt(1 + 1 / n) * 10) / 10;
}
