// HdrHistogram percentile-distribution text (.hgrm), the format HdrHistogram's plotter reads.
// Values are written in milliseconds (the recorded µs scaled by 1000), as HdrHistogram's own
// tools do by default.

import type { RunResult } from './result-types.js';
import { histogramOf } from './sparse-histogram.js';
import type { PhaseHistograms } from './validate.js';

export class PhaseNotFoundError extends Error {
  override name = 'PhaseNotFoundError';
}

/** The index in `result.phases` of phase `phase` (a name or an index; the last phase when undefined). */
export function selectPhaseIndex(result: RunResult, phase: string | undefined, label: string): number {
  if (result.phases.length === 0) throw new PhaseNotFoundError(`${label}: the result has no phases`);
  if (phase === undefined) return result.phases.length - 1;
  const byName = result.phases.findIndex((p) => p.name === phase);
  if (byName >= 0) return byName;
  if (/^\d+$/.test(phase) && Number(phase) < result.phases.length) return Number(phase);
  throw new PhaseNotFoundError(`${label}: --phase ${phase}: expected a phase name or index, one of: ${result.phases.map((p, i) => `${i}=${p.name}`).join(', ')}`);
}

/** The .hgrm text of a phase's corrected latency, or of its raw service time. */
export function toHgrm(histograms: PhaseHistograms, raw: boolean): string {
  return histogramOf(raw ? histograms.serviceTime : histograms.corrected).outputPercentileDistribution(5, 1000);
}
