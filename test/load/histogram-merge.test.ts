import { describe, expect, it } from 'vitest';
import { createMergeHistogram, createRecordingHistogram, decodeHistogram, encodeHistogram, mergeEncoded, percentilesOf } from '../../src/load/histogram.js';
import { mergeRecordings } from '../../src/load/merge.js';
import { FakeClock } from '../../src/load/clock.js';
import { Xoshiro128 } from '../../src/prng.js';
import { runNullPhase } from './helpers.js';

function latencySamples(n: number, seed: number): number[] {
  const rng = new Xoshiro128(seed);
  return Array.from({ length: n }, () => Math.round(50 + rng.next() ** 5 * 2_000_000));
}

describe('percentiles', () => {
  it('never report a percentile above the exact maximum', () => {
    const h = createRecordingHistogram();
    for (let i = 0; i < 99; i++) h.recordValue(1_000);
    h.recordValue(125_961);
    h.recordValue(125_961);
    // The bucket holding 125,961 µs reaches higher; the recorded maximum is exact.
    expect(h.getValueAtPercentile(99.9)).toBeGreaterThan(125_961);
    const p = percentilesOf(h);
    expect(p.maxUs).toBe(125_961);
    expect(p.p999Us).toBe(125_961);
    expect(p.p50Us).toBeLessThanOrEqual(1_001);
  });
});

describe('histogram merge', () => {
  it('merging worker histograms equals one histogram fed all samples', () => {
    const samples = latencySamples(30_000, 7);
    const workers = [createRecordingHistogram(), createRecordingHistogram(), createRecordingHistogram()];
    const whole = createMergeHistogram();
    samples.forEach((v, i) => {
      workers[i % 3]!.recordValue(v);
      whole.recordValue(v);
    });
    const merged = mergeEncoded(workers.map(encodeHistogram));
    for (const w of workers) w.destroy();
    expect(merged.totalCount).toBe(samples.length);
    for (const p of [1, 10, 50, 90, 99, 99.9, 99.99, 100]) expect(merged.getValueAtPercentile(p)).toBe(whole.getValueAtPercentile(p));
    expect(merged.mean).toBeCloseTo(whole.mean, 6);
    // Bucket for bucket: the same text as the whole histogram after the same encode/decode.
    expect(merged.outputPercentileDistribution(5, 1)).toBe(decodeHistogram(encodeHistogram(whole)).outputPercentileDistribution(5, 1));
  });

  it('an encoded histogram decodes to the same percentiles', () => {
    const h = createRecordingHistogram();
    for (const v of latencySamples(5000, 3)) h.recordValue(v);
    const decoded = decodeHistogram(encodeHistogram(h));
    for (const p of [1, 10, 50, 90, 99, 99.9, 100]) expect(decoded.getValueAtPercentile(p)).toBe(h.getValueAtPercentile(p));
    expect(decoded.totalCount).toBe(h.totalCount);
    h.destroy();
  });

  it('merging phase recordings sums counters and merges the per-second series', async () => {
    const phase = { type: 'open', name: 'o', rate: 500, arrival: 'constant', warmupSeconds: 1, seconds: 3 } as const;
    const a = (await runNullPhase(new FakeClock(), phase, { latencyUs: 300 })).recording;
    const b = (await runNullPhase(new FakeClock(), phase, { latencyUs: 900 })).recording;
    const merged = mergeRecordings([a, b]);
    expect(merged.counters.acked).toBe(a.counters.acked + b.counters.acked);
    expect(merged.series.length).toBe(Math.max(a.series.length, b.series.length));
    expect(merged.series[2]!.ops).toBe(a.series[2]!.ops + b.series[2]!.ops);
    expect(merged.series[0]!.warmup).toBe(true);
    expect(merged.series[2]!.p50Us).toBeGreaterThanOrEqual(299);
    const whole = mergeEncoded([a.corrected, b.corrected]);
    expect(decodeHistogram(merged.corrected).outputPercentileDistribution(5, 1)).toBe(whole.outputPercentileDistribution(5, 1));
  });
});
