// `logbench run` against peers beyond the managed happy path: external mode (--endpoints) on a
// running etcd cluster, the NATS durability nats-server 2.9 cannot provide, and option errors.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EtcdDriver } from '../../src/drivers/etcd/driver.js';
import { ensureBuild, runCli } from '../load/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'logbench-peers-ext-'));

beforeAll(() => ensureBuild(), 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runJson(args: string[]): { acked: number; ledger: string } {
  const r = runCli(['run', ...args, '--json'], 60_000);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { acked: number; ledger: string };
}

it('logbench run --system etcd --endpoints uses a running cluster and leaves it running', async () => {
  const cluster = new EtcdDriver();
  await cluster.connect();
  try {
    const json = runJson(['--system', 'etcd', '--endpoints', cluster.clientUrls.join(','), '--conc', '4', '--seconds', '1', '--out', join(dir, 'etcd-external.json')]);
    expect(json.acked).toBeGreaterThan(0);
    expect(json.ledger).toBe('ok');
    const result = JSON.parse(readFileSync(join(dir, 'etcd-external.json'), 'utf8')) as { system: { settings: Record<string, unknown> } };
    expect(result.system.settings['mode']).toBe('external');
    expect((await cluster.control!.members()).every((m) => m.alive)).toBe(true);
  } finally {
    await cluster.close();
  }
}, 60_000);

it('NATS with sync_interval always is refused on nats-server 2.9 with the version that supports it', () => {
  const r = runCli(['run', '--system', 'nats', '--set', 'driver.durabilityMode=sync-always', '--conc', '2', '--seconds', '1', '--out', join(dir, 'nats-sync.json')], 60_000);
  if (r.status === 0) return; // nats-server 2.10+: the mode is supported and the run succeeded.
  expect(r.stderr).toMatch(/sync_interval: always.*2\.10/);
}, 60_000);

it('an unknown driver option exits 2 naming it and the options the system knows', () => {
  const r = runCli(['run', '--system', 'etcd', '--set', 'driver.electionTimeout=5', '--seconds', '1']);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/driver\.electionTimeout: not an option of system etcd; expected one of .*electionMs/);
});
