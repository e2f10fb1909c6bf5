import { afterEach, describe, expect, it } from 'vitest';
import { seededRng } from '../../src/prng.js';
import type { AppendRequest, Message } from '../../src/raft/types.js';
import { asIndex, asNodeId, asTerm, type NodeId } from '../../src/types.js';
import { framesViewOf } from '../../src/transport/codec.js';
import { RingTransport, createRingMesh } from '../../src/transport/ring-transport.js';
import type { MessageLease } from '../../src/transport/transport.js';
import { comparable, randomMessage } from './random-messages.js';

const open: RingTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

function mesh(ids: number[], ringBytes: number): Map<NodeId, RingTransport> {
  const endpoints = createRingMesh(ids.map(asNodeId), ringBytes);
  const out = new Map<NodeId, RingTransport>();
  for (const [id, endpoint] of endpoints) {
    const transport = new RingTransport(endpoint);
    open.push(transport);
    out.set(id, transport);
  }
  return out;
}

function heartbeat(from: number, to: number, commit: number): Message {
  return { type: 'Heartbeat', from: asNodeId(from), to: asNodeId(to), term: asTerm(1), commit: asIndex(commit) };
}

function append(from: number, to: number, prevIndex: number, body: number): AppendRequest {
  return { type: 'Append', from: asNodeId(from), to: asNodeId(to), term: asTerm(1), prevIndex: asIndex(prevIndex), prevTerm: asTerm(1), commit: asIndex(0), entries: [{ index: asIndex(prevIndex + 1), term: asTerm(1), data: new Uint8Array(100).fill(body) }] };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('ring transport', () => {
  it('random messages between three replicas arrive in send order per link, equal to what was sent', async () => {
    const transports = mesh([1, 2, 3], 64 * 1024);
    const received = new Map<number, Message[]>();
    for (const [id, t] of transports) t.onMessage((msg) => received.set(id, [...(received.get(id) ?? []), structuredClone(comparable(msg)) as Message]));
    const rng = seededRng(5);
    const sent = new Map<number, unknown[]>();
    for (let i = 0; i < 300; i++) {
      const from = 1 + rng.int(3);
      const to = ((from + rng.int(2)) % 3) + 1;
      const msg = randomMessage(rng, undefined, from, to);
      expect(transports.get(asNodeId(from))!.send(asNodeId(to), msg)).toBe(true);
      sent.set(to, [...(sent.get(to) ?? []), comparable(msg)]);
    }
    await until(() => [1, 2, 3].every((id) => (received.get(id)?.length ?? 0) === (sent.get(id)?.length ?? 0)));
    for (const id of [1, 2, 3]) {
      for (const from of [1, 2, 3]) {
        const fromSent = (sent.get(id) ?? []).filter((m) => (m as Message).from === from);
        const fromReceived = (received.get(id) ?? []).filter((m) => m.from === from);
        expect(fromReceived).toEqual(fromSent);
      }
    }
  });

  it('a received Append is a view of the ring with its frames region exposed', async () => {
    const transports = mesh([1, 2], 4096);
    let frames: Uint8Array | undefined;
    transports.get(asNodeId(2))!.onMessage((msg) => {
      if (msg.type === 'Append') frames = framesViewOf(msg)?.slice();
    });
    transports.get(asNodeId(1))!.send(asNodeId(2), append(1, 2, 0, 7));
    await until(() => frames !== undefined);
    expect(frames!.byteLength).toBe(32 + 100);
    expect(frames![32]).toBe(7);
  });

  it('send returns false when the receiver does not drain (back-pressure), and whenWritable waits for space', async () => {
    const transports = mesh([1, 2], 1024);
    const sender = transports.get(asNodeId(1))!;
    let accepted = 0;
    while (sender.send(asNodeId(2), append(1, 2, accepted, 1))) accepted++;
    expect(accepted).toBeGreaterThan(3);
    expect(sender.stats().droppedMessages).toBe(1);
    const writable = sender.whenWritable(asNodeId(2), 200);
    transports.get(asNodeId(2))!.onMessage(() => {});
    await writable;
    expect(sender.send(asNodeId(2), heartbeat(1, 2, 0))).toBe(true);
  });

  it('a retained message stays intact and blocks its ring slot until released, out-of-order releases included', async () => {
    const transports = mesh([1, 2], 1024);
    const leases: { msg: AppendRequest; release: () => void }[] = [];
    transports.get(asNodeId(2))!.onMessage((msg, lease: MessageLease) => {
      if (msg.type === 'Append') leases.push({ msg, release: lease.retain() });
    });
    const sender = transports.get(asNodeId(1))!;
    let sent = 0;
    while (sender.send(asNodeId(2), append(1, 2, sent, sent + 1))) sent++;
    await until(() => leases.length === sent);
    // Ring still full: nothing was released.
    expect(sender.send(asNodeId(2), append(1, 2, sent, 0xee))).toBe(false);
    expect(leases.every((l, i) => l.msg.entries[0]!.data.every((b) => b === i + 1))).toBe(true);
    // Releasing the second first frees nothing (records are freed in order) ...
    leases[1]!.release();
    expect(sender.send(asNodeId(2), append(1, 2, sent, 0xee))).toBe(false);
    // ... then releasing the first frees both.
    leases[0]!.release();
    expect(sender.send(asNodeId(2), append(1, 2, sent, 0xee))).toBe(true);
    expect(leases[2]!.msg.entries[0]!.data.every((b) => b === 3)).toBe(true);
  });

  it('a message too large for the ring is refused with the limit in the error', () => {
    const transports = mesh([1, 2], 1024);
    const big = append(1, 2, 0, 1);
    big.entries[0]!.data = new Uint8Array(1000);
    expect(() => transports.get(asNodeId(1))!.send(asNodeId(2), big)).toThrow(/exceeds the ring record limit 504/);
  });

  it('a batch of sends rings one doorbell', async () => {
    const transports = mesh([1, 2], 64 * 1024);
    let count = 0;
    transports.get(asNodeId(2))!.onMessage(() => count++);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const sender = transports.get(asNodeId(1))!;
    for (let i = 0; i < 100; i++) sender.send(asNodeId(2), heartbeat(1, 2, i));
    await until(() => count === 100);
    expect(sender.ringStats().find((s) => s.peer === 2)!.doorbells).toBe(1);
  });

  it('a replica restarted on the same endpoint receives what was sent while it was down', async () => {
    const endpoints = createRingMesh([1, 2].map(asNodeId), 4096);
    const sender = new RingTransport(endpoints.get(asNodeId(1))!);
    open.push(sender);
    const first = new RingTransport(endpoints.get(asNodeId(2))!);
    await first.close();
    sender.send(asNodeId(2), heartbeat(1, 2, 41));
    const restarted = new RingTransport(endpoints.get(asNodeId(2))!);
    open.push(restarted);
    const commits: number[] = [];
    restarted.onMessage((msg) => commits.push((msg as { commit: number }).commit));
    await until(() => commits.length === 1);
    expect(commits).toEqual([41]);
  });
});
