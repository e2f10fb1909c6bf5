// Latency histograms: hdr-histogram-js, values in µs, 3 significant digits, 1 µs .. 1 hour.
//
// Recording uses the library's WebAssembly Int32 histogram: measured on this project's 2-core
// machine (bench/micro/histogram.ts) it records one sample in ~30 ns, against ~200 ns for the
// pure-JS Int32/Float64 histograms (they compute the bucket with Math.log2/pow) and ~700 ns for
// the packed one. WASM histograms live outside the JS heap and must be destroy()ed: recording
// histograms are owned by one PhaseRecorder, which encodes and destroys them when it finishes.
// Everything downstream (merge, percentiles, result files, export) uses the mergeable base64
// encoding, decoded into plain JS Float64 histograms that the garbage collector owns.

import hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { round1 } from '../round.js';

export const LATENCY_US_LOWEST = 1;
export const LATENCY_US_HIGHEST = 3_600_000_000;
export const SIGNIFICANT_DIGITS = 3;

let wasmReady = false;

/** A fast recording histogram (WASM); the caller must call destroy() when done with it. */
export function createRecordingHistogram(): Histogram {
  if (!wasmReady) {
    hdr.initWebAssemblySync();
    wasmReady = true;
  }
  return hdr.build({
    bitBucketSize: 32,
    useWebAssembly: true,
    autoResize: false,
    lowestDiscernibleValue: LATENCY_US_LOWEST,
    highestTrackableValue: LATENCY_US_HIGHEST,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
  });
}

/** A garbage-collected histogram for merging and reading (64-bit counts). */
export function createMergeHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 64,
    autoResize: false,
    lowestDiscernibleValue: LATENCY_US_LOWEST,
    highestTrackableValue: LATENCY_US_HIGHEST,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
  });
}

/** Clamps into the trackable range and rounds to whole µs (recordValue throws beyond the range). */
export function toRecordableUs(valueUs: number): number {
  if (!(valueUs > 0)) return 0;
  if (valueUs >= LATENCY_US_HIGHEST) return LATENCY_US_HIGHEST;
  return Math.round(valueUs);
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(base64: string): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(base64, 64, false);
  // Re-home into the project's standard range so that add() between histograms always works.
  const target = createMergeHistogram();
  target.add(decoded);
  return target;
}

/** One histogram holding every sample of all the given encoded histograms. */
export function mergeEncoded(encoded: readonly string[]): Histogram {
  const target = createMergeHistogram();
  for (const item of encoded) target.add(decodeHistogram(item));
  return target;
}

export interface LatencyPercentiles {
  count: number;
  meanUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  p9999Us: number;
  maxUs: number;
}

/**
 * The p-th percentile, never above the recorded maximum. HdrHistogram reports a percentile as the
 * highest value of its bucket, which can exceed the exact maximum it also keeps (a p99 of 126,015
 * beside a max of 125,961 µs); the maximum is exact, so it caps the percentile.
 */
export function valueAtPercentile(histogram: Histogram, percentile: number): number {
  return Math.min(histogram.getValueAtPercentile(percentile), histogram.maxValue);
}

export function percentilesOf(histogram: Histogram): LatencyPercentiles {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, meanUs: 0, p50Us: 0, p90Us: 0, p99Us: 0, p999Us: 0, p9999Us: 0, maxUs: 0 };
  return {
    count,
    meanUs: round1(histogram.mean),
    p50Us: valueAtPercentile(histogram, 50),
    p90Us: valueAtPercentile(histogram, 90),
    p99Us: valueAtPercentile(histogram, 99),
    p999Us: valueAtPercentile(histogram, 99.9),
    p9999Us: valueAtPercentile(histogram, 99.99),
    maxUs: histogram.maxValue,
  };
}
