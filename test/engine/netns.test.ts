// Three replicas on three hosts: network namespaces joined by veth pairs to a bridge in a fourth
// namespace, each running `logbench node` on its own address; a client in one of them commits
// across all three. Skipped, with the reason, when namespaces cannot be created here.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { TestNetwork } from '../support/netns.js';
import { buildDist, sleep } from './helpers.js';

const network = new TestNetwork('lbe', `10.231.${process.pid % 250}`, ['1', '2', '3']);
const hosts = network.hosts.map((h, i) => ({ ...h, id: i + 1 }));
const PEER_PORT = 7101;
const CLIENT_PORT = 7201;
const TOKEN = 'netns-test-token';

let skipReason: string | undefined;
const children: ChildProcess[] = [];
const replicaLogs: string[] = [];
const dataRoot = mkdtempSync(join(tmpdir(), 'logbench-netns-'));

beforeAll(() => {
  buildDist();
  skipReason = network.create();
  if (skipReason !== undefined) network.destroy();
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await sleep(100);
  network.destroy();
  rmSync(dataRoot, { recursive: true, force: true });
});

test('logbench node on three namespaces commits a client\'s appends', async (ctx) => {
  if (skipReason !== undefined) {
    ctx.skip(skipReason);
    return;
  }
  const peers = hosts.map((h) => `${h.id}=${h.address}:${PEER_PORT}`).join(',');
  for (const host of hosts) {
    const child = spawn('ip', ['netns', 'exec', host.ns, process.execPath, 'dist/src/cli/main.js', 'node', '--id', String(host.id), '--peers', peers, '--data-dir', join(dataRoot, `r${host.id}`), '--token', TOKEN, '--client-port', String(CLIENT_PORT)], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => replicaLogs.push(`[${host.id}] ${chunk.toString()}`));
    children.push(child);
  }
  const clients = hosts.map((h) => `${h.id}=${h.address}:${CLIENT_PORT}`).join(',');
  let output: string;
  try {
    output = execFileSync('ip', ['netns', 'exec', hosts[0]!.ns, process.execPath, 'test/engine/fixtures/tcp-client.mjs', TOKEN, '500', clients], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`client failed: ${(error as Error).message} ${String((error as { stderr?: string }).stderr ?? "")}\nreplica logs:\n${replicaLogs.join('')}`);
  }
  const result = JSON.parse(output.trim().split('\n').pop()!) as { acked: number; distinct: number; errors: number };
  expect(result.errors).toBe(0);
  expect(result.acked).toBe(500);
  expect(result.distinct).toBe(500);
}, 90_000);
