// Was a closed-loop phase in a steady state? A system still warming up (a JIT still optimizing,
// caches filling) or slowing down (a disk whose speed drifts) during the measured seconds gives a
// throughput figure that depends on where the window happened to fall, and the run-to-run spread
// that `logbench compare` must see through grows with it. The logbench engine, for one, gets
// about three times cheaper per entry over its first 2–8 s as V8 optimizes four isolates on two
// cores.
//
// Test: Mann–Kendall on the measured per-second throughput (does it trend at all? exact null
// distribution of Kendall's S for n <= EXACT_N_MAX, normal approximation beyond), and the size
// of the trend by the Theil–Sen slope (median of pairwise slopes; robust to a single odd second).
// A phase is flagged when the trend is significant AND the slope moves throughput by at least
// DRIFT_PERCENT_MIN across the window: a tiny but consistent drift is not worth a warning.
// Both tests assume independent seconds; per-second throughput is autocorrelated, so on long
// series any slow wander would become "significant". Series longer than POINTS_MAX are therefore
// averaged into POINTS_MAX bins first, which also bounds the pairwise work (n² / 2 slopes).
// Ties (equal seconds) are treated as absent, which makes the test slightly conservative.

import { assert } from '../assert.js';
import type { SeriesPoint } from '../load/recording-types.js';
import { isWholeMeasuredSecond } from './measured-seconds.js';
import type { MeasuredWindow } from './measured-seconds.js';
import { normalQuantile } from './stats-quantiles.js';

export const STEADINESS_SECONDS_MIN = 5;
export const DRIFT_PERCENT_MIN = 10;
export const TREND_ALPHA = 0.05;
export const POINTS_MAX = 120;
const EXACT_N_MAX = 60;

export interface Steadiness {
  seconds: number;
  /** Theil–Sen slope × (seconds − 1), as a percentage of the median second. */
  driftPercent: number;
  /** Two-sided Mann–Kendall p-value for "no monotonic trend". */
  trendP: number;
  steady: boolean;
}

/** Undefined when there are fewer than STEADINESS_SECONDS_MIN values or their median is not positive. */
export function steadiness(perSecond: readonly number[]): Steadiness | undefined {
  if (perSecond.length < STEADINESS_SECONDS_MIN) return undefined;
  const values = binned(perSecond, POINTS_MAX);
  const n = values.length;
  const middle = median([...values]);
  if (!(middle > 0)) return undefined;
  const slopes: number[] = [];
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      slopes.push((values[j]! - values[i]!) / (j - i));
      s += Math.sign(values[j]! - values[i]!);
    }
  }
  const driftPercent = (median(slopes) * (n - 1) * 100) / middle;
  const trendP = kendallTwoSidedP(s, n);
  return { seconds: perSecond.length, driftPercent, trendP, steady: !(trendP < TREND_ALPHA && Math.abs(driftPercent) >= DRIFT_PERCENT_MIN) };
}

/** Means of `binsMax` consecutive, near-equal runs of `values` (the values themselves when fewer). */
function binned(values: readonly number[], binsMax: number): readonly number[] {
  if (values.length <= binsMax) return values;
  const out: number[] = [];
  for (let b = 0; b < binsMax; b++) {
    const from = Math.floor((b * values.length) / binsMax);
    const to = Math.floor(((b + 1) * values.length) / binsMax);
    let sum = 0;
    for (let i = from; i < to; i++) sum += values[i]!;
    out.push(sum / (to - from));
  }
  return out;
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/** P(|S| >= |s|) under "no trend", S = Σ_{i<j} sign(x_j − x_i) over n values without ties. */
export function kendallTwoSidedP(s: number, n: number): number {
  const pairs = (n * (n - 1)) / 2;
  assert(Number.isInteger(n) && n >= 2, () => `kendallTwoSidedP: n must be an integer >= 2, got ${n}`);
  assert(Number.isInteger(s) && Math.abs(s) <= pairs, () => `kendallTwoSidedP: S must be an integer in [-${pairs}, ${pairs}], got ${s}`);
  if (n <= EXACT_N_MAX) {
    // S = pairs − 2·inversions; the inversion counts of the n! equally likely orders are the
    // Mahonian numbers, built row by row (row k = permutations of k elements).
    let row = [1];
    for (let k = 2; k <= n; k++) {
      const next = new Array<number>(row.length + k - 1).fill(0);
      for (let inv = 0; inv < row.length; inv++) for (let add = 0; add < k; add++) next[inv + add]! += row[inv]!;
      row = next;
    }
    const total = row.reduce((a, b) => a + b, 0);
    const inversionsMax = Math.floor((pairs - Math.abs(s)) / 2);
    let tail = 0;
    for (let inv = 0; inv <= inversionsMax; inv++) tail += row[inv]!;
    return Math.min(1, (2 * tail) / total);
  }
  const sd = Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const z = s === 0 ? 0 : (Math.abs(s) - 1) / sd;
  if (z > 8) return 0; // below 1e-15: the bisection's 1 − p/2 would round to 1
  // Two-sided p from |z| by bisection on the normal quantile (no CDF needed elsewhere here).
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (normalQuantile(1 - mid / 2) > z) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The warning for a phase that was not steady, or undefined when it was (or cannot be told). */
export function steadinessWarning(phase: string, perSecond: readonly number[]): string | undefined {
  const result = steadiness(perSecond);
  if (result === undefined || result.steady) return undefined;
  const direction = result.driftPercent > 0 ? 'rose' : 'fell';
  const advice = result.driftPercent > 0 ? `still warming up: lengthen the phase's warmupSeconds` : 'slowing down as it ran';
  return `phase ${phase}: throughput ${direction} ${Math.abs(result.driftPercent).toFixed(0)}% across its ${result.seconds} measured seconds (Theil–Sen slope; Mann–Kendall p = ${result.trendP.toPrecision(2)}), so it was not in a steady state (${advice})`;
}

export interface SeriesPhase extends MeasuredWindow {
  name: string;
  type: string;
  series: readonly Pick<SeriesPoint, 'second' | 'warmup' | 'ops'>[];
}

/**
 * Warnings for a run's closed-loop phases that were not steady, from their whole measured
 * seconds. A run with faults is skipped: its faults make phases unsteady on purpose.
 */
export function unsteadyPhaseWarnings(phases: readonly SeriesPhase[], runHasFaults: boolean): string[] {
  if (runHasFaults) return [];
  return phases.flatMap((phase) => {
    if (phase.type !== 'closed') return [];
    const perSecond = phase.series.filter((point) => isWholeMeasuredSecond(phase, point)).map((point) => point.ops);
    return steadinessWarning(phase.name, perSecond) ?? [];
  });
}
