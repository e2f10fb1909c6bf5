// --find-max: the highest open-loop rate whose corrected latency meets an SLO. Doubles the rate
// from a start until a probe fails (SLO missed, generator saturated, or throughput below 90% of
// the target), then bisects between the last passing and first failing rate. Bounded: at most
// stepsMax probes. Every probe is a full open-loop phase (warm-up excluded) kept in the result,
// and the walked curve (rate, achieved, p50, p99, saturated) is the latency/throughput knee.

import type { LatencyPercentiles } from './histogram.js';

export type SloPercentile = 'p50' | 'p90' | 'p99' | 'p99.9' | 'p99.99' | 'max';

export interface SloTerm {
  percentile: SloPercentile;
  limitUs: number;
  /** As the user wrote it, e.g. "p99<10ms". */
  text: string;
}

export class SloError extends Error {
  override name = 'SloError';
}

const UNIT_US: Record<string, number> = { us: 1, µs: 1, ms: 1000, s: 1_000_000 };

/** Parses "p99<10ms" or "p50<2ms,p99.9<50ms". */
export function parseSlo(text: string): SloTerm[] {
  const terms = text.split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (terms.length === 0) throw new SloError(`flag --slo: expected e.g. "p99<10ms", got "${text}"`);
  return terms.map((term) => {
    const match = /^(p50|p90|p99|p99\.9|p99\.99|max)\s*<=?\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s)$/.exec(term);
    if (match === null) throw new SloError(`flag --slo: expected <percentile><<limit><unit> like "p99<10ms" (percentiles p50 p90 p99 p99.9 p99.99 max; units us ms s), got "${term}"`);
    const limitUs = Number(match[2]) * UNIT_US[match[3]!]!;
    if (!(limitUs > 0)) throw new SloError(`flag --slo: expected a positive limit, got "${term}"`);
    return { percentile: match[1] as SloPercentile, limitUs, text: term };
  });
}

export function valueOf(p: LatencyPercentiles, percentile: SloPercentile): number {
  switch (percentile) {
    case 'p50':
      return p.p50Us;
    case 'p90':
      return p.p90Us;
    case 'p99':
      return p.p99Us;
    case 'p99.9':
      return p.p999Us;
    case 'p99.99':
      return p.p9999Us;
    case 'max':
      return p.maxUs;
  }
}

export interface ProbeOutcome {
  rate: number;
  opsPerSec: number;
  latency: LatencyPercentiles;
  saturated: boolean;
  errors: number;
  phase: string;
}

export interface CurvePoint extends ProbeOutcome {
  meetsSlo: boolean;
  /** Why it failed, for the printed curve. */
  verdict: string;
}

export interface FindMaxOptions {
  slo: SloTerm[];
  startRate: number;
  stepsMax: number;
  /** Bisection stops when hi/lo is within this ratio. */
  resolution: number;
  probe(rate: number, step: number): Promise<ProbeOutcome | undefined>;
  onPoint?(point: CurvePoint): void;
}

export function judge(probe: ProbeOutcome, slo: SloTerm[]): CurvePoint {
  const misses = slo.filter((t) => valueOf(probe.latency, t.percentile) > t.limitUs).map((t) => `${t.percentile} ${valueOf(probe.latency, t.percentile)}µs > ${t.limitUs}µs`);
  const reasons = [...misses];
  if (probe.saturated) reasons.push('generator saturated');
  if (probe.opsPerSec < probe.rate * 0.9) reasons.push(`achieved ${Math.round(probe.opsPerSec)} < 90% of target`);
  if (probe.errors > 0) reasons.push(`${probe.errors} errors`);
  return { ...probe, meetsSlo: reasons.length === 0, verdict: reasons.length === 0 ? 'meets SLO' : reasons.join('; ') };
}

export interface FindMaxOutcome {
  curve: CurvePoint[];
  knee: CurvePoint | undefined;
  /** Stopped early by an external stop (probe returned undefined). */
  interrupted: boolean;
}

export async function findMax(options: FindMaxOptions): Promise<FindMaxOutcome> {
  const curve: CurvePoint[] = [];
  let best: CurvePoint | undefined;
  let failRate: number | undefined;
  let rate = options.startRate;
  const visit = async (r: number): Promise<CurvePoint | undefined> => {
    const probe = await options.probe(r, curve.length);
    if (probe === undefined) return undefined;
    const point = judge(probe, options.slo);
    curve.push(point);
    options.onPoint?.(point);
    return point;
  };
  // Doubling.
  while (curve.length < options.stepsMax) {
    const point = await visit(rate);
    if (point === undefined) return { curve, knee: best, interrupted: true };
    if (!point.meetsSlo) {
      failRate = rate;
      break;
    }
    best = point;
    rate *= 2;
  }
  // Bisection between the best passing rate (or 0) and the first failing one.
  let lo = best?.rate ?? 0;
  let hi = failRate;
  while (hi !== undefined && curve.length < options.stepsMax && (lo === 0 ? hi > options.startRate / 64 : hi / lo > 1 + options.resolution)) {
    const mid = lo === 0 ? hi / 2 : Math.sqrt(lo * hi);
    const point = await visit(Math.round(mid));
    if (point === undefined) return { curve, knee: best, interrupted: true };
    if (point.meetsSlo) {
      best = point;
      lo = point.rate;
    } else {
      hi = point.rate;
    }
  }
  return { curve, knee: best, interrupted: false };
}
