// Inline SVG charts for the HTML report: line charts (linear or log-10 x axis, vertical markers
// with labels, shaded spans) and horizontal bars with interval whiskers. Output is a string of
// plain SVG with no scripts and no external references, so the report opens offline.
// Invariants: every number written is finite (non-finite points are dropped), and every text is
// XML-escaped.

import { round1 } from '../round.js';

export interface LinePoint {
  x: number;
  y: number;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
  dashed?: boolean;
}

export interface Marker {
  x: number;
  label: string;
  /** Shaded until this x (a fault that lasted), when given. */
  untilX?: number | null;
}

export interface LineChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  xLog?: boolean;
  markers?: Marker[];
  /** Tick labels for a log x axis, e.g. 1/(1-p) → "99%". */
  xTickLabel?: (x: number) => string;
  yTickLabel?: (y: number) => string;
  width?: number;
  height?: number;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(n: number): string {
  return round1(n).toString();
}

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Math.round(v / step) * step);
  return ticks;
}

export function compactNumber(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${fmt(n / 1e9)}G`;
  if (abs >= 1e6) return `${fmt(n / 1e6)}M`;
  if (abs >= 1e3) return `${fmt(n / 1e3)}k`;
  return fmt(n);
}

export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 900;
  const left = 70;
  const right = 170;
  const title = titleText(spec.title, left, width - left - 10);
  const height = (spec.height ?? 360) + title.extraPx;
  const top = 36 + title.extraPx;
  const bottom = 48;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const tx = (x: number): number => (spec.xLog === true ? Math.log10(x) : x);
  const series = spec.series.map((s) => ({ ...s, points: s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (spec.xLog !== true || p.x > 0)) }));
  const all = series.flatMap((s) => s.points);
  const markers = (spec.markers ?? []).filter((m) => Number.isFinite(m.x));
  const xs = [...all.map((p) => tx(p.x)), ...markers.map((m) => tx(m.x))];
  const xMin = xs.length > 0 ? Math.min(...xs) : 0;
  const xMax = xs.length > 0 ? Math.max(...xs, xMin + 1e-9) : 1;
  const yMax = Math.max(1e-9, ...all.map((p) => p.y)) * 1.08;
  const sx = (x: number): number => left + ((tx(x) - xMin) / (xMax - xMin || 1)) * plotW;
  const sy = (y: number): number => top + plotH - (y / yMax) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" id="${escapeXml(spec.id)}" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(spec.title)}">`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(title.svg);
  // Axes and grid.
  const yTicks = niceTicks(0, yMax, 5);
  for (const v of yTicks) {
    const y = sy(v);
    out.push(`<line x1="${left}" y1="${fmt(y)}" x2="${left + plotW}" y2="${fmt(y)}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${left - 6}" y="${fmt(y + 4)}" font-size="11" text-anchor="end" fill="#444">${escapeXml((spec.yTickLabel ?? compactNumber)(v))}</text>`);
  }
  const xTicks = spec.xLog === true ? range(Math.floor(xMin), Math.ceil(xMax)).map((e) => 10 ** e) : niceTicks(xMin, xMax, 8);
  for (const v of xTicks) {
    if (tx(v) < xMin - 1e-9 || tx(v) > xMax + 1e-9) continue;
    const x = sx(v);
    out.push(`<line x1="${fmt(x)}" y1="${top}" x2="${fmt(x)}" y2="${top + plotH}" stroke="#eeeeee"/>`);
    out.push(`<text x="${fmt(x)}" y="${top + plotH + 16}" font-size="11" text-anchor="middle" fill="#444">${escapeXml((spec.xTickLabel ?? compactNumber)(v))}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${left + plotW / 2}" y="${height - 8}" font-size="12" text-anchor="middle" fill="#222">${escapeXml(spec.xLabel)}</text>`);
  out.push(`<text x="16" y="${top + plotH / 2}" font-size="12" text-anchor="middle" fill="#222" transform="rotate(-90 16 ${top + plotH / 2})">${escapeXml(spec.yLabel)}</text>`);
  // Fault markers (behind the lines).
  markers.forEach((m, i) => {
    const x = sx(m.x);
    if (m.untilX !== undefined && m.untilX !== null && Number.isFinite(m.untilX) && m.untilX > m.x) {
      out.push(`<rect class="fault-span" x="${fmt(x)}" y="${top}" width="${fmt(Math.max(1, sx(m.untilX) - x))}" height="${plotH}" fill="#ffcccc" fill-opacity="0.45"/>`);
    }
    out.push(`<line class="fault-marker" x1="${fmt(x)}" y1="${top}" x2="${fmt(x)}" y2="${top + plotH}" stroke="#b00000" stroke-width="1.5" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${fmt(x + 3)}" y="${top + 12 + (i % 3) * 12}" font-size="10" fill="#b00000">${escapeXml(m.label)}</text>`);
  });
  // Lines and legend.
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    if (s.points.length > 0) {
      const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${fmt(sx(p.x))},${fmt(sy(p.y))}`).join(' ');
      out.push(`<path class="series" d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}><title>${escapeXml(s.name)}</title></path>`);
    }
    const ly = top + 14 + i * 18;
    out.push(`<line x1="${left + plotW + 12}" y1="${ly - 4}" x2="${left + plotW + 32}" y2="${ly - 4}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${left + plotW + 36}" y="${ly}" font-size="11" fill="#222">${escapeXml(truncate(s.name, 22))}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

export interface Bar {
  label: string;
  value: number;
  low: number | null;
  high: number | null;
  /** Fill colour class: regressed, improved or neutral. */
  tone: 'regressed' | 'improved' | 'neutral';
}

const TONE_COLOR = { regressed: '#d62728', improved: '#2ca02c', neutral: '#7f7f7f' } as const;

/** Horizontal bars of a signed percentage around a zero line, with interval whiskers. */
export function barChart(spec: { id: string; title: string; bars: Bar[]; unit: string; width?: number }): string {
  const width = spec.width ?? 900;
  const rowH = 24;
  const left = 220;
  const right = 80;
  const title = titleText(spec.title, 12, width - 22);
  const top = 40 + title.extraPx;
  const height = top + spec.bars.length * rowH + 40;
  const plotW = width - left - right;
  // Capped at ±100%: one wild change (a saturated phase) must not flatten every other bar; bars
  // beyond the cap are clipped at the edge and their value is printed beside them.
  const extent = Math.min(100, Math.max(1, ...spec.bars.flatMap((b) => [b.value, b.low ?? 0, b.high ?? 0].filter(Number.isFinite).map(Math.abs)))) * 1.1;
  const sx = (v: number): number => left + ((Math.max(-extent, Math.min(extent, v)) + extent) / (2 * extent)) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" id="${escapeXml(spec.id)}" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(spec.title)}">`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(title.svg);
  for (const v of niceTicks(-extent, extent, 8)) {
    const x = sx(v);
    out.push(`<line x1="${fmt(x)}" y1="${top - 6}" x2="${fmt(x)}" y2="${height - 30}" stroke="${v === 0 ? '#444' : '#eeeeee'}"/>`);
    out.push(`<text x="${fmt(x)}" y="${height - 14}" font-size="11" text-anchor="middle" fill="#444">${escapeXml(`${fmt(v)}${spec.unit}`)}</text>`);
  }
  spec.bars.forEach((bar, i) => {
    const y = top + i * rowH;
    const x0 = sx(0);
    const x1 = sx(Number.isFinite(bar.value) ? bar.value : 0);
    out.push(`<text x="${left - 8}" y="${y + 15}" font-size="11" text-anchor="end" fill="#222">${escapeXml(truncate(bar.label, 34))}</text>`);
    out.push(`<rect class="bar" x="${fmt(Math.min(x0, x1))}" y="${y + 4}" width="${fmt(Math.max(1, Math.abs(x1 - x0)))}" height="${rowH - 8}" fill="${TONE_COLOR[bar.tone]}" fill-opacity="0.75"><title>${escapeXml(`${bar.label}: ${fmt(bar.value)}${spec.unit}`)}</title></rect>`);
    if (bar.low !== null && bar.high !== null && Number.isFinite(bar.low) && Number.isFinite(bar.high)) {
      const ym = y + rowH / 2;
      out.push(`<line class="whisker" x1="${fmt(sx(bar.low))}" y1="${ym}" x2="${fmt(sx(bar.high))}" y2="${ym}" stroke="#111" stroke-width="1.5"/>`);
      for (const v of [bar.low, bar.high]) out.push(`<line x1="${fmt(sx(v))}" y1="${ym - 5}" x2="${fmt(sx(v))}" y2="${ym + 5}" stroke="#111" stroke-width="1.5"/>`);
    }
    out.push(`<text x="${left + plotW + 6}" y="${y + 15}" font-size="11" fill="#222">${escapeXml(`${bar.value > 0 ? '+' : ''}${fmt(bar.value)}${spec.unit}`)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Average advance of a 15px bold title character, px (a generous estimate for system-ui). */
const TITLE_CHAR_PX = 8.5;
const TITLE_LINE_PX = 18;

/** A title split at spaces into lines that fit `widthPx`, so it is never cut off at the SVG's edge. */
export function titleLines(title: string, widthPx: number): string[] {
  const maxChars = Math.max(10, Math.floor(widthPx / TITLE_CHAR_PX));
  const lines: string[] = [];
  let line = '';
  for (const word of title.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > maxChars) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? word : `${line} ${word}`;
    while (line.length > maxChars) {
      lines.push(line.slice(0, maxChars));
      line = line.slice(maxChars);
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

function titleText(title: string, x: number, widthPx: number): { svg: string; extraPx: number } {
  const lines = titleLines(title, widthPx);
  const svg = lines.map((line, i) => `<text class="title" x="${x}" y="${22 + i * TITLE_LINE_PX}" font-size="15" font-weight="bold" fill="#222">${escapeXml(line)}</text>`).join('\n');
  return { svg, extraPx: (lines.length - 1) * TITLE_LINE_PX };
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
