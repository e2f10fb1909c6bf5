import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/prng.js';
import type { Message } from '../../src/raft/types.js';
import { asIndex, asNodeId, asTerm, type NodeId } from '../../src/types.js';
import { FaultTransport, type FaultConfig, type Scheduler } from '../../src/transport/fault-transport.js';
import { MemoryNetwork } from '../../src/transport/memory-transport.js';
import { PartitionTable } from '../../src/transport/partition-table.js';

/** A scheduler driven by hand: nothing runs until advance(). */
class ManualClock {
  nowMs = 0;
  private readonly pending: { atMs: number; order: number; run: () => void }[] = [];
  private order = 0;
  readonly schedule: Scheduler = (delayMs, run) => {
    this.pending.push({ atMs: this.nowMs + delayMs, order: this.order++, run });
  };
  advance(ms: number): void {
    this.nowMs += ms;
    this.pending.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
    while (this.pending.length > 0 && this.pending[0]!.atMs <= this.nowMs) this.pending.shift()!.run();
  }
}

function heartbeat(from: number, to: number, commit: number): Message {
  return { type: 'Heartbeat', from: asNodeId(from), to: asNodeId(to), term: asTerm(1), commit: asIndex(commit) };
}

interface Group {
  faulty: Map<NodeId, FaultTransport>;
  received: Map<NodeId, { from: number; commit: number }[]>;
  clock: ManualClock;
  network: MemoryNetwork;
}

function group(seed: number, faults: Partial<FaultConfig> = {}, partitions = PartitionTable.create(3, false)): Group {
  const network = new MemoryNetwork({ queueMessagesMax: 100_000 });
  const clock = new ManualClock();
  const faulty = new Map<NodeId, FaultTransport>();
  const received = new Map<NodeId, { from: number; commit: number }[]>();
  const rng = seededRng(seed);
  for (const id of [1, 2, 3].map(asNodeId)) {
    const transport = new FaultTransport(network.transport(id), { rng: rng.fork(), scheduler: clock.schedule, faults, partitions });
    received.set(id, []);
    transport.onMessage((msg) => received.get(id)!.push({ from: msg.from, commit: (msg as { commit: number }).commit }));
    faulty.set(id, transport);
  }
  return { faulty, received, clock, network };
}

async function settle(g: Group): Promise<void> {
  await g.network.drained();
  await new Promise((resolve) => setImmediate(resolve));
}

function sendMany(g: Group, from: number, to: number, count: number): void {
  for (let i = 0; i < count; i++) g.faulty.get(asNodeId(from))!.send(asNodeId(to), heartbeat(from, to, i));
}

