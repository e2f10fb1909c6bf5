// HdrHistogram percentile-distribution text (.hgrm), the format HdrHistogram's plotter reads.
// Values are written in milliseconds (the recorded µs scaled by 1000), as HdrHistogram's own
// tools do by default.

import { decodeHistogram } from '../load/histogram.js';
import type { PhaseResult, RunResult } from './result-types.js';

export class PhaseNotFoundError extends Error {
  override name = 'PhaseNotFoundError';
}

export function selectPhase(result: RunResult, phase: string | undefined, label: string): PhaseResult {
  if (result.phases.length === 0) throw new PhaseNotFoundError(`${label}: the result has no phases`);
  if (phase === undefined) return result.phases[result.phases.length - 1]!;
  const byName = result.phases.find((p) => p.name === phase);
  if (byName !== undefined) return byName;
  if (/^\d+$/.test(phase) && Number(phase) < result.phases.length) return result.phases[Number(phase)]!;
  throw new PhaseNotFoundError(`${label}: --phase ${phase}: expected a phase name or index, one of: ${result.phases.map((p, i) => `${i}=${p.name}`).join(', ')}`);
}

export function toHgrm(phase: PhaseResult, raw: boolean): string {
  const histogram = decodeHistogram(raw ? phase.histograms.serviceTime : phase.histograms.corrected);
  return histogram.outputPercentileDistribution(5, 1000);
}
