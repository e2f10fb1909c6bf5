// `logbench compare`: for each phase and metric, the relative change head/base − 1 with a
// bootstrap confidence interval, and a verdict.
//
// Method (hierarchical circular block bootstrap, seeded):
//  - Samples are the seconds of each run's measured window (compare-samples.ts); with several
//    result files per side, the runs too.
//  - One replicate: per side, draw the runs with replacement (when a side has ≥ 2 runs), then
//    for each drawn run draw its seconds by the circular block bootstrap (blocks of consecutive
//    seconds keep the autocorrelation of a series in each replicate; stats-bootstrap.ts). From the
//    drawn seconds: throughput = mean over drawn runs of the mean ops per drawn second; a latency
//    percentile = that percentile of the merged histograms of the drawn seconds (so tail
//    percentiles come from the per-second histograms, not from per-second summaries).
//  - The interval is the percentile interval of the replicates' ratio head/base, widened around
//    the point estimate by t(df)/z on the log scale (log(head/base)) and mapped back to a relative
//    change: a ratio is never below 0, so a change is never below −100%, and the spread of a ratio
//    is symmetric on the log scale, not on the linear one (widening head/base − 1 symmetrically
//    gave intervals like [−4387%, +13037%] for a 100× latency regression, and bounds below −100%).
//    Why widen at all: a bootstrap of few independent blocks under-covers (sample
//    autocorrelations of 20 seconds are biased low, and blocks cut long correlations), and
//    df = min(independent blocks of a side) − 1, Welch's conservative choice, puts the
//    small-sample penalty of a t test back (blocks per run = seconds / block length; a side with
//    several runs counts at least its runs). Measured on synthetic AR(1) series (φ = 0.5):
//    see test/results/compare.test.ts.
//  - With a noise floor (from `logbench calibrate`), the throughput interval reaches at least
//    head/base × (1 ± floor), i.e. ± the floor around an A/A change of 0: a side of two or three
//    runs that agree by chance says less about run-to-run noise than the A/A pairs calibrate
//    measured on the same machine and scenario. As a fraction of the ratio, the floor too keeps
//    the interval above −100%.
//  - Verdict: regressed/improved when the interval excludes 0 and the point change is at least
//    the threshold (a practical floor below which a difference is not worth failing a build);
//    otherwise "no significant change". With fewer than MIN_SAMPLES samples a side there is no
//    interval: run results are then "inconclusive" (one or two seconds say nothing about noise);
//    micro-benchmark files, which carry one number per task, fall back to the threshold alone.
// Everything is deterministic for a given seed.

import { assert } from '../assert.js';
import { Xoshiro128, type Rng } from '../prng.js';
import { blockLength, circularBlockCounts, percentileInterval } from './stats-bootstrap.js';
import { normalQuantile, tQuantile } from './stats-quantiles.js';
import type { RunSamples, SampleUnit } from './compare-samples.js';

export const LATENCY_METRICS = ['mean', 'p50', 'p90', 'p99', 'p99.9', 'p99.99'] as const;
export const METRICS = ['throughput', ...LATENCY_METRICS] as const;
export type MetricName = (typeof METRICS)[number];
type LatencyMetric = (typeof LATENCY_METRICS)[number];

const PERCENTILE_OF: Record<Exclude<LatencyMetric, 'mean'>, number> = { p50: 50, p90: 90, 'p99': 99, 'p99.9': 99.9, 'p99.99': 99.99 };

export type Verdict = 'improved' | 'regressed' | 'no significant change' | 'inconclusive';

