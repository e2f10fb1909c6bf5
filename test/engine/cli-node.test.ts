// Bad input to `logbench node`: clear messages, exit 2, nothing started or corrupted.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePorts } from '../../src/drivers/free-ports.js';
import { buildDist, sleep } from './helpers.js';

beforeAll(() => buildDist(), 120_000);
const dir = mkdtempSync(join(tmpdir(), 'logbench-cli-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function logbench(...args: string[]): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, LOGBENCH_TOKEN: '' } });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

// Ports nobody listens on in these tests except the one replica started below.
const loopbackPeers = '1=127.0.0.1:7301,2=127.0.0.1:7302,3=127.0.0.1:7303';

test('four replicas are refused naming the flag', () => {
  const result = logbench('node', '--id', '1', '--peers', `${loopbackPeers},4=127.0.0.1:7304`, '--data-dir', join(dir, 'a'));
  expect(result.status).toBe(2);
  expect(result.stderr).toContain('flag --peers: expected 1, 3, 5, 7 replicas, got 4');
});

test('a malformed peer address names the item', () => {
  const result = logbench('node', '--id', '1', '--peers', '1=127.0.0.1,2=x:1,3=y:2', '--data-dir', join(dir, 'b'));
  expect(result.status).toBe(2);
  expect(result.stderr).toContain('flag --peers: expected ID=HOST:PORT');
  expect(result.stderr).toContain('"1=127.0.0.1"');
});

test('a non-loopback address without a token is refused', () => {
  const result = logbench('node', '--id', '1', '--peers', '1=10.9.9.1:7000,2=10.9.9.2:7000,3=10.9.9.3:7000', '--data-dir', join(dir, 'c'));
  expect(result.status).toBe(2);
  expect(result.stderr).toContain('requires --token');
});

test('an fsync interval out of range exits 2 naming --fsync, before the data directory is made', () => {
  const dataDir = join(dir, 'fsync');
  const result = logbench('node', '--id', '1', '--peers', loopbackPeers, '--data-dir', dataDir, '--fsync', 'interval:0');
  expect(result.status).toBe(2);
  expect(result.stderr.trim()).toBe('logbench node: flag --fsync: expected always, none or interval:<ms> with 1 <= ms <= 60000, got "interval:0"');
  expect(existsSync(dataDir)).toBe(false);
});

test('fdatasyncs in flight out of range exit 2 naming --fsyncs-in-flight, before the data directory is made', () => {
  const dataDir = join(dir, 'inflight');
  const result = logbench('node', '--id', '1', '--peers', loopbackPeers, '--data-dir', dataDir, '--fsyncs-in-flight', '65');
  expect(result.status).toBe(2);
  expect(result.stderr.trim()).toMatch(/^logbench node: flag --fsyncs-in-flight: expected an integer <= 64, got 65/);
  expect(existsSync(dataDir)).toBe(false);
});

test('a data directory that cannot be one exits 2 naming --data-dir', () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  const expected = 'expected a writable directory (created if missing)';
  const onFile = logbench('node', '--id', '1', '--peers', loopbackPeers, '--data-dir', file);
  expect(onFile.status).toBe(2);
  expect(onFile.stderr.trim()).toBe(`logbench node: flag --data-dir: ${file} is not a directory; ${expected}`);
  const under = logbench('node', '--id', '1', '--peers', loopbackPeers, '--data-dir', join(file, 'r1'));
  expect(under.status).toBe(2);
  expect(under.stderr.trim()).toBe(`logbench node: flag --data-dir: cannot create ${join(file, 'r1')}: ${file} is not a directory; ${expected}`);
});

test.skipIf(process.platform !== 'linux')('a data directory under /proc exits 2 at once naming --data-dir (a recursive mkdir there never returns)', () => {
  const result = spawnSync(process.execPath, ['dist/src/cli/main.js', 'node', '--id', '1', '--peers', '1=127.0.0.1:7321', '--data-dir', '/proc/logbench-x/y'], { encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });
  expect(result.status, 'exit code (null: killed after 10 s)').toBe(2);
  expect(result.stderr.trim()).toBe('logbench node: flag --data-dir: cannot create /proc/logbench-x/y: /proc is on the proc filesystem, which holds no files; expected a writable directory (created if missing)');
});

test('an unknown flag exits 2 naming it', () => {
  const result = logbench('node', '--id', '1', '--bogus');
  expect(result.status).toBe(2);
  expect(result.stderr).toContain('unknown flag --bogus');
});

test('a data directory locked by a running replica is refused and left intact', async () => {
  const dataDir = join(dir, 'locked');
  const [a, b, c] = await freePorts(3);
  const peers = `1=127.0.0.1:${a},2=127.0.0.1:${b},3=127.0.0.1:${c}`;
  const first = spawn(process.execPath, ['dist/src/cli/main.js', 'node', '--id', '1', '--peers', peers, '--data-dir', dataDir, '--client-port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let firstLog = '';
  first.stderr!.on('data', (chunk: Buffer) => (firstLog += chunk.toString()));
  try {
    for (let i = 0; i < 100 && !firstLog.includes('running'); i++) await sleep(100);
    expect(firstLog).toContain('replica 1 running');
    const before = readdirSync(dataDir).sort();
    const second = logbench('node', '--id', '1', '--peers', '1=127.0.0.1:7311,2=127.0.0.1:7312,3=127.0.0.1:7313', '--data-dir', dataDir);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`data directory ${dataDir} is in use`);
    // The lock does not know the command's flag (node: --data-dir, run: group.dataDir); it names none.
    expect(second.stderr).toContain('stop it or choose another data directory');
    expect(readdirSync(dataDir).sort()).toEqual(before);
  } finally {
    first.kill('SIGTERM');
    await new Promise((resolve) => first.once('exit', resolve));
  }
}, 30_000);
