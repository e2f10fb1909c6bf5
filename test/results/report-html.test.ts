// `logbench report --html`: a self-contained page whose SVG charts render in headless Chromium
// (Debian's `chromium`): the chart elements are in the rendered DOM and the screenshot is not
// blank. Skipped with a message when chromium is not installed (CI installs it).

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throughputSeries } from '../../src/results/report-html.js';
import type { RunResult } from '../../src/results/result-types.js';
import { lineChart, titleLines } from '../../src/results/svg-chart.js';
import { syntheticResult, tempDir } from './compare-fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

const tmp = tempDir('logbench-report-');
let html = '';

const failover = {
  bucketMs: 100,
  startMs: 1_000_000,
  faults: [],
  summary: {},
  markers: [{ atMs: 1_003_000, kind: 'kill-leader', target: 'replica-1', fault: 0, scheduled: true, endAtMs: 1_005_000, leaderBefore: 'replica-1', note: null }],
  leaderEvents: [{ atMs: 1_003_400, member: 'replica-2', role: 'leader', term: 3 }],
  timeline: { commits: Array.from({ length: 100 }, (_, i) => (i >= 30 && i < 34 ? 0 : 500)), errors: Array.from({ length: 100 }, (_, i) => (i >= 30 && i < 34 ? 20 : 0)), truncated: false },
  completionsTruncated: false,
};

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  const a = tmp.write('base.json', syntheticResult({ seed: 1 }));
  const b = tmp.write('head.json', syntheticResult({ seed: 2, opsPerSec: 40_000, failover }));
  html = join(tmp.dir, 'report.html');
  const r = spawnSync(process.execPath, [MAIN, 'report', a, b, '--html', html], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`logbench report failed: ${r.stderr}`);
});

afterAll(() => tmp.cleanup());

/** Decodes an 8-bit RGB(A) non-interlaced PNG into its raw scanlines (filters undone). */
function pngPixels(png: Buffer): { width: number; height: number; channels: number; rows: Uint8Array[] } {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const colorType = png[25]!;
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
  if (png[24] !== 8 || channels === 0 || png[28] !== 0) throw new Error(`unsupported PNG: depth ${png[24]}, colour type ${colorType}, interlace ${png[28]}`);
  const chunks: Buffer[] = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (type === 'IDAT') chunks.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const data = inflateSync(Buffer.concat(chunks));
  const stride = width * channels;
  const rows: Uint8Array[] = [];
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = data[y * (stride + 1)]!;
    const line = new Uint8Array(data.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? line[i - channels]! : 0;
      const up = previous[i]!;
      const upLeft = i >= channels ? previous[i - channels]! : 0;
      let add = 0;
      if (filter === 1) add = left;
      else if (filter === 2) add = up;
      else if (filter === 3) add = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        add = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      line[i] = (line[i]! + add) & 0xff;
    }
    rows.push(line);
    previous = line;
  }
  return { width, height, channels, rows };
}

