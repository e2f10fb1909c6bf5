import { describe, expect, it } from 'vitest';
import type { AppendRequest, Message } from '../../src/raft/types.js';
import { asIndex, asNodeId, asTerm } from '../../src/types.js';
import { MemoryNetwork } from '../../src/transport/memory-transport.js';

function heartbeat(from: number, to: number, commit: number): Message {
  return { type: 'Heartbeat', from: asNodeId(from), to: asNodeId(to), term: asTerm(1), commit: asIndex(commit) };
}

describe('memory transport', () => {
  it('delivers asynchronously, in order, a decoded copy that shares nothing with the sender', async () => {
    const network = new MemoryNetwork();
    const a = network.transport(asNodeId(1));
    const b = network.transport(asNodeId(2));
    const got: Message[] = [];
    b.onMessage((msg) => got.push(msg));
    const data = new Uint8Array([1, 2, 3]);
    const append: AppendRequest = { type: 'Append', from: asNodeId(1), to: asNodeId(2), term: asTerm(1), prevIndex: asIndex(0), prevTerm: asTerm(0), commit: asIndex(0), entries: [{ index: asIndex(1), term: asTerm(1), data }] };
    a.send(asNodeId(2), heartbeat(1, 2, 5));
    a.send(asNodeId(2), append);
    expect(got).toEqual([]);
    data[0] = 9;
    await network.drained();
    expect(got.map((m) => m.type)).toEqual(['Heartbeat', 'Append']);
    expect(Array.from((got[1] as AppendRequest).entries[0]!.data)).toEqual([1, 2, 3]);
  });

  it('a full link drops and counts', () => {
    const network = new MemoryNetwork({ queueMessagesMax: 2 });
    const a = network.transport(asNodeId(1));
    expect([1, 2, 3].map((i) => a.send(asNodeId(2), heartbeat(1, 2, i)))).toEqual([true, true, false]);
    expect(a.stats().droppedMessages).toBe(1);
  });

  it('a closed transport receives nothing', async () => {
    const network = new MemoryNetwork();
    const a = network.transport(asNodeId(1));
    const b = network.transport(asNodeId(2));
    let got = 0;
    b.onMessage(() => got++);
    a.send(asNodeId(2), heartbeat(1, 2, 1));
    await b.close();
    await network.drained();
    expect(got).toBe(0);
  });
});
