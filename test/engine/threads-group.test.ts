import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { GroupHandle } from '../../src/cluster/group.js';
import { startGroup } from '../../dist/src/cluster/start-group.js';
import { DEFAULT_ENGINE_CONFIG } from '../../src/node/engine-config.js';
import type { EngineConfig } from '../../src/node/engine-config.js';
import type { Acked } from './helpers.js';
import { buildDist, expectCleanLogs, sleep, taggedPayload } from './helpers.js';

// Compiled code is imported from dist/ so the group, its workers and these tests share one copy.
beforeAll(() => buildDist(), 120_000);

let group: GroupHandle | undefined;
afterEach(async () => {
  await group?.close();
  group = undefined;
});

async function start(overrides: Partial<EngineConfig> = {}): Promise<GroupHandle> {
  group = (await startGroup({ config: { ...DEFAULT_ENGINE_CONFIG, ...overrides } })) as GroupHandle;
  expect(await group.leader(10_000)).toBeDefined();
  return group;
}

/** `count` appends with `concurrency` outstanding; returns the acks (errors rethrown). */
async function appendMany(g: GroupHandle, producer: number, count: number, concurrency: number, first = 0, sizeBytes = 64): Promise<Acked[]> {
  const client = g.client(0);
  const acked: Acked[] = [];
  let next = first;
  const end = first + count;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < end) {
        const sequence = next++;
        const ack = await client.append(taggedPayload(producer, sequence, sizeBytes));
        acked.push({ producer, sequence, index: ack.index });
      }
    }),
  );
  return acked;
}

