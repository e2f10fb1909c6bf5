// `logbench profile`: a short null-system run under node --cpu-prof writes a non-empty
// .cpuprofile and prints the top-functions table; a clinic tool that is not installed falls
// back to --cpu-prof and says so.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
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
