// `logbench report`: one self-contained HTML page (inline CSS and SVG, no scripts, no network)
// for one or more result files: a summary table, throughput over time, the latency percentile
// spectrum (HdrHistogram style: x = 1/(1-p) on a log axis, so the tail gets the room), failover
// timelines with fault markers when a result has a failover section, and compare bars (the first
// file against each other one) when there are two or more.

import { basename } from 'node:path';
import { CompareInputError } from './compare-input.js';
import { buildComparison, type CompareReport } from './compare-report.js';
import { formatUs, formatValue } from './compare-format.js';
import { DEFAULT_COMPARE_OPTIONS } from './compare.js';
import { EDGE_SECONDS, isWholeMeasuredSecond } from './measured-seconds.js';
import { histogramOf, type SparseHistogram } from './sparse-histogram.js';
import { barChart, escapeXml, lineChart, type LineSeries, type Marker } from './svg-chart.js';
import type { ResultFile } from './validate.js';

/** A result file as read (with its per-second histograms when there are files to compare). */
export type ReportInput = ResultFile;

/** Spectrum resolution: points per decade of 1/(1-p). */
const SPECTRUM_STEPS_PER_DECADE = 10;

function labelOf(input: ReportInput, all: readonly ReportInput[]): string {
  const name = basename(input.path).replace(/\.json$/, '');
  const duplicates = all.filter((o) => basename(o.path) === basename(input.path)).length;
  return duplicates > 1 ? input.path : name;
}

/** (1/(1-p), latency ms) points of a phase's corrected histogram up to its max. */
export function spectrumPoints(corrected: SparseHistogram): Array<{ x: number; y: number }> {
  const histogram = histogramOf(corrected);
  const count = histogram.totalCount;
  if (count === 0) return [];
  const points: Array<{ x: number; y: number }> = [];
  const decadesMax = Math.max(1, Math.ceil(Math.log10(count)));
  for (let k = 0; k <= decadesMax * SPECTRUM_STEPS_PER_DECADE; k++) {
    const x = 10 ** (k / SPECTRUM_STEPS_PER_DECADE);
    const percentile = 100 * (1 - 1 / x);
    points.push({ x, y: histogram.getValueAtPercentile(percentile) / 1000 });
  }
  return points;
}

/**
 * A run's ops per second, phases back to back. Partial seconds (the last one of a phase, cut by
 * its end) are left out as compare leaves them out (measured-seconds.ts): 64 ops in the last
 * 50 ms would plot as a collapse to 0 that never happened.
 */
export function throughputSeries(input: Pick<ReportInput, 'result'>, label: string): LineSeries {
  const points: Array<{ x: number; y: number }> = [];
  let offset = 0;
  for (const phase of input.result.phases) {
    const whole = (point: (typeof phase.series)[number]): boolean => (point.warmup ? point.second + 1 <= phase.warmupSeconds + EDGE_SECONDS : isWholeMeasuredSecond(phase, point));
    for (const point of phase.series) if (whole(point)) points.push({ x: offset + point.second + 0.5, y: point.ops });
    offset += Math.max(phase.wallSeconds, phase.series.length);
  }
  return { name: label, points };
}

interface FailoverShape {
  bucketMs: number;
  startMs: number;
  markers: Array<{ atMs: number; kind: string; target: string; endAtMs: number | null; scheduled: boolean }>;
  leaderEvents: Array<{ atMs: number; member: string; role: string }>;
  timeline: { commits: number[]; errors: number[] };
}

/** The failover section when it has the shape the charts need (it is free-form in the schema). */
export function failoverShape(value: unknown): FailoverShape | null {
  const v = value as Partial<FailoverShape> | null;
  if (v === null || typeof v !== 'object') return null;
  if (typeof v.bucketMs !== 'number' || typeof v.startMs !== 'number' || !Array.isArray(v.markers)) return null;
  const timeline = v.timeline as Partial<FailoverShape['timeline']> | undefined;
  if (timeline === undefined || !Array.isArray(timeline.commits)) return null;
  return {
    bucketMs: v.bucketMs,
    startMs: v.startMs,
    markers: v.markers.filter((m) => typeof m?.atMs === 'number'),
    leaderEvents: Array.isArray(v.leaderEvents) ? v.leaderEvents.filter((e) => typeof e?.atMs === 'number') : [],
    timeline: { commits: timeline.commits, errors: Array.isArray(timeline.errors) ? timeline.errors : [] },
  };
}