describe('fault transport', () => {
  it('drops about the configured fraction, the same messages for the same seed', async () => {
    const runs: number[][] = [];
    for (let r = 0; r < 2; r++) {
      const g = group(11, { dropProbability: 0.3 });
      sendMany(g, 1, 2, 1000);
      await settle(g);
      const got = g.received.get(asNodeId(2))!.map((m) => m.commit);
      expect(got.length + g.faulty.get(asNodeId(1))!.faultStats.dropped).toBe(1000);
      expect(got.length).toBeGreaterThan(650);
      expect(got.length).toBeLessThan(750);
      runs.push(got);
    }
    expect(runs[1]).toEqual(runs[0]);
  });

  it('duplicates every message when duplicateProbability is 1', async () => {
    const g = group(1, { duplicateProbability: 1 });
    sendMany(g, 1, 2, 5);
    await settle(g);
    expect(g.received.get(asNodeId(2))!.map((m) => m.commit)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
  });

  it('delays messages until the injected clock reaches the delay', async () => {
    const g = group(2, { delayMsMin: 10, delayMsMax: 20 });
    sendMany(g, 1, 2, 20);
    await settle(g);
    expect(g.received.get(asNodeId(2))!.length).toBe(0);
    g.clock.advance(9.99);
    await settle(g);
    expect(g.received.get(asNodeId(2))!.length).toBe(0);
    g.clock.advance(10.01);
    await settle(g);
    expect(g.received.get(asNodeId(2))!.map((m) => m.commit).sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });

  it('reorders by sending a held message after the next one', async () => {
    const g = group(3, { reorderProbability: 1 });
    sendMany(g, 1, 2, 6);
    await settle(g);
    expect(g.received.get(asNodeId(2))!.map((m) => m.commit)).toEqual([1, 0, 3, 2, 5, 4]);
  });

  it('a held message goes out after reorderHoldMs when nothing follows it', async () => {
    const g = group(3, { reorderProbability: 1, reorderHoldMs: 5 });
    sendMany(g, 1, 2, 1);
    await settle(g);
    expect(g.received.get(asNodeId(2))!.length).toBe(0);
    g.clock.advance(5);
    await settle(g);
    expect(g.received.get(asNodeId(2))!.map((m) => m.commit)).toEqual([0]);
  });

  it('split blocks links between the groups both ways and heal restores them', async () => {
    const g = group(4);
    g.faulty.get(asNodeId(1))!.split([asNodeId(1)], [asNodeId(2), asNodeId(3)]);
    sendMany(g, 1, 2, 3);
    sendMany(g, 2, 1, 3);
    sendMany(g, 2, 3, 3);
    await settle(g);
    expect(g.received.get(asNodeId(2))!.length).toBe(0);
    expect(g.received.get(asNodeId(1))!.length).toBe(0);
    expect(g.received.get(asNodeId(3))!.length).toBe(3);
    g.faulty.get(asNodeId(1))!.heal();
    sendMany(g, 1, 2, 3);
    await settle(g);
    expect(g.received.get(asNodeId(2))!.length).toBe(3);
  });

  it('isolate cuts one node off from all others', async () => {
    const g = group(5);
    g.faulty.get(asNodeId(2))!.isolate(asNodeId(3));
    for (const [from, to] of [[1, 3], [3, 1], [2, 3], [3, 2], [1, 2]] as const) sendMany(g, from, to, 1);
    await settle(g);
    expect(g.received.get(asNodeId(3))!.length).toBe(0);
    expect(g.received.get(asNodeId(1))!.length).toBe(0);
    expect(g.received.get(asNodeId(2))!.map((m) => m.from)).toEqual([1]);
  });

  it('a link blocked only in the receiver\'s table still drops inbound messages', async () => {
    const network = new MemoryNetwork();
    const rng = seededRng(6);
    const sender = new FaultTransport(network.transport(asNodeId(1)), { rng: rng.fork() });
    const receiver = new FaultTransport(network.transport(asNodeId(2)), { rng: rng.fork() });
    let got = 0;
    receiver.onMessage(() => got++);
    receiver.partitions.block(asNodeId(1), asNodeId(2));
    sender.send(asNodeId(2), heartbeat(1, 2, 0));
    await network.drained();
    expect(got).toBe(0);
    expect(receiver.faultStats.partitioned).toBe(1);
  });

  it('a partition table over a SharedArrayBuffer is seen by every wrapper built on it', () => {
    const table = PartitionTable.create(3);
    const copy = new PartitionTable(table.buffer);
    table.isolate(asNodeId(2));
    expect(copy.isBlocked(asNodeId(1), asNodeId(2))).toBe(true);
    expect(copy.blockedLinks()).toEqual(['1>2', '2>1', '2>3', '3>2']);
    copy.heal();
    expect(table.blockedLinks()).toEqual([]);
  });

  it('faults can be changed during a run', async () => {
    const g = group(7, { dropProbability: 1 });
    sendMany(g, 1, 2, 5);
    g.faulty.get(asNodeId(1))!.configure({ dropProbability: 0 });
    sendMany(g, 1, 2, 5);
    await settle(g);
    expect(g.received.get(asNodeId(2))!.length).toBe(5);
    expect(() => g.faulty.get(asNodeId(1))!.configure({ dropProbability: 2 })).toThrow(/dropProbability must be in \[0, 1\]/);
  });
});
