import { spawnSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { GroupHandle } from '../../src/cluster/group.js';
import { startGroup } from '../../dist/src/cluster/start-group.js';
import { DEFAULT_ENGINE_CONFIG } from '../../src/node/engine-config.js';
import type { Acked } from './helpers.js';
import { buildDist, expectCleanLogs, sleep, taggedPayload } from './helpers.js';

beforeAll(() => buildDist(), 120_000);

let group: GroupHandle | undefined;
afterEach(async () => {
  await group?.close();
  group = undefined;
});

describe('process-mode group over TCP', () => {
  test('commits across processes and survives a SIGKILL of the leader', async () => {
    group = (await startGroup({ config: { ...DEFAULT_ENGINE_CONFIG, mode: 'process' } })) as GroupHandle;
    const g = group;
    const leader = await g.leader(10_000);
    expect(leader).toBeDefined();
    const pids = g.ids.map((id) => g.pid(id));
    expect(new Set(pids).size).toBe(3);
    expect(pids).not.toContain(process.pid);
    const client = g.client(0);
    const acked: Acked[] = [];
    let sequence = 0;
    let stop = false;
    const lanes = Array.from({ length: 16 }, async () => {
      while (!stop) {
        const s = sequence++;
        const ack = await client.append(taggedPayload(5, s, 256));
        acked.push({ producer: 5, sequence: s, index: ack.index });
      }
    });
    await sleep(500);
    const killedPid = g.pid(leader!)!;
    await g.kill(leader!);
    expect(() => process.kill(killedPid, 0)).toThrow();
    const next = await g.leader(5000);
    expect(next).toBeDefined();
    expect(next).not.toBe(leader);
    const countAtKill = acked.length;
    await sleep(700);
    expect(acked.length).toBeGreaterThan(countAtKill);
    await g.restart(leader!);
    stop = true;
    await Promise.all(lanes);
    expect(await g.settle(10_000)).toBe(true);
    const logs = await g.stopAndReadLogs();
    expectCleanLogs(logs, acked);
    for (const pid of pids) expect(() => process.kill(pid!, 0)).toThrow();
  }, 60_000);

  test('a client with the wrong token is refused at once, told why, and the refusal is logged', () => {
    // Start one replica in remote mode on loopback and try a client with a wrong token.
    const script = `
      import { runProcessReplica } from './dist/src/node/process-main.js';
      import { TcpChannel } from './dist/src/client/tcp-channel.js';
      import { DEFAULT_ENGINE_CONFIG } from './dist/src/node/engine-config.js';
      import { mkdtempSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      const lines = [];
      const running = await runProcessReplica({
        spec: { id: 1, voters: [1], dataDir: mkdtempSync(join(tmpdir(), 'lb-token-')), config: { ...DEFAULT_ENGINE_CONFIG, replicas: 1, mode: 'process' }, seed: 1 },
        peerListen: { host: '127.0.0.1', port: 0 }, clientListen: { host: '127.0.0.1', port: 0 }, peers: {}, token: 'right',
      }, () => {}, (line) => lines.push(line));
      const bad = new TcpChannel(1, running.clientAddress, 'wrong');
      const good = new TcpChannel(1, running.clientAddress, 'right');
      const startedMs = performance.now();
      const badConnected = await bad.whenConnected(5000);
      const badWaitedMs = performance.now() - startedMs;
      const goodConnected = await good.whenConnected(1500);
      console.log(JSON.stringify({ badConnected, badWaitedMs, refusedBecause: bad.refusedBecause, goodConnected, refused: running.clientPort.refusedConnections, lines }));
      process.exit(0);
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').pop()!) as { badConnected: boolean; badWaitedMs: number; refusedBecause: string | undefined; goodConnected: boolean; refused: number; lines: string[] };
    expect(out.badConnected).toBe(false);
    // The replica says why before closing: the client knows at once instead of after its timeout.
    expect(out.refusedBecause).toBe('replica 1 refused the connection: wrong token');
    expect(out.badWaitedMs).toBeLessThan(2500);
    expect(out.goodConnected).toBe(true);
    expect(out.refused).toBeGreaterThan(0);
    expect(out.lines.some((line) => line.includes('refused client connection from 127.0.0.1') && line.includes('wrong token'))).toBe(true);
  });
});
