// The HTTP gateway (`logbench serve --http`) in front of a 3-replica engine group, and
// `logbench run --generator autocannon` against it: autocannon's closed loop and logbench's open
// loop on the same gateway, in one valid result file that says which phase is not corrected.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assertValidResult } from '../../src/results/validate.js';
import type { RunResult } from '../../src/results/result-types.js';
import { ensureBuild, MAIN, ROOT, runCli } from '../load/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'logbench-gateway-'));
let server: ChildProcess | undefined;
let url = '';

beforeAll(async () => {
  ensureBuild();
  server = spawn(process.execPath, [MAIN, 'serve', '--http', '127.0.0.1:0', '--replicas', '3', '--mode', 'threads', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderr!.on('data', () => {});
  const firstLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('logbench serve did not start within 30 s')), 30_000);
    createInterface({ input: server!.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
  });
  url = (JSON.parse(firstLine) as { url: string }).url;
}, 120_000);

afterAll(async () => {
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

it('POST /append answers the committed index and term; indexes grow', async () => {
  const first = (await (await fetch(`${url}/append`, { method: 'POST', body: 'first payload' })).json()) as { index: number; term: number };
  const second = (await (await fetch(`${url}/append`, { method: 'POST', body: 'second payload' })).json()) as { index: number; term: number };
  expect(first.index).toBeGreaterThan(0);
  expect(first.term).toBeGreaterThan(0);
  expect(second.index).toBe(first.index + 1);
});

it('GET /health names the system behind the gateway and its durability', async () => {
  const health = (await (await fetch(`${url}/health`)).json()) as { ok: boolean; system: string; durability: string };
  expect(health).toMatchObject({ ok: true, system: 'engine' });
  expect(health.durability).toMatch(/majority before ack/);
});

it('a body over the limit is refused with 413 and a JSON error; unknown paths with 404', async () => {
  const big = await fetch(`${url}/append`, { method: 'POST', body: new Uint8Array(2 * 1024 * 1024) });
  expect(big.status).toBe(413);
  expect(((await big.json()) as { error: string }).error).toMatch(/exceeds the gateway limit/);
  expect((await fetch(`${url}/nope`)).status).toBe(404);
});

it('run --generator autocannon writes a valid result: autocannon phase uncorrected, logbench open phase corrected', () => {
  const out = join(dir, 'autocannon.json');
  const r = runCli(['run', '--generator', 'autocannon', '--system', 'http', '--endpoints', url, '--conc', '8', '--seconds', '2', '--out', out], 60_000);
  expect(r.status, r.stderr).toBe(0);
  const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
  assertValidResult(result, out);
  const [closed, open] = result.phases;
  expect(closed!.type).toBe('closed');
  expect(closed!.ops.acked).toBeGreaterThan(0);
  expect(closed!.generator.coordinatedOmissionCorrected).toBe(false);
  expect(closed!.series.length).toBeGreaterThanOrEqual(2);
  expect(open!.type).toBe('open');
  expect(open!.generator.coordinatedOmissionCorrected).toBe(true);
  expect(result.warnings.some((w) => /autocannon .*coordinated omission NOT corrected/.test(w))).toBe(true);
  expect(result.system.durability).toMatch(/via HTTP gateway .* to engine/);
  expect(r.stdout).toMatch(/autocannon/);
}, 60_000);
