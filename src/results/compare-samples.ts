// The samples `logbench compare` resamples: for each run and phase, one unit per second of the
// measured window (warm-up seconds, and the partial seconds at either edge, are dropped). A unit
// carries that second's op count and its latency histogram (corrected latency, µs) as sparse
// (value, count) arrays, as reading the file decoded them (validate.ts), so a bootstrap replicate
// merges histograms by adding counts instead of decoding HdrHistograms again. A phase without a
// usable series becomes one unit holding the whole phase (its throughput and its full histogram).
// Invariants: values are HdrHistogram highest-equivalent values (what getValueAtPercentile
// reports), sorted ascending within a unit; counts are positive.

import { assert } from '../assert.js';
import { isWholeMeasuredSecond } from './measured-seconds.js';
import type { PhaseResult, RunResult } from './result-types.js';
import type { SparseHistogram } from './sparse-histogram.js';
import type { ResultFile } from './validate.js';

/** One second (or a whole phase): its throughput and its latency histogram (µs) in sparse form. */
export interface SampleUnit extends SparseHistogram {
  opsPerSec: number;
}

export interface RunSamples {
  path: string;
  units: SampleUnit[];
  /** 'series': one unit per measured second; 'phase': the phase as one unit. */
  unitKind: 'series' | 'phase';
}

/** The samples of phase `name` of a file (the phase must be in it). */
export function phaseSamples(file: ResultFile, name: string): RunSamples {
  const index = file.result.phases.findIndex((p) => p.name === name);
  const phase = file.result.phases[index];
  const histograms = file.histograms[index];
  assert(phase !== undefined && histograms !== undefined, () => `phaseSamples: no phase ${name} in ${file.path}`);
  const series = histograms.series;
  assert(series !== null && series.length === phase.series.length, () => `phaseSamples: ${file.path} was read without its per-second histograms`);
  const units: SampleUnit[] = [];
  phase.series.forEach((point, j) => {
    if (isWholeMeasuredSecond(phase, point)) units.push({ opsPerSec: point.ops, ...series[j]! });
  });
  if (units.length > 0) return { path: file.path, units, unitKind: 'series' };
  return { path: file.path, units: [{ opsPerSec: phase.throughput.opsPerSec, ...histograms.corrected }], unitKind: 'phase' };
}

/**
 * The problem of a phase whose series has no point at all, as "FILE: phases[i].series: ...", or
 * null. Such a phase has no second to sample (a run stopped before the phase's first second ended
 * with nothing completed): the one-sample fallback would pass its empty phase for a measurement.
 * Result files may hold one (a partial result), so this is refused where phases are compared.
 */
export function emptySeriesProblem(path: string, result: RunResult, name: string): string | null {
  const index = result.phases.findIndex((p) => p.name === name);
  const phase = result.phases[index];
  if (phase === undefined || phase.series.length > 0) return null;
  return `${path}: phases[${index}].series: expected at least one per-second point to compare phase ${JSON.stringify(name)}, got an empty series${phase.interrupted ? ' (the phase was interrupted)' : ''}; a phase without per-second samples cannot be compared`;
}

/** Phase names present in every run of both sides, in the order of the first base file. */
export function commonPhases(files: readonly RunResult[]): string[] {
  const first = files[0];
  if (first === undefined) return [];
  return first.phases.map((p) => p.name).filter((name) => files.every((f) => f.phases.some((p) => p.name === name)));
}

export function findPhase(result: RunResult, name: string): PhaseResult {
  const phase = result.phases.find((p) => p.name === name);
  if (phase === undefined) throw new Error(`internal: phase ${name} missing`);
  return phase;
}