describe('html report', () => {
  it('is self-contained: no scripts and no external references', () => {
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/<script|<link |src="http|href="http|@import|url\(/i);
    expect(text).toContain('<svg');
  });

  it.skipIf(CHROMIUM === undefined)('renders its charts in headless chromium', () => {
    const profile = mkdtempSync(join(tmpdir(), 'logbench-chromium-'));
    try {
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`];
      const dom = spawnSync(CHROMIUM!, [...flags, '--dump-dom', `file://${html}`], { encoding: 'utf8', timeout: 25_000 });
      expect(dom.status).toBe(0);
      for (const id of ['throughput', 'spectrum', 'failover-1', 'compare-1']) expect(dom.stdout).toContain(`id="${id}"`);
      expect((dom.stdout.match(/<path class="series"/g) ?? []).length).toBeGreaterThanOrEqual(5);
      expect(dom.stdout).toContain('class="fault-marker"');
      expect(dom.stdout).toContain('class="bar"');
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it.skipIf(CHROMIUM === undefined)('gives a screenshot that is not blank', () => {
    const profile = mkdtempSync(join(tmpdir(), 'logbench-chromium-'));
    const png = join(tmp.dir, 'shot.png');
    try {
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`];
      const shot = spawnSync(CHROMIUM!, [...flags, `--screenshot=${png}`, '--window-size=1200,2000', `file://${html}`], { encoding: 'utf8', timeout: 25_000 });
      expect(shot.status).toBe(0);
      const { rows, channels } = pngPixels(readFileSync(png));
      // Count distinct colours and coloured (non-grey) pixels: lines in the palette colours.
      const colours = new Set<number>();
      let coloured = 0;
      for (const row of rows) {
        for (let i = 0; i + 2 < row.length; i += channels) {
          const r = row[i]!;
          const g = row[i + 1]!;
          const b = row[i + 2]!;
          colours.add((r << 16) | (g << 8) | b);
          if (Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
        }
      }
      expect(colours.size).toBeGreaterThan(50);
      expect(coloured).toBeGreaterThan(2000);
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  });
});

describe('report content', () => {
  const report = (files: string[], name: string): { status: number | null; stderr: string; html: string } => {
    const out = join(tmp.dir, name);
    const r = spawnSync(process.execPath, [MAIN, 'report', ...files, '--html', out], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stderr: r.stderr, html: existsSync(out) ? readFileSync(out, 'utf8') : '' };
  };
  const svgOf = (html: string, id: string): string => {
    const start = html.indexOf(`id="${id}"`);
    return start < 0 ? '' : html.slice(start, html.indexOf('</svg>', start));
  };

  it('withholds the numbers of a saturated phase and leaves it out of the percentile chart', () => {
    const value = syntheticResult({ seed: 3, opsPerSec: 808_557 });
    value.phases[0]!.generator.saturated = true;
    const saturated = tmp.write('saturated.json', value);
    const plain = tmp.write('plain.json', syntheticResult({ seed: 4 }));
    const r = report([plain, saturated], 'saturated.html');
    expect(r.status, r.stderr).toBe(0);
    expect(r.html).toContain('<b>SATURATED</b>');
    expect(r.html).not.toContain(Math.round(value.phases[0]!.throughput.opsPerSec).toLocaleString('en-US'));
    const spectrum = svgOf(r.html, 'spectrum');
    expect((spectrum.match(/<path class="series"/g) ?? []).length).toBe(1);
    expect(spectrum).not.toContain('saturated closed');
    expect(r.html).toContain('Not plotted: saturated closed (generator saturated');
  });

  it('leaves the partial last second out of the throughput chart', () => {
    const result: RunResult = syntheticResult({ seed: 5, seconds: 5 });
    const phase = result.phases[0]!;
    phase.series.push({ ...phase.series[phase.series.length - 1]!, second: phase.warmupSeconds + phase.measuredSeconds, ops: 64 });
    const points = throughputSeries({ path: 'r.json', result }, 'r').points;
    expect(points).toHaveLength(phase.warmupSeconds + phase.measuredSeconds);
    expect(points.map((p) => p.y)).not.toContain(64);
  });

  it('wraps a long chart title instead of cutting it off at the edge', () => {
    const title = 'Commit latency percentile spectrum (open-loop phases corrected for coordinated omission, closed-loop phases service time)';
    const lines = titleLines(title, 900 - 70 - 10);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join(' ')).toBe(title);
    for (const line of lines) expect(line.length * 8.5).toBeLessThanOrEqual(820);
    const svg = lineChart({ id: 'x', title, xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [{ x: 1, y: 1 }] }] });
    expect((svg.match(/<text class="title"/g) ?? []).length).toBe(lines.length);
  });

  it('refuses a file given twice, under any name', () => {
    const a = tmp.write('twice.json', syntheticResult({ seed: 6 }));
    const r = report([a, a], 'twice.html');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${a}: given twice in the report`);
  });
});
