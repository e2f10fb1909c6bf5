// Micro-benchmarks of latency recording: the cost of recording one sample into the recorder's
// histogram (hdr-histogram-js WebAssembly Int32, as src/load/histogram.ts uses) against the
// library's pure-JS Int32 and packed histograms, and of encoding a phase histogram to base64.
// Each task records BATCH samples per iteration, so tinybench's per-iteration overhead does not
// dominate: ns/sample = the task's mean / BATCH.

import type { Bench } from 'tinybench';
import hdr from 'hdr-histogram-js';
import { createRecordingHistogram, encodeHistogram, LATENCY_US_HIGHEST, SIGNIFICANT_DIGITS } from '../../src/load/histogram.js';
import { Xoshiro128 } from '../../src/prng.js';

export const BATCH = 1000;

function samples(): Float64Array {
  // Latency-like values: mostly 100 µs .. 5 ms with a long tail.
  const rng = new Xoshiro128(42);
  const values = new Float64Array(4096);
  for (let i = 0; i < values.length; i++) values[i] = Math.round(100 + rng.next() ** 4 * 50_000);
  return values;
}

export function register(bench: Bench): void {
  const values = samples();
  const mask = values.length - 1;
  let cursor = 0;
  const recordBatch = (h: { recordValue(v: number): void }) => () => {
    for (let i = 0; i < BATCH; i++) h.recordValue(values[(cursor++) & mask]!);
  };
  const wasm = createRecordingHistogram();
  const jsInt32 = hdr.build({ bitBucketSize: 32, autoResize: false, highestTrackableValue: LATENCY_US_HIGHEST, numberOfSignificantValueDigits: SIGNIFICANT_DIGITS });
  const packed = hdr.build({ bitBucketSize: 'packed', autoResize: false, highestTrackableValue: LATENCY_US_HIGHEST, numberOfSignificantValueDigits: SIGNIFICANT_DIGITS });
  bench.add(`histogram: record ${BATCH} samples, wasm int32 (used)`, recordBatch(wasm));
  bench.add(`histogram: record ${BATCH} samples, js int32`, recordBatch(jsInt32));
  bench.add(`histogram: record ${BATCH} samples, js packed`, recordBatch(packed));
  bench.add('histogram: encode phase histogram to base64', () => {
    encodeHistogram(wasm);
  });
}