export interface CompareOptions {
  metrics: readonly MetricName[];
  resamples: number;
  seed: number;
  confidence: number;
  /** Smallest |change| in percent that may be called a regression or an improvement. */
  thresholdPercent: number;
  /**
   * Smallest half-width in percent of the throughput interval: this machine's run-to-run noise
   * for the scenario as `logbench calibrate` measured it from A/A pairs (0: none). Few runs a side
   * can agree by chance and give an interval narrower than that noise.
   */
  noiseFloorPercent: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { metrics: METRICS, resamples: 2000, seed: 1, confidence: 0.95, thresholdPercent: 2, noiseFloorPercent: 0 };

/** Fewer samples than this on a side: no interval (a bootstrap of 1–2 values is meaningless). */
export const MIN_SAMPLES = 3;

export interface MetricRow {
  /** Phase name (run results) or task name (micro-benchmarks). */
  group: string;
  metric: MetricName;
  unit: 'ops/s' | 'us';
  base: number;
  head: number;
  changePercent: number;
  ciLowPercent: number | null;
  ciHighPercent: number | null;
  verdict: Verdict;
  /** Samples per side: seconds (or runs) and runs. */
  baseSamples: number;
  headSamples: number;
  note: string | null;
}

export interface GroupSides {
  group: string;
  base: RunSamples[];
  head: RunSamples[];
  /** What a side with too few samples for an interval gets. */
  withoutInterval: 'threshold' | 'inconclusive';
}

interface PreparedRun {
  units: SampleUnit[];
  block: number;
  /** Per unit, index of each latency value in the group's global value table. */
  slots: Int32Array[];
}

interface Prepared {
  runs: PreparedRun[];
  samples: number;
  /** Independent blocks: the degrees of freedom this side contributes. */
  blocks: number;
}

function unitMedianUs(unit: SampleUnit): number {
  let total = 0;
  for (let i = 0; i < unit.counts.length; i++) total += unit.counts[i]!;
  let seen = 0;
  for (let i = 0; i < unit.counts.length; i++) {
    seen += unit.counts[i]!;
    if (seen * 2 >= total) return unit.valuesUs[i]!;
  }
  return 0;
}

function prepare(runs: readonly RunSamples[], slotOf: Map<number, number>): Prepared {
  const prepared = runs.map((run) => {
    const ops = run.units.map((u) => u.opsPerSec);
    const medians = run.units.map(unitMedianUs);
    const block = Math.max(blockLength(ops), blockLength(medians));
    const slots = run.units.map((u) => Int32Array.from(u.valuesUs, (v) => slotOf.get(v)!));
    return { units: run.units, block, slots };
  });
  const samples = runs.length >= 2 ? Math.max(runs.length, prepared.reduce((s, r) => s + r.units.length, 0)) : (prepared[0]?.units.length ?? 0);
  const blocks = Math.max(runs.length >= 2 ? runs.length : 1, prepared.reduce((s, r) => s + Math.floor(r.units.length / r.block), 0));
  return { runs: prepared, samples, blocks };
}

/**
 * Widens the ratio interval [low, high] (head/base) around the ratio `point` by t(df)/z at the
 * interval's confidence, on the log scale, and returns it as relative changes (ratio − 1): the
 * bounds stay above −1 however wide the interval grows. A ratio bound of 0 (a replicate with no
 * ops or a zero latency) stays −1.
 */
export function widenRatio(point: number, low: number, high: number, confidence: number, df: number): { low: number; high: number } {
  assert(point > 0 && low >= 0 && high >= low, () => `widenRatio: expected 0 <= low <= high and point > 0, got ${low}, ${high}, ${point}`);
  const p = 1 - (1 - confidence) / 2;
  const factor = tQuantile(p, Math.max(1, df)) / normalQuantile(p);
  const center = Math.log(point);
  const widened = (bound: number): number => Math.exp(center + (Math.log(bound) - center) * factor) - 1;
  return { low: widened(low), high: widened(high) };
}

/** Statistics of one side for one draw: `pick(run)` gives the unit counts drawn for that run. */
class SideAccumulator {
  private readonly counts: Float64Array;
  private readonly weightedMid: Float64Array;
  private throughputSum = 0;
  private runsDrawn = 0;
  private latencyTotal = 0;
  private latencyMidSum = 0;

  constructor(
    private readonly valuesUs: Float64Array,
    midsUs: Float64Array,
  ) {
    this.counts = new Float64Array(valuesUs.length);
    this.weightedMid = midsUs;
  }

  reset(): void {
    this.counts.fill(0);
    this.throughputSum = 0;
    this.runsDrawn = 0;
    this.latencyTotal = 0;
    this.latencyMidSum = 0;
  }

  addRun(run: PreparedRun, draws: Uint32Array | null, withLatency: boolean): void {
    let opsSum = 0;
    let drawnUnits = 0;
    for (let u = 0; u < run.units.length; u++) {
      const times = draws === null ? 1 : draws[u]!;
      if (times === 0) continue;
      const unit = run.units[u]!;
      opsSum += times * unit.opsPerSec;
      drawnUnits += times;
      if (!withLatency) continue;
      const slots = run.slots[u]!;
      for (let i = 0; i < slots.length; i++) {
        const c = times * unit.counts[i]!;
        this.counts[slots[i]!]! += c;
        this.latencyTotal += c;
        this.latencyMidSum += c * this.weightedMid[slots[i]!]!;
      }
    }
    this.throughputSum += drawnUnits > 0 ? opsSum / drawnUnits : 0;
    this.runsDrawn++;
  }

