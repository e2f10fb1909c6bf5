// `logbench calibrate` end to end on the null system (short runs, CPU-bound by a spin of work per
// append): the probe measures the knob, a 30% slowdown side is injected with it, the comparison
// calls it a regression, and `compare --fail-on-regression` on the same files exits 1.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'logbench-calibrate-'));
const SCENARIO = `name: calibrate-test
system: "null"
driver:
  spinUsPerOp: 20
payload:
  sizeBytes: 256
generator:
  workers: 0
  seed: 1
phases:
  - name: closed
    type: closed
    concurrency: 8
    warmupSeconds: 0.5
    seconds: 3
faults: []
`;

interface Calibration {
  pairs: number;
  runsPerSide: number;
  probe: { spin: number; opsPerSec: number };
  baselineOpsPerSec: number;
  slowdowns: Array<{ slowdownPercent: number; spin: number; detected: number; measuredChangePercentMean: number }>;
  aa: { verdicts: string[] };
  noiseFloorPercent: number | null;
  knobSearch: Record<string, Array<{ spin: number; measuredPercent: number }>>;
}

let run: { status: number | null; stdout: string; stderr: string };
const outDir = join(dir, 'out');

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  writeFileSync(join(dir, 'scenario.yaml'), SCENARIO);
  const args = [MAIN, 'calibrate', join(dir, 'scenario.yaml'), '--pairs', '1', '--runs', '2', '--slowdowns', '30', '--search-steps', '1', '--out-dir', outDir, '--json'];
  // Asynchronous: a minute-long synchronous spawn blocks the test worker, whose reports to vitest
  // then time out.
  run = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, timeout: 150_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}, 170_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('logbench calibrate', () => {
  it('measures the knob with a probe and detects an injected 30% slowdown', () => {
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as Calibration;
    expect(summary.pairs).toBe(1);
    expect(summary.runsPerSide).toBe(2);
    expect(summary.probe.opsPerSec).toBeLessThan(summary.baselineOpsPerSec);
    const row = summary.slowdowns.find((s) => s.slowdownPercent === 30)!;
    expect(row.spin).toBeGreaterThan(20);
    expect(row.detected).toBe(1);
    // The knob is translated from the probe, so the slowdown measured is of the size asked for
    // (loosely: other test files share the two cores and shift the probe's measurement).
    expect(row.measuredChangePercentMean).toBeLessThan(-10);
    expect(row.measuredChangePercentMean).toBeGreaterThan(-75);
    // The knob value was verified by measurement before the pairs (search runs, --runs of each side).
    const search = summary.knobSearch['30']!;
    expect(search.length).toBeGreaterThanOrEqual(1);
    expect(search.length).toBe(1);
    expect(Number.isFinite(search[0]!.measuredPercent)).toBe(true);
    expect(readdirSync(outDir).filter((name) => name.startsWith('search30-step1-'))).toHaveLength(4);
    expect(summary.aa.verdicts).toHaveLength(1);
    // One A/A change is too few to estimate the machine's noise floor.
    expect(summary.noiseFloorPercent).toBeNull();
    expect(run.stdout + run.stderr).not.toMatch(/NaN/);
  });

  it('writes every side as interleaved runs, and compare --fail-on-regression exits 1 on the slowdown', () => {
    const names = readdirSync(outDir).sort();
    for (const side of ['base', 'slow30', 'base2']) for (const r of [1, 2]) expect(names).toContain(`pair1-${side}-r${r}.json`);
    const r = spawnSync(
      process.execPath,
      [MAIN, 'compare', '--base', join(outDir, 'pair1-base-r*.json'), '--head', join(outDir, 'pair1-slow30-r*.json'), '--metric', 'throughput', '--fail-on-regression'],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/regressed/);
  });
});