describe('threads-mode group', () => {
  test('commits appends on every replica with identical logs', async () => {
    const g = await start();
    const acked = await appendMany(g, 1, 2000, 64);
    expect(new Set(acked.map((a) => a.index)).size).toBe(2000);
    expect(await g.settle(5000)).toBe(true);
    const logs = await g.stopAndReadLogs();
    expect(logs.map((l) => l.entries.length)).toEqual([2000, 2000, 2000]);
    expectCleanLogs(logs, acked);
  });

  test('at concurrency 1 every follower keeps up: none stalls or turns candidate (lost ring wake-ups)', async () => {
    // Serial appends leave each follower with one busy inbound ring (the leader's). A lost
    // Atomics.waitAsync wake-up used to stop such a follower reading it for good within seconds.
    const g = await start();
    const leader = (await g.leader())!;
    const deadline = performance.now() + 3000;
    let sequence = 0;
    const client = g.client(0);
    while (performance.now() < deadline && sequence < 20_000) await client.append(taggedPayload(3, sequence++, 64));
    const leaderStatus = await g.status(leader);
    for (const id of g.ids.filter((x) => x !== leader)) {
      const status = await g.status(id);
      expect(status.role, `replica ${id}`).toBe('follower');
      expect(status.term, `replica ${id}`).toBe(leaderStatus.term);
      expect(leaderStatus.commit - status.commit, `replica ${id} commit ${status.commit} vs leader ${leaderStatus.commit}`).toBeLessThan(50);
    }
    expect(sequence).toBeGreaterThan(300);
  });

  test('leaderRunEntries cuts a burst of appends into Readies of at most that many entries, all committed once', async () => {
    const g = await start({ leaderRunEntries: 16 });
    const leader = (await g.leader())!;
    await appendMany(g, 5, 10, 1); // the leader has replicated once to every follower
    const before = (await g.status(leader)).stats;
    const acked = await appendMany(g, 5, 256, 256, 10);
    const after = (await g.status(leader)).stats;
    expect(after.proposed - before.proposed).toBe(256);
    // Each Ready holds at most 16 new entries: at least 256 / 16 writes of the leader's log.
    expect(after.appendsWritten - before.appendsWritten).toBeGreaterThanOrEqual(16);
    expect(await g.settle(5000)).toBe(true);
    const logs = await g.stopAndReadLogs();
    expect(logs.map((l) => l.entries.length)).toEqual([266, 266, 266]);
    expectCleanLogs(logs, acked);
  });

  test('storeFsyncsInFlightMax bounds the fdatasyncs each replica keeps in flight under a burst', async () => {
    const g = await start({ storeFsyncsInFlightMax: 1, leaderRunEntries: 16 });
    const acked = await appendMany(g, 6, 2048, 256);
    expect(acked.length).toBe(2048);
    for (const id of g.ids) {
      const fsyncs = (await g.status(id)).fsyncs;
      expect(fsyncs.pooled).toBeGreaterThan(0);
      expect(fsyncs.inFlightPeak).toBe(1);
    }
    expect(await g.settle(5000)).toBe(true);
    expectCleanLogs(await g.stopAndReadLogs(), acked);
  });

  test('a follower killed and restarted catches up', async () => {
    const g = await start();
    const leader = (await g.leader())!;
    const follower = g.ids.find((id) => id !== leader)!;
    const before = await appendMany(g, 2, 300, 16);
    await g.kill(follower);
    expect(g.alive(follower)).toBe(false);
    const during = await appendMany(g, 2, 1500, 32, 300);
    await g.restart(follower);
    expect(await g.settle(10_000)).toBe(true);
    const status = await g.status(follower);
    expect(status?.commit).toBeGreaterThanOrEqual(1800);
    const logs = await g.stopAndReadLogs();
    for (const log of logs) expect(log.entries.length).toBe(1800);
    expectCleanLogs(logs, [...before, ...during]);
  });

  test('every acked entry is committed exactly once across a leader kill', async () => {
    const g = await start();
    const client = g.client(0);
    const acked: Acked[] = [];
    let sequence = 0;
    let failures = 0;
    let stop = false;
    const lanes = Array.from({ length: 32 }, async () => {
      while (!stop) {
        const s = sequence++;
        try {
          const ack = await client.append(taggedPayload(3, s));
          acked.push({ producer: 3, sequence: s, index: ack.index });
        } catch {
          failures++;
        }
      }
    });
    await sleep(400);
    const oldLeader = (await g.leader())!;
    await g.kill(oldLeader);
    const newLeader = await g.leader(5000);
    expect(newLeader).toBeDefined();
    expect(newLeader).not.toBe(oldLeader);
    await sleep(600);
    await g.restart(oldLeader);
    await sleep(300);
    stop = true;
    await Promise.all(lanes);
    expect(failures).toBe(0);
    expect(acked.length).toBeGreaterThan(100);
    const afterKill = acked.filter((a) => a.index > 0).length;
    expect(afterKill).toBe(acked.length);
    expect(await g.settle(10_000)).toBe(true);
    const logs = await g.stopAndReadLogs();
    expectCleanLogs(logs, acked);
  });

  test('a stalled follower fills its ring; the majority keeps committing and the follower catches up', async () => {
    // Raft's in-flight window is opened wide so the 1 MiB ring, not the window, is what fills.
    const g = await start({ ringBytes: 1 << 20, batchBytesMax: 128 * 1024, inflightMsgsMax: 4096, inflightBytesMax: 64 << 20 });
    const leader = (await g.leader())!;
    const follower = g.ids.find((id) => id !== leader)!;
    // Warm up so the leader replicates to every follower (a follower still probed gets one
    // message at a time and never fills a ring).
    const warm = await appendMany(g, 4, 100, 8, 0, 1024);
    expect(await g.settle(5000)).toBe(true);
    const stallMs = 6000;
    await g.pause(follower, stallMs);
    const t0 = performance.now();
    const acked = [...warm, ...(await appendMany(g, 4, 2900, 64, 100, 1024))];
    const elapsedMs = performance.now() - t0;
    // The other follower forms the majority: committing did not wait for the stall to end.
    expect(elapsedMs).toBeLessThan(stallMs);
    // Whichever replica led meanwhile (a leader change is possible on a loaded machine) hit the full ring.
    const others = await Promise.all(g.ids.filter((id) => id !== follower).map((id) => g.status(id)));
    const dropped = others.reduce((sum, s) => sum + (s?.transport.droppedMessages ?? 0), 0);
    expect(dropped, JSON.stringify(others)).toBeGreaterThan(0);
    expect(await g.settle(stallMs + 10_000)).toBe(true);
    const logs = await g.stopAndReadLogs();
    for (const log of logs) expect(log.entries.length).toBe(3000);
    expectCleanLogs(logs, acked);
  }, 60_000);
});
