// `logbench run --system etcd|nats` in managed mode: a real 3-member cluster on loopback is
// started, loaded through the driver, read back by the correctness ledger and stopped.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuild, runCli } from '../load/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'logbench-peers-'));

beforeAll(() => ensureBuild(), 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface RunJson {
  system: string;
  acked: number;
  ledger: string;
  lost: number | null;
  duplicated: number | null;
  opsPerSec: number | null;
  resultPath: string;
}

function runJson(args: string[]): { status: number | null; json: RunJson; stderr: string } {
  const r = runCli(['run', ...args, '--json'], 60_000);
  expect(r.status, r.stderr).toBe(0);
  return { status: r.status, json: JSON.parse(r.stdout) as RunJson, stderr: r.stderr };
}

describe.each(['etcd', 'nats'])('logbench run --system %s (managed)', (system) => {
  it('loads a fresh 3-member cluster and the ledger finds every acked entry exactly once', () => {
    const out = join(dir, `${system}.json`);
    const { json } = runJson(['--system', system, '--conc', '8', '--seconds', '2', '--out', out]);
    expect(json.system).toBe(system);
    expect(json.acked).toBeGreaterThan(20);
    expect(json.ledger).toBe('ok');
    expect(json.lost).toBe(0);
    expect(json.duplicated).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { system: { durability: string; settings: Record<string, unknown> } };
    expect(result.system.settings['mode']).toBe('managed');
    // The data dir of the managed cluster is removed when the run ends.
    expect(existsSync(String(result.system.settings['dataDir']))).toBe(false);
    if (system === 'etcd') expect(result.system.durability).toMatch(/fsync .* before ack/);
    else expect(result.system.durability).toMatch(/not before ack/);
  }, 60_000);
});
