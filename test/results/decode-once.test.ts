// Each histogram of a result file is decoded once per read: the check that it decodes
// (validate.ts) keeps what the readers then use, so compare, report and export-hgrm do not decode
// it again. Counted by wrapping hdr-histogram-js's decoder.

import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeHistogram } from '../../src/load/histogram.js';
import { loadSides } from '../../src/results/compare-input.js';
import { buildComparison } from '../../src/results/compare-report.js';
import { DEFAULT_COMPARE_OPTIONS } from '../../src/results/compare.js';
import { selectPhaseIndex, toHgrm } from '../../src/results/hgrm.js';
import { buildHtmlReport, spectrumPoints } from '../../src/results/report-html.js';
import type { RunResult } from '../../src/results/result-types.js';
import { histogramOf } from '../../src/results/sparse-histogram.js';
import { readResultFile, ResultFileError } from '../../src/results/validate.js';
import { syntheticResult, tempDir } from './compare-fixtures.js';

const decoded = vi.hoisted(() => ({ calls: 0 }));

vi.mock('hdr-histogram-js', async (importOriginal) => {
  const hdr = ((await importOriginal()) as { default: Record<string, unknown> & { decodeFromCompressedBase64: (...args: unknown[]) => unknown } }).default;
  const decodeFromCompressedBase64 = (...args: unknown[]): unknown => {
    decoded.calls++;
    return hdr.decodeFromCompressedBase64(...args);
  };
  return { default: { ...hdr, decodeFromCompressedBase64 } };
});

const tmp = tempDir('logbench-decode-once-');
afterAll(() => tmp.cleanup());
beforeEach(() => {
  decoded.calls = 0;
});

/** The histograms a result file holds: three per phase and one per second of each series. */
function histogramsIn(result: RunResult): number {
  return result.phases.reduce((sum, phase) => sum + 3 + phase.series.length, 0);
}

describe('histograms are decoded once per file read', () => {
  const base = syntheticResult({ seed: 41, seconds: 8 });
  const head = syntheticResult({ seed: 42, seconds: 8, opsPerSec: 40_000 });
  const basePath = tmp.write('base.json', base);
  const headPath = tmp.write('head.json', head);
  const options = { ...DEFAULT_COMPARE_OPTIONS, resamples: 100 };

  it('by compare', () => {
    const report = buildComparison(loadSides([basePath], [headPath]), options, false);
    expect(report.rows.length).toBeGreaterThan(0);
    expect(decoded.calls).toBe(histogramsIn(base) + histogramsIn(head));
  });

  it('by compare, for a phase without a whole measured second (used as one sample)', () => {
    const short = syntheticResult({ seed: 43, seconds: 8 });
    short.phases[0]!.series = short.phases[0]!.series.slice(0, 1);
    const shortPath = tmp.write('short.json', short);
    buildComparison(loadSides([basePath], [shortPath]), options, true);
    expect(decoded.calls).toBe(histogramsIn(base) + histogramsIn(short));
  });

  it('by report, its spectrum and its comparison', () => {
    const inputs = [basePath, headPath].map((path) => readResultFile(path, { keepSeries: true }));
    expect(buildHtmlReport(inputs, new Date(0))).toContain('Latency by percentile');
    expect(decoded.calls).toBe(histogramsIn(base) + histogramsIn(head));
  });

  it('by export-hgrm', () => {
    const file = readResultFile(basePath);
    const index = selectPhaseIndex(file.result, undefined, basePath);
    expect(toHgrm(file.histograms[index]!, false)).toContain('Value     Percentile TotalCount 1/(1-Percentile)');
    expect(toHgrm(file.histograms[index]!, true)).toContain('#[Max');
    expect(decoded.calls).toBe(histogramsIn(base));
  });
});

describe('what reading keeps stands for the encoded histogram', () => {
  const result = syntheticResult({ seed: 44, seconds: 5 });
  const path = tmp.write('kept.json', result);

  it('the same .hgrm text and percentiles', () => {
    const phase = result.phases[0]!;
    const kept = readResultFile(path).histograms[0]!;
    expect(toHgrm(kept, false)).toBe(decodeHistogram(phase.histograms.corrected).outputPercentileDistribution(5, 1000));
    expect(toHgrm(kept, true)).toBe(decodeHistogram(phase.histograms.serviceTime).outputPercentileDistribution(5, 1000));
    const decoded = decodeHistogram(phase.histograms.corrected);
    const rebuilt = histogramOf(kept.corrected);
    for (const p of [0, 50, 99, 99.99, 100]) expect(rebuilt.getValueAtPercentile(p), `p${p}`).toBe(decoded.getValueAtPercentile(p));
    expect(spectrumPoints(kept.corrected).length).toBeGreaterThan(10);
  });

  it('a per-second histogram that does not decode is refused whether or not it is kept', () => {
    const bad = syntheticResult({ seed: 45, seconds: 5 });
    bad.phases[0]!.series[3]!.histogram = Buffer.from('not a histogram at all').toString('base64');
    const badPath = tmp.write('bad-series.json', bad);
    for (const keepSeries of [false, true]) {
      expect(() => readResultFile(badPath, { keepSeries })).toThrow(ResultFileError);
      expect(() => readResultFile(badPath, { keepSeries })).toThrow(`${badPath}: phases[0].series[3].histogram: not a valid HdrHistogram (compressed base64, V2 encoding): `);
    }
  });
});
