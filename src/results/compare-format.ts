// Prints a CompareReport: a terminal table (text), a pull-request comment (markdown: one table,
// plain verdict words, no emoji), or the report object itself (json).

import type { CompareReport } from './compare-report.js';
import type { MetricRow } from './compare.js';

export const COMPARE_FORMATS = ['text', 'md', 'json'] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

export function formatUs(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(2)}ms`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}

export function formatValue(row: Pick<MetricRow, 'unit'>, value: number): string {
  if (row.unit === 'us') return formatUs(value);
  if (!Number.isFinite(value)) return '-';
  return `${Math.round(value).toLocaleString('en-US')}/s`;
}

function signed(percent: number): string {
  if (!Number.isFinite(percent)) return percent > 0 ? '+inf%' : '-';
  const text = percent.toFixed(1);
  return percent > 0 ? `+${text}%` : `${text}%`;
}

function interval(row: MetricRow): string {
  if (row.ciLowPercent === null || row.ciHighPercent === null) return 'n/a';
  return `[${signed(row.ciLowPercent)}, ${signed(row.ciHighPercent)}]`;
}

function summaryWord(report: CompareReport): string {
  if (report.ledgerFailures.some((f) => f.side === 'head')) return 'regressed (correctness ledger failed)';
  if (report.rows.length === 0) return 'nothing compared';
  if (report.regressed) return 'regressed';
  if (report.improved) return 'improved';
  if (report.rows.length > 0 && report.rows.every((r) => r.verdict === 'inconclusive')) return 'inconclusive';
  return 'no significant change';
}

function counts(report: CompareReport): string {
  const regressed = report.rows.filter((r) => r.verdict === 'regressed').length;
  const improved = report.rows.filter((r) => r.verdict === 'improved').length;
  const inconclusive = report.rows.filter((r) => r.verdict === 'inconclusive').length;
  const rest = report.rows.length - regressed - improved - inconclusive;
  return `${regressed} regressed, ${improved} improved, ${rest} without significant change${inconclusive > 0 ? `, ${inconclusive} inconclusive` : ''} of ${report.rows.length} metrics`;
}

function methodLine(report: CompareReport): string {
  const o = report.options;
  return `method: ${report.method}; ${Math.round(o.confidence * 100)}% interval, ${o.resamples} resamples, seed ${o.seed}; a change counts when its interval excludes 0 and it is at least ${o.thresholdPercent}%${o.noiseFloorPercent > 0 ? `; throughput intervals at least ±${o.noiseFloorPercent}% (calibrated noise floor)` : ''}`;
}

export function formatText(report: CompareReport): string {
  const lines: string[] = [];
  lines.push(`base: ${report.base.files.join(' ')}`);
  lines.push(`head: ${report.head.files.join(' ')}`);
  const groupLabel = report.kind === 'micro' ? 'task' : 'phase';
  const table = [[groupLabel, 'metric', 'base', 'head', 'change', `${Math.round(report.options.confidence * 100)}% CI`, 'samples', 'verdict']];
  for (const row of report.rows) {
    table.push([row.group, row.metric, formatValue(row, row.base), formatValue(row, row.head), signed(row.changePercent), interval(row), `${row.baseSamples}/${row.headSamples}`, row.verdict]);
  }
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const row of table) lines.push(row.map((cell, c) => (c >= 2 && c <= 6 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd());
  const notes = [...new Set(report.rows.map((r) => r.note).filter((n): n is string => n !== null))];
  for (const note of notes) lines.push(`note: ${note}`);
  for (const d of report.differences) lines.push(`${d.refuse ? 'forced' : 'note'}: ${d.field} differs: ${d.base} (${d.baseFile}) vs ${d.head} (${d.headFile})`);
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  lines.push(methodLine(report));
  lines.push(`verdict: ${summaryWord(report)} (${counts(report)})`);
  return lines.join('\n');
}

function mdEscape(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function formatMarkdown(report: CompareReport): string {
  const lines: string[] = [];
  const title = report.kind === 'micro' ? 'logbench micro-benchmark comparison' : 'logbench comparison';
  lines.push(`### ${title}: **${summaryWord(report)}**`);
  lines.push('');
  lines.push(`${counts(report)}. Base: ${report.base.files.map((f) => `\`${f}\``).join(', ')}; head: ${report.head.files.map((f) => `\`${f}\``).join(', ')}.`);
  lines.push('');
  const groupLabel = report.kind === 'micro' ? 'task' : 'phase';
  lines.push(`| ${groupLabel} | metric | base | head | change | ${Math.round(report.options.confidence * 100)}% CI | verdict |`);
  lines.push('|---|---|--:|--:|--:|--:|---|');
  for (const row of report.rows) {
    const verdict = row.verdict === 'regressed' || row.verdict === 'improved' ? `**${row.verdict}**` : row.verdict;
    lines.push(`| ${mdEscape(row.group)} | ${row.metric} | ${formatValue(row, row.base)} | ${formatValue(row, row.head)} | ${signed(row.changePercent)} | ${interval(row)} | ${verdict} |`);
  }
  lines.push('');
  const notes = [...new Set(report.rows.map((r) => r.note).filter((n): n is string => n !== null))];
  const extra = [
    ...notes.map((n) => `note: ${n}`),
    ...report.differences.map((d) => `${d.refuse ? 'forced' : 'note'}: \`${d.field}\` differs: ${mdEscape(d.base)} vs ${mdEscape(d.head)}`),
    ...report.warnings.map((w) => `warning: ${mdEscape(w)}`),
  ];
  for (const line of extra) lines.push(`- ${line}`);
  if (extra.length > 0) lines.push('');
  lines.push(`<sub>${mdEscape(methodLine(report))}</sub>`);
  return lines.join('\n');
}

export function formatReport(report: CompareReport, format: CompareFormat): string {
  switch (format) {
    case 'text':
      return formatText(report);
    case 'md':
      return formatMarkdown(report);
    case 'json':
      return JSON.stringify(report, null, 2);
  }
}
