// Merges the recordings of the workers that ran one phase into one recording, as if a single
// generator had recorded every sample: histograms are added bucket by bucket (HdrHistogram add
// is exact for histograms of the same layout), counters summed, series merged second by second.

import { assert } from '../assert.js';
import { encodeHistogram, mergeEncoded, valueAtPercentile } from './histogram.js';
import type { GeneratorCounters, PhaseRecording, SeriesPoint } from './recording-types.js';

const ERROR_SAMPLES_MAX = 5;

export function mergeRecordings(parts: readonly PhaseRecording[]): PhaseRecording {
  assert(parts.length > 0, 'mergeRecordings needs at least one recording');
  if (parts.length === 1) return parts[0]!;
  const counters = {} as GeneratorCounters;
  for (const key of Object.keys(parts[0]!.counters) as Array<keyof GeneratorCounters>) {
    counters[key] = parts.reduce((sum, p) => sum + p.counters[key], 0);
  }
  const secondsMax = Math.max(...parts.map((p) => p.series.length));
  const series: SeriesPoint[] = [];
  for (let second = 0; second < secondsMax; second++) {
    const points = parts.map((p) => p.series[second]).filter((p): p is SeriesPoint => p !== undefined);
    const merged = mergeEncoded(points.map((p) => p.histogram));
    series.push({
      second,
      warmup: points.some((p) => p.warmup),
      ops: points.reduce((s, p) => s + p.ops, 0),
      errors: points.reduce((s, p) => s + p.errors, 0),
      p50Us: merged.totalCount > 0 ? valueAtPercentile(merged, 50) : 0,
      p99Us: merged.totalCount > 0 ? valueAtPercentile(merged, 99) : 0,
      maxUs: merged.totalCount > 0 ? merged.maxValue : 0,
      histogram: encodeHistogram(merged),
    });
  }
  return {
    measuredUs: Math.max(...parts.map((p) => p.measuredUs)),
    counters,
    corrected: encodeHistogram(mergeEncoded(parts.map((p) => p.corrected))),
    serviceTime: encodeHistogram(mergeEncoded(parts.map((p) => p.serviceTime))),
    scheduleLag: encodeHistogram(mergeEncoded(parts.map((p) => p.scheduleLag))),
    completionGapUsMax: Math.max(...parts.map((p) => p.completionGapUsMax)),
    series,
    errorSamples: parts.flatMap((p) => p.errorSamples).slice(0, ERROR_SAMPLES_MAX),
  };
}
