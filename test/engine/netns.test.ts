// Three replicas on three hosts: network namespaces joined by veth pairs to a bridge in a fourth
// namespace, each running `logbench node` on its own address; a client in one of them commits
// across all three. Skipped, with the reason, when namespaces cannot be created here.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildDist, sleep } from './helpers.js';

const suffix = String(process.pid % 10000);
const hub = `lbhub${suffix}`;
const hosts = [1, 2, 3].map((i) => ({ ns: `lbn${i}x${suffix}`, address: `10.231.${Number(suffix) % 250}.${i}`, id: i }));
const PEER_PORT = 7101;
const CLIENT_PORT = 7201;
const TOKEN = 'netns-test-token';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function tryCreateNetwork(): string | undefined {
  try {
    ip('netns', 'add', hub);
  } catch (error) {
    return `cannot create network namespaces (ip netns add failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
  }
  ip('-n', hub, 'link', 'add', 'br0', 'type', 'bridge');
  ip('-n', hub, 'link', 'set', 'br0', 'up');
  for (const host of hosts) {
    ip('netns', 'add', host.ns);
    ip('link', 'add', `v${host.id}x${suffix}`, 'type', 'veth', 'peer', 'name', `p${host.id}x${suffix}`);
    ip('link', 'set', `v${host.id}x${suffix}`, 'netns', host.ns);
    ip('link', 'set', `p${host.id}x${suffix}`, 'netns', hub);
    ip('-n', host.ns, 'link', 'set', `v${host.id}x${suffix}`, 'name', 'eth0');
    ip('-n', host.ns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
    ip('-n', host.ns, 'link', 'set', 'eth0', 'up');
    ip('-n', host.ns, 'link', 'set', 'lo', 'up');
    ip('-n', hub, 'link', 'set', `p${host.id}x${suffix}`, 'master', 'br0');
    ip('-n', hub, 'link', 'set', `p${host.id}x${suffix}`, 'up');
  }
  return undefined;
}

function destroyNetwork(): void {
  for (const ns of [hub, ...hosts.map((h) => h.ns)]) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // not created
    }
  }
}

let skipReason: string | undefined;
const children: ChildProcess[] = [];
const replicaLogs: string[] = [];
const dataRoot = mkdtempSync(join(tmpdir(), 'logbench-netns-'));

beforeAll(() => {
  buildDist();
  skipReason = tryCreateNetwork();
  if (skipReason !== undefined) destroyNetwork();
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await sleep(100);
  destroyNetwork();
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