function failoverChart(input: ReportInput, label: string, index: number): string | null {
  const shape = failoverShape(input.result.failover);
  if (shape === null) return null;
  const perSecond = 1000 / shape.bucketMs;
  const toX = (ms: number): number => (ms - shape.startMs) / 1000;
  const commits: LineSeries = { name: 'commits/s', points: shape.timeline.commits.map((c, i) => ({ x: (i * shape.bucketMs) / 1000, y: c * perSecond })) };
  const errors: LineSeries = { name: 'errors/s', points: shape.timeline.errors.map((c, i) => ({ x: (i * shape.bucketMs) / 1000, y: c * perSecond })), dashed: true };
  const markers: Marker[] = shape.markers.map((m) => ({ x: toX(m.atMs), label: `${m.kind} ${m.target}`, untilX: m.endAtMs === null ? null : toX(m.endAtMs) }));
  for (const event of shape.leaderEvents.filter((e) => e.role === 'leader')) markers.push({ x: toX(event.atMs), label: `leader ${event.member}` });
  return lineChart({
    id: `failover-${index}`,
    title: `Failover timeline: ${label} (${shape.bucketMs} ms buckets)`,
    xLabel: 'seconds since load start',
    yLabel: 'per second',
    series: [commits, errors],
    markers,
  });
}

function compareSection(inputs: readonly ReportInput[]): { html: string; reports: CompareReport[] } {
  const base = inputs[0]!;
  const reports: CompareReport[] = [];
  const charts: string[] = [];
  const refused: string[] = [];
  inputs.slice(1).forEach((head, i) => {
    let report: CompareReport;
    try {
      report = buildComparison({ kind: 'result', base: [base], head: [head] }, { ...DEFAULT_COMPARE_OPTIONS, metrics: ['throughput', 'p50', 'p99', 'p99.9'], resamples: 1000 }, true);
    } catch (error) {
      // A pair `logbench compare` refuses (a phase without samples) gets no bars, only the reason.
      if (!(error instanceof CompareInputError)) throw error;
      refused.push(...error.message.split('\n').map((line) => `${labelOf(head, inputs)} vs ${labelOf(base, inputs)} not compared: ${line}`));
      return;
    }
    reports.push(report);
    charts.push(
      barChart({
        id: `compare-${i + 1}`,
        title: `Change: ${labelOf(head, inputs)} vs ${labelOf(base, inputs)} (bars: change, whiskers: ${Math.round(report.options.confidence * 100)}% interval)`,
        unit: '%',
        bars: report.rows.map((r) => ({
          label: `${r.group} ${r.metric} (${r.verdict})`,
          value: r.changePercent,
          low: r.ciLowPercent,
          high: r.ciHighPercent,
          tone: r.verdict === 'regressed' ? 'regressed' : r.verdict === 'improved' ? 'improved' : 'neutral',
        })),
      }),
    );
  });
  const notes = [...refused, ...reports.flatMap((r) => r.differences.filter((d) => d.refuse).map((d) => `${d.field} differs: ${d.base} vs ${d.head} (compared anyway)`))];
  const html = charts.join('\n') + (notes.length > 0 ? `<ul class="warnings">${[...new Set(notes)].map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>` : '');
  return { html, reports };
}

