// Many hosts: three replicas (`logbench node`) and two load agents (`logbench agent`), each in
// its own network namespace on one bridge, and the controller (`logbench run --agents`) in a
// sixth. The agents reach the engine group themselves; the controller merges their recordings.
// Skipped, with the reason, when network namespaces cannot be created here (needs root).

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuild, MAIN, ROOT } from '../load/cli.js';
import { TestNetwork } from '../support/netns.js';

const network = new TestNetwork('lba', `10.232.${process.pid % 250}`, ['r1', 'r2', 'r3', 'a1', 'a2', 'c']);
const hosts = network.hosts;
const host = (name: string): (typeof hosts)[number] => network.host(name);
const PEER_PORT = 7301;
const CLIENT_PORT = 7311;
const AGENT_PORT = 7400;
const TOKEN = 'agents-netns-token';

let skipReason: string | undefined;
const children: ChildProcess[] = [];
const agentLogs: string[] = [];
const dataRoot = mkdtempSync(join(tmpdir(), 'logbench-agents-'));

function inNs(ns: string, args: string[]): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

beforeAll(async () => {
  ensureBuild();
  skipReason = network.create();
  if (skipReason !== undefined) {
    network.destroy();
    return;
  }
  const peers = ['r1', 'r2', 'r3'].map((name, i) => `${i + 1}=${host(name).address}:${PEER_PORT}`).join(',');
  ['r1', 'r2', 'r3'].forEach((name, i) => {
    const child = inNs(host(name).ns, ['node', '--id', String(i + 1), '--peers', peers, '--data-dir', join(dataRoot, name), '--token', TOKEN, '--client-port', String(CLIENT_PORT)]);
    child.stdout!.resume();
    child.stderr!.resume();
  });
  await Promise.all(
    ['a1', 'a2'].map((name) => {
      const child = inNs(host(name).ns, ['agent', '--listen', `${host(name).address}:${AGENT_PORT}`, '--token', TOKEN, '--json']);
      let own = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        agentLogs.push(chunk.toString());
        own += chunk.toString();
      });
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`agent ${name} did not print its address within 45 s (exit ${child.exitCode}): ${own}`)), 45_000);
        createInterface({ input: child.stdout! }).once('line', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }),
  );
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 100));
  if (skipReason === undefined) network.destroy();
  rmSync(dataRoot, { recursive: true, force: true });
});

/** Runs the controller asynchronously, so the agents' logs keep arriving while it runs. */
async function controller(token: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const endpoints = ['r1', 'r2', 'r3'].map((name, i) => `${i + 1}=${host(name).address}:${CLIENT_PORT}`).join(',');
  const agents = ['a1', 'a2'].map((name) => `${host(name).address}:${AGENT_PORT}`).join(',');
  const args = ['netns', 'exec', host('c').ns, process.execPath, MAIN, 'run', '--system', 'engine', '--endpoints', endpoints, '--agents', agents, '--token', token, '--conc', '8', '--seconds', '2', '--out', join(dataRoot, `result-${token}.json`), '--json'];
  // The engine group's own token; --token is the agents'.
  const child = spawn('ip', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOGBENCH_TOKEN: TOKEN } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { status, stdout, stderr };
}

it('two agents in their own namespaces load a three-host engine group; the controller merges their recordings', async (ctx) => {
  if (skipReason !== undefined) return ctx.skip(skipReason);
  const r = await controller(TOKEN);
  expect(r.status, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout) as { acked: number; opsPerSec: number | null; phases: Array<{ errors: number }>; resultPath: string };
  expect(json.acked).toBeGreaterThan(0);
  expect(json.phases[0]!.errors).toBe(0);
  const result = JSON.parse(execFileSync('cat', [json.resultPath], { encoding: 'utf8' })) as { phases: Array<{ workers: number; ops: { acked: number } }>; warnings: string[] };
  expect(result.phases[0]!.workers).toBe(2);
  expect(result.warnings.some((w) => /load generated by 2 agents/.test(w))).toBe(true);
  // Each agent ran its own share: both agents logged a phase with acks.
  expect(agentLogs.join('').match(/phase closed: [1-9]\d* acked/g)?.length).toBe(2);
}, 60_000);

it('a controller with the wrong token is refused, and the agents log the refusal', async (ctx) => {
  if (skipReason !== undefined) return ctx.skip(skipReason);
  const r = await controller('wrong-token');
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/HTTP 401: wrong or missing token/);
  expect(agentLogs.join('')).toMatch(/refused POST \/session from 10\.232\.\d+\.6:\d+: wrong or missing token/);
}, 60_000);
