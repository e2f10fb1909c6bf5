// `logbench ab`: bad input is refused before any worktree or output directory is made, and
// Ctrl-C during a build kills the build and removes the worktrees.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processesMentioning } from '../support/processes.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'logbench-ab-test-'));

function worktrees(): string {
  return execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
}

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.mjs')], { cwd: ROOT, stdio: 'inherit' });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('logbench ab', () => {
  it('refuses a missing scenario file with exit 2 before making a worktree or the output directory', () => {
    const outDir = join(dir, 'missing', 'out');
    const before = worktrees();
    const started = Date.now();
    const r = spawnSync(process.execPath, [MAIN, 'ab', '--base', 'HEAD', '--head', 'HEAD', join(dir, 'nope.yaml'), '--out-dir', outDir], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/logbench ab: .*nope\.yaml: scenario file not found/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(worktrees()).toBe(before);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });

  it('refuses a bad --set with exit 2 before making a worktree', () => {
    const before = worktrees();
    const r = spawnSync(process.execPath, [MAIN, 'ab', '--base', 'HEAD', '--head', 'HEAD', 'bench/scenarios/null.yaml', '--set', 'phases[0].bogus=1', '--out-dir', join(dir, 'badset')], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/logbench ab: .*phases\[0\]\.bogus: unknown field/);
    expect(worktrees()).toBe(before);
    expect(existsSync(join(dir, 'badset'))).toBe(false);
  });

  it('on SIGINT during the build kills the build and removes the worktree and the empty output directory', async () => {
    const outDir = join(dir, 'interrupted');
    const child = spawn(process.execPath, [MAIN, 'ab', '--base', 'HEAD', '--head', 'HEAD', 'bench/scenarios/null.yaml', '--rounds', '1', '--out-dir', outDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const building = new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes('ab: building base')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await building;
    const tree = /git worktree add (\S+) /.exec(stderr)?.[1];
    expect(tree, stderr).toBeDefined();
    // Let the build start its processes.
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(stderr).toContain('logbench ab: interrupted');
    expect(worktrees()).not.toContain(tree!);
    expect(existsSync(tree!)).toBe(false);
    expect(processesMentioning(tree!)).toEqual([]);
    expect(existsSync(outDir)).toBe(false);
  });
});