function summaryTable(inputs: readonly ReportInput[]): string {
  const rows: string[] = [];
  for (const input of inputs) {
    const r = input.result;
    for (const phase of r.phases) {
      const l = phase.latencyUs.corrected;
      // A saturated generator measured itself: its numbers are withheld, never shown as the system's.
      const numbers = phase.generator.saturated
        ? `<td class="saturated" colspan="5"><b>SATURATED</b>: the load generator was the bottleneck; these numbers describe it, not the system</td>`
        : `<td class="n">${escapeXml(formatValue({ unit: 'ops/s' }, phase.throughput.opsPerSec))}</td><td class="n">${formatUs(l.p50Us)}</td><td class="n">${formatUs(l.p99Us)}</td><td class="n">${formatUs(l.p999Us)}</td><td class="n">${formatUs(l.maxUs)}</td>`;
      rows.push(
        `<tr><td>${escapeXml(labelOf(input, inputs))}</td><td>${escapeXml(r.scenario.name)}</td><td>${escapeXml(r.system.name)}</td><td>${escapeXml((r.environment.git.commit ?? '-').slice(0, 10))}${r.environment.git.dirty === true ? ' (dirty)' : ''}</td><td>${escapeXml(phase.name)}</td>${numbers}<td>${phase.generator.saturated ? '<b>saturated</b>' : 'ok'}</td></tr>`,
      );
    }
  }
  return `<table><thead><tr><th>result</th><th>scenario</th><th>system</th><th>commit</th><th>phase</th><th>ops/s</th><th>p50</th><th>p99</th><th>p99.9</th><th>max</th><th>generator</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function buildHtmlReport(inputs: readonly ReportInput[], generatedAt: Date): string {
  const labels = inputs.map((i) => labelOf(i, inputs));
  const sections: string[] = [];
  sections.push(`<h2>Summary</h2>${summaryTable(inputs)}`);
  sections.push(
    `<h2>Throughput over time</h2>${lineChart({ id: 'throughput', title: 'Throughput (ops per second, phases back to back, warm-up included)', xLabel: 'seconds since run start', yLabel: 'ops/s', series: inputs.map((input, i) => throughputSeries(input, labels[i]!)) })}`,
  );
  const spectrum: LineSeries[] = [];
  let closedPhases = 0;
  let openPhases = 0;
  const saturated: string[] = [];
  inputs.forEach((input, i) => {
    input.result.phases.forEach((phase, j) => {
      if (phase.generator.saturated) {
        saturated.push(`${labels[i]} ${phase.name}`);
        return;
      }
      if (phase.generator.coordinatedOmissionCorrected) openPhases++;
      else closedPhases++;
      spectrum.push({ name: `${labels[i]} ${phase.name}`, points: spectrumPoints(input.histograms[j]!.corrected) });
    });
  });
  // Closed-loop phases hold service times: only open-loop phases are corrected.
  const spectrumKind = closedPhases === 0 ? 'corrected for coordinated omission' : openPhases === 0 ? 'closed loop: service time, not corrected for coordinated omission' : 'open-loop phases corrected for coordinated omission, closed-loop phases service time';
  sections.push(
    `<h2>Latency by percentile</h2>${lineChart({
      id: 'spectrum',
      title: `Commit latency percentile spectrum (${spectrumKind})`,
      xLabel: 'percentile (log scale of 1/(1-p))',
      yLabel: 'latency, ms',
      xLog: true,
      xTickLabel: (x) => (x <= 1 ? '0%' : `${(100 * (1 - 1 / x)).toFixed(Math.max(0, Math.round(Math.log10(x)) - 2))}%`),
      series: spectrum,
    })}${saturated.length > 0 ? `<p class="note">Not plotted: ${escapeXml(saturated.join(', '))} (generator saturated: its latencies describe the load generator, not the system).</p>` : ''}`,
  );
  const failovers = inputs.map((input, i) => failoverChart(input, labels[i]!, i)).filter((c): c is string => c !== null);
  if (failovers.length > 0) sections.push(`<h2>Failover</h2>${failovers.join('\n')}`);
  if (inputs.length >= 2) sections.push(`<h2>Comparison</h2>${compareSection(inputs).html}`);
  const warnings = inputs.flatMap((input) => [...input.result.warnings, ...input.result.phases.flatMap((p) => p.generator.warnings)].map((w) => `${labelOf(input, inputs)}: ${w}`));
  if (warnings.length > 0) sections.push(`<h2>Warnings</h2><ul class="warnings">${warnings.map((w) => `<li>${escapeXml(w)}</li>`).join('')}</ul>`);
  const env = inputs[0]!.result.environment;
  const style = `body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}table{border-collapse:collapse;font-size:13px;background:#fff}
td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
svg.chart{display:block;margin:8px 0;border:1px solid #ddd}.warnings li{color:#8a4b00}td.saturated,.note{color:#8a4b00}.env{font-size:12px;color:#555}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>logbench report</title><style>${style}</style></head>
<body>
<h1>logbench report: ${escapeXml(labels.join(', '))}</h1>
<p class="env">${escapeXml(`${env.cpuModel}, ${env.cores} cores, ${env.kernel}, filesystem ${env.filesystem ?? '-'}, node ${env.node}; generated ${generatedAt.toISOString()}`)}</p>
${sections.join('\n')}
</body></html>
`;
}
