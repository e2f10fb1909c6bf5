// `logbench profile`: a short null-system run under node --cpu-prof writes a non-empty
// .cpuprofile and prints the top-functions table; a clinic tool that is not installed falls
// back to --cpu-prof and says so; --json prints one object; bad input leaves nothing behind.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'logbench-profile-'));
let run: { status: number | null; stdout: string; stderr: string };

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  // --tool flame: clinic is not a dependency, so this also exercises the fallback.
  const args = [MAIN, 'profile', 'bench/scenarios/null.yaml', '--tool', 'flame', '--set', 'phases[0].seconds=1', '--set', 'phases[1].seconds=1', '--out-dir', dir];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, PATH: '/usr/bin:/bin' } });
  run = { status: r.status, stdout: r.stdout, stderr: r.stderr };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('logbench profile', () => {
  it('writes a non-empty .cpuprofile', () => {
    expect(run.status, run.stderr).toBe(0);
    const profiles = readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'));
    expect(profiles.length).toBeGreaterThanOrEqual(1);
    expect(statSync(join(dir, profiles[0]!)).size).toBeGreaterThan(10_000);
  });

  it('prints the top functions by self time', () => {
    expect(run.stdout).toMatch(/top 15 functions by self time/);
    expect(run.stdout).toMatch(/self ms\s+self %\s+function\s+location/);
    const rows = run.stdout.split('\n').filter((l) => /^\s+\d+\.\d\s+\d+\.\d\s+\S/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(10);
  });

  it('says when clinic is unavailable and falls back to --cpu-prof', () => {
    expect(run.stderr).toContain('clinic is not installed');
    expect(run.stdout).toContain('tool: cpu-prof (clinic unavailable)');
  });
});

function profile(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [MAIN, 'profile', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
}

const SHORT = ['--set', 'phases[0].seconds=1', '--set', 'phases[1].seconds=1'];

describe('logbench profile --json', () => {
  it('prints exactly one JSON object on stdout (the run\'s summary goes to stderr)', () => {
    const r = profile(['bench/scenarios/null.yaml', ...SHORT, '--json', '--out-dir', join(dir, 'json')]);
    expect(r.status, r.stderr).toBe(0);
    const value = JSON.parse(r.stdout) as { tool: string; chosen: unknown[] };
    expect(value.tool).toBe('cpu-prof');
    expect(value.chosen.length).toBe(1);
  });
});

describe('logbench profile with bad input', () => {
  it('refuses a missing scenario file with exit 2 before profiling, leaving no directory', () => {
    const r = profile(['nope.yaml', '--out-dir', join(dir, 'missing', 'out')]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/logbench profile: nope\.yaml: scenario file not found/);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });

  it('refuses a bad --set with exit 2 before profiling, leaving no directory', () => {
    const r = profile(['bench/scenarios/null.yaml', '--set', 'phases[0].bogus=1', '--out-dir', join(dir, 'badset')]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/phases\[0\]\.bogus: unknown field/);
    expect(existsSync(join(dir, 'badset'))).toBe(false);
  });

  it('removes the profiles of a run that `logbench run` rejects, keeping what was in --out-dir', () => {
    // The run's --out (OUT_DIR/result.json) is a directory: only the child finds that out.
    const outDir = join(dir, 'rejected');
    mkdirSync(join(outDir, 'result.json'), { recursive: true });
    writeFileSync(join(outDir, 'keep.txt'), 'x');
    const r = profile(['bench/scenarios/null.yaml', ...SHORT, '--out-dir', outDir]);
    expect(r.status, r.stderr).toBe(2);
    expect(readdirSync(outDir).sort()).toEqual(['keep.txt', 'result.json']);
  });

  it('refuses an --out-dir that cannot be created with exit 2 naming the flag', () => {
    writeFileSync(join(dir, 'a-file'), 'x');
    const r = profile(['bench/scenarios/null.yaml', ...SHORT, '--out-dir', join(dir, 'a-file', 'sub')]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/flag --out-dir: .*a-file is not a directory/);
  });
});