  throughput(): number {
    return this.runsDrawn > 0 ? this.throughputSum / this.runsDrawn : 0;
  }

  /** Latency metrics in `wanted` order (percentiles as HdrHistogram's getValueAtPercentile). */
  latency(wanted: readonly LatencyMetric[], out: Float64Array): void {
    if (this.latencyTotal === 0) {
      out.fill(Number.NaN);
      return;
    }
    const order = wanted.map((m, i) => ({ i, p: m === 'mean' ? -1 : PERCENTILE_OF[m] })).sort((a, b) => a.p - b.p);
    let k = 0;
    while (k < order.length && order[k]!.p < 0) {
      out[order[k]!.i] = this.latencyMidSum / this.latencyTotal;
      k++;
    }
    let cumulative = 0;
    for (let slot = 0; slot < this.counts.length && k < order.length; slot++) {
      cumulative += this.counts[slot]!;
      while (k < order.length) {
        const target = Math.max(1, Math.ceil((order[k]!.p / 100) * this.latencyTotal - 1e-9));
        if (cumulative < target) break;
        out[order[k]!.i] = this.valuesUs[slot]!;
        k++;
      }
    }
    for (; k < order.length; k++) out[order[k]!.i] = this.valuesUs[this.valuesUs.length - 1] ?? 0;
  }
}

function drawSide(side: Prepared, acc: SideAccumulator, rng: Rng, scratch: Uint32Array, withLatency: boolean): void {
  acc.reset();
  const runCount = side.runs.length;
  for (let r = 0; r < runCount; r++) {
    const run = side.runs[runCount >= 2 ? rng.int(runCount) : 0]!;
    circularBlockCounts(run.units.length, Math.min(run.block, run.units.length), rng, scratch);
    acc.addRun(run, scratch, withLatency);
  }
}

function pointSide(side: Prepared, acc: SideAccumulator): void {
  acc.reset();
  for (const run of side.runs) acc.addRun(run, null, true);
}

function valueTable(groups: readonly RunSamples[]): { valuesUs: Float64Array; midsUs: Float64Array; slotOf: Map<number, number> } {
  const mids = new Map<number, number>();
  for (const run of groups) for (const unit of run.units) for (let i = 0; i < unit.valuesUs.length; i++) mids.set(unit.valuesUs[i]!, unit.midsUs[i]!);
  const valuesUs = Float64Array.from(mids.keys()).sort();
  const slotOf = new Map<number, number>();
  valuesUs.forEach((v, i) => slotOf.set(v, i));
  return { valuesUs, midsUs: Float64Array.from(valuesUs, (v) => mids.get(v)!), slotOf };
}

const isBetterHigher = (metric: MetricName): boolean => metric === 'throughput';

function verdictOf(metric: MetricName, changePercent: number, low: number | null, high: number | null, thresholdPercent: number): Verdict {
  const worse = isBetterHigher(metric) ? changePercent < 0 : changePercent > 0;
  const bigEnough = Math.abs(changePercent) >= thresholdPercent;
  const excludesZero = low === null || high === null ? true : low > 0 || high < 0;
  if (!bigEnough || !excludesZero || changePercent === 0) return 'no significant change';
  return worse ? 'regressed' : 'improved';
}

/** Compares one group (a phase, or a micro task) for the requested metrics. */
export function compareGroup(sides: GroupSides, options: CompareOptions): MetricRow[] {
  assert(sides.base.length > 0 && sides.head.length > 0, 'compareGroup: a side has no runs');
  assert(options.resamples >= 100, () => `resamples must be >= 100, got ${options.resamples}`);
  const { valuesUs, midsUs, slotOf } = valueTable([...sides.base, ...sides.head]);
  const base = prepare(sides.base, slotOf);
  const head = prepare(sides.head, slotOf);
  const latencyWanted = options.metrics.filter((m): m is LatencyMetric => m !== 'throughput');
  const hasLatency = valuesUs.length > 0;
  const metrics = options.metrics.filter((m) => m === 'throughput' || hasLatency);
  const accBase = new SideAccumulator(valuesUs, midsUs);
  const accHead = new SideAccumulator(valuesUs, midsUs);
  const latBase = new Float64Array(latencyWanted.length);
  const latHead = new Float64Array(latencyWanted.length);

  const pointOf = (): Map<MetricName, [number, number]> => {
    pointSide(base, accBase);
    pointSide(head, accHead);
    const out = new Map<MetricName, [number, number]>([['throughput', [accBase.throughput(), accHead.throughput()]]]);
    if (hasLatency) {
      accBase.latency(latencyWanted, latBase);
      accHead.latency(latencyWanted, latHead);
      latencyWanted.forEach((m, i) => out.set(m, [latBase[i]!, latHead[i]!]));
    }
    return out;
  };
  const point = pointOf();

  const bootstrapped = base.samples >= MIN_SAMPLES && head.samples >= MIN_SAMPLES;
  const replicates = new Map<MetricName, Float64Array>(metrics.map((m) => [m, new Float64Array(bootstrapped ? options.resamples : 0)]));
  if (bootstrapped) {
    const rng = new Xoshiro128(options.seed >>> 0);
    const unitsMax = Math.max(...[...base.runs, ...head.runs].map((r) => r.units.length));
    const scratch = new Uint32Array(unitsMax);
    for (let b = 0; b < options.resamples; b++) {
      const withLatency = hasLatency && latencyWanted.length > 0;
      drawSide(base, accBase, rng, scratch, withLatency);
      drawSide(head, accHead, rng, scratch, withLatency);
      replicates.get('throughput')?.set([accHead.throughput() / accBase.throughput()], b);
      if (hasLatency && latencyWanted.length > 0) {
        accBase.latency(latencyWanted, latBase);
        accHead.latency(latencyWanted, latHead);
        latencyWanted.forEach((m, i) => replicates.get(m)?.set([latHead[i]! / latBase[i]!], b));
      }
    }
  }

  return metrics.map((metric) => {
    const [baseValue, headValue] = point.get(metric)!;
    const changePercent = baseValue > 0 ? (headValue / baseValue - 1) * 100 : headValue > 0 ? Number.POSITIVE_INFINITY : 0;
    let low: number | null = null;
    let high: number | null = null;
    if (bootstrapped) {
      // Replicates are ratios head/base (never below 0); a percentile interval commutes with the
      // monotone map to the log scale, so it is taken on the ratios and widened on the logs.
      const raw = percentileInterval(replicates.get(metric)!, options.confidence);
      if (Number.isFinite(raw.low) && Number.isFinite(raw.high) && Number.isFinite(changePercent) && changePercent > -100) {
        const interval = widenRatio(1 + changePercent / 100, raw.low, raw.high, options.confidence, Math.min(base.blocks, head.blocks) - 1);
        low = interval.low * 100;
        high = interval.high * 100;
      }
    }
    let floorNote: string | null = null;
    if (metric === 'throughput' && options.noiseFloorPercent > 0 && low !== null && high !== null) {
      const floor = options.noiseFloorPercent;
      const ratio = 1 + changePercent / 100;
      const floorLow = (ratio * (1 - floor / 100) - 1) * 100;
      const floorHigh = (ratio * (1 + floor / 100) - 1) * 100;
      if (floorLow < low || floorHigh > high) floorNote = `interval widened to the calibrated noise floor ±${floor}% (of head/base)`;
      low = Math.min(low, floorLow);
      high = Math.max(high, floorHigh);
    }
    const inconclusive = !bootstrapped && sides.withoutInterval === 'inconclusive';
    const note = bootstrapped
      ? floorNote
      : inconclusive
        ? `no interval: fewer than ${MIN_SAMPLES} samples (measured seconds or runs) a side; run longer phases or more runs`
        : `no interval: fewer than ${MIN_SAMPLES} samples a side; verdict by the ${options.thresholdPercent}% threshold alone`;
    return {
      group: sides.group,
      metric,
      unit: metric === 'throughput' ? 'ops/s' : 'us',
      base: baseValue,
      head: headValue,
      changePercent,
      ciLowPercent: low,
      ciHighPercent: high,
      verdict: inconclusive ? 'inconclusive' : verdictOf(metric, changePercent, low, high, options.thresholdPercent),
      baseSamples: base.samples,
      headSamples: head.samples,
      note,
    };
  });
}
