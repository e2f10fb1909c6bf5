// Ctrl-C during `logbench calibrate` stops the run in progress (its engine replicas included) and
// exits 130 at once, leaving no process, no group data directory and no partial result behind.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processesMentioning } from '../support/processes.js';
import { afterAll, beforeAll, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'logbench-calibrate-interrupt-'));
const dataDir = join(dir, 'data');
const outDir = join(dir, 'out');

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  mkdirSync(dataDir);
  writeFileSync(
    join(dir, 'scenario.yaml'),
    `name: calibrate-interrupt
system: engine
group: { replicas: 3, mode: process, fsync: none, dataDir: ${JSON.stringify(dataDir)} }
payload: { sizeBytes: 256 }
generator: { workers: 0, seed: 1 }
phases:
  - { name: closed, type: closed, concurrency: 16, warmupSeconds: 0, seconds: 60 }
faults: []
`,
  );
});

afterAll(() => {
  for (const pid of [...processesMentioning(dir)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

it.skipIf(process.platform !== 'linux')('Ctrl-C during a run stops it, exits 130 and leaves nothing behind', async () => {
  const child = spawn(process.execPath, [MAIN, 'calibrate', join(dir, 'scenario.yaml'), '--pairs', '1', '--out-dir', outDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    // The probe run has started its group when the group's directory appears; give its load a moment.
    const deadlineMs = Date.now() + 30_000;
    while (readdirSync(dataDir).length === 0 && Date.now() < deadlineMs) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readdirSync(dataDir), stderr).not.toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const interruptedAtMs = Date.now();
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 20_000))]);
    expect(code, stderr).toBe(130);
    expect(Date.now() - interruptedAtMs, stderr).toBeLessThan(10_000);
    expect(stderr).toContain('logbench calibrate: interrupted; stopping the run in progress');
    expect(stderr).toContain('logbench calibrate: 0 run(s) finished; no calibration written');
    expect(processesMentioning(outDir)).toEqual([]);
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(readdirSync(dataDir)).toEqual([]);
    // Nothing finished: the partial result is dropped and the directory this command made is gone.
    expect(existsSync(outDir)).toBe(false);
  } finally {
    child.kill('SIGKILL');
  }
}, 90_000);
