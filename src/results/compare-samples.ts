// The samples `logbench compare` resamples: for each run and phase, one unit per second of the
// measured window (warm-up seconds, and the partial seconds at either edge, are dropped). A unit
// carries that second's op count and its latency histogram (corrected latency, µs) as sparse
// (value, count) arrays, so a bootstrap replicate merges histograms by adding counts instead of
// decoding HdrHistograms again. A phase without a usable series becomes one unit holding the
// whole phase (its throughput and its full histogram).
// Invariants: values are HdrHistogram highest-equivalent values (what getValueAtPercentile
// reports), sorted ascending within a unit; counts are positive.

import hdr from 'hdr-histogram-js';
import { isWholeMeasuredSecond } from './measured-seconds.js';
import type { PhaseResult, RunResult } from './result-types.js';

export interface SampleUnit {
  opsPerSec: number;
  /** Latency values, µs (bucket highest-equivalent values), ascending. */
  valuesUs: Float64Array;
  /** Bucket midpoints, µs (for the mean, as HdrHistogram computes it). */
  midsUs: Float64Array;
  counts: Float64Array;
}

export interface RunSamples {
  path: string;
  units: SampleUnit[];
  /** 'series': one unit per measured second; 'phase': the phase as one unit. */
  unitKind: 'series' | 'phase';
}

interface IndexedHistogram {
  countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
  medianEquivalentValue(value: number): number;
  totalCount: number;
}

/** Sparse form of an encoded HdrHistogram (base64). */
export function sparseHistogram(base64: string): Pick<SampleUnit, 'valuesUs' | 'midsUs' | 'counts'> {
  const histogram = hdr.decodeFromCompressedBase64(base64, 64, false) as unknown as IndexedHistogram;
  const values: number[] = [];
  const mids: number[] = [];
  const counts: number[] = [];
  if (histogram.totalCount > 0) {
    for (let i = 0; i < histogram.countsArrayLength; i++) {
      const count = histogram.getCountAtIndex(i);
      if (count <= 0) continue;
      const value = histogram.valueFromIndex(i);
      values.push(histogram.highestEquivalentValue(value));
      mids.push(histogram.medianEquivalentValue(value));
      counts.push(count);
    }
  }
  return { valuesUs: Float64Array.from(values), midsUs: Float64Array.from(mids), counts: Float64Array.from(counts) };
}

export function phaseSamples(path: string, phase: PhaseResult): RunSamples {
  const units: SampleUnit[] = [];
  for (const point of phase.series) {
    if (!isWholeMeasuredSecond(phase, point)) continue;
    units.push({ opsPerSec: point.ops, ...sparseHistogram(point.histogram) });
  }
  if (units.length > 0) return { path, units, unitKind: 'series' };
  return { path, units: [{ opsPerSec: phase.throughput.opsPerSec, ...sparseHistogram(phase.histograms.corrected) }], unitKind: 'phase' };
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
