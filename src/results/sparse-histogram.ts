// A decoded latency histogram in sparse form: for each non-empty bucket, its highest-equivalent
// value (what HdrHistogram's getValueAtPercentile reports), its median-equivalent value (what its
// mean uses) and its count. A result file's histograms are decoded once, when the file is read
// (validate.ts), into this form: it is small enough to keep for every second of a long series,
// which a decoded HdrHistogram (some 190 KB of counts each) is not.
// Invariants: the three arrays have one entry per non-empty bucket; values ascend; counts > 0.

import type { Histogram } from 'hdr-histogram-js';
import { createMergeHistogram } from '../load/histogram.js';

export interface SparseHistogram {
  /** Bucket highest-equivalent values, µs, ascending. */
  valuesUs: Float64Array;
  /** Bucket median-equivalent values, µs. */
  midsUs: Float64Array;
  counts: Float64Array;
}

/** The bucket-level methods every hdr-histogram-js histogram has but its types do not list. */
interface IndexedHistogram {
  countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
  medianEquivalentValue(value: number): number;
  totalCount: number;
}

export function sparseOf(histogram: Histogram): SparseHistogram {
  const indexed = histogram as unknown as IndexedHistogram;
  const values: number[] = [];
  const mids: number[] = [];
  const counts: number[] = [];
  if (indexed.totalCount > 0) {
    for (let i = 0; i < indexed.countsArrayLength; i++) {
      const count = indexed.getCountAtIndex(i);
      if (count <= 0) continue;
      const value = indexed.valueFromIndex(i);
      values.push(indexed.highestEquivalentValue(value));
      mids.push(indexed.medianEquivalentValue(value));
      counts.push(count);
    }
  }
  return { valuesUs: Float64Array.from(values), midsUs: Float64Array.from(mids), counts: Float64Array.from(counts) };
}

/**
 * A histogram again, for HdrHistogram's own percentile and .hgrm routines. Each bucket's count is
 * recorded at the bucket's highest-equivalent value, so it lands in the same bucket of the same
 * layout (the project's, which decodeHistogram re-homes into): percentiles, mean, min, max and
 * the .hgrm text equal those of the histogram the sparse form was taken from.
 */
export function histogramOf(sparse: SparseHistogram): Histogram {
  const histogram = createMergeHistogram();
  for (let i = 0; i < sparse.counts.length; i++) histogram.recordValueWithCount(sparse.valuesUs[i]!, sparse.counts[i]!);
  return histogram;
}
