import { afterEach, describe, expect, it } from 'vitest';
import { seededRng } from '../../src/prng.js';
import type { AppendRequest, Message } from '../../src/raft/types.js';
import { asIndex, asNodeId, asTerm, type NodeId } from '../../src/types.js';
import { encodeMessage } from '../../src/transport/codec.js';
import { FrameReader } from '../../src/transport/frame-reader.js';
import { TcpTransport, type HostPort, type TcpTransportOptions } from '../../src/transport/tcp-transport.js';
import { comparable, randomMessage } from './random-messages.js';

const TOKEN = 'test-token-1';
const open: TcpTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

function transport(self: number, peers: Record<number, HostPort | undefined>, extra: Partial<TcpTransportOptions> = {}): TcpTransport {
  const t = new TcpTransport({
    self: asNodeId(self),
    listen: { host: '127.0.0.1', port: 0 },
    peers: new Map(Object.entries(peers).map(([id, address]) => [asNodeId(Number(id)), address])),
    token: TOKEN,
    reconnectDelayMsMin: 10,
    reconnectDelayMsMax: 100,
    log: () => {},
    ...extra,
  });
  open.push(t);
  return t;
}

function heartbeat(from: number, to: number, commit: number): Message {
  return { type: 'Heartbeat', from: asNodeId(from), to: asNodeId(to), term: asTerm(1), commit: asIndex(commit) };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function connectedPair(): Promise<{ a: TcpTransport; b: TcpTransport; atB: Message[]; atA: Message[] }> {
  const a = transport(1, { 2: undefined });
  const b = transport(2, { 1: undefined });
  const addressA = await a.start();
  const addressB = await b.start();
  a.setPeerAddress(asNodeId(2), addressB);
  b.setPeerAddress(asNodeId(1), addressA);
  const atA: Message[] = [];
  const atB: Message[] = [];
  a.onMessage((msg) => atA.push(msg));
  b.onMessage((msg) => atB.push(msg));
  await until(() => a.stats().peers[0]!.state === 'ready' && b.stats().peers[0]!.state === 'ready');
  return { a, b, atA, atB };
}

describe('tcp transport', () => {
  it('two replicas on 127.0.0.1 exchange random messages both ways, in order and intact', async () => {
    const { a, b, atA, atB } = await connectedPair();
    const rng = seededRng(21);
    const toB: unknown[] = [];
    const toA: unknown[] = [];
    for (let i = 0; i < 500; i++) {
      const ab = randomMessage(rng, undefined, 1, 2);
      expect(a.send(asNodeId(2), ab)).toBe(true);
      toB.push(comparable(ab));
      const ba = randomMessage(rng, undefined, 2, 1);
      expect(b.send(asNodeId(1), ba)).toBe(true);
      toA.push(comparable(ba));
    }
    // One large Append spanning many socket reads.
    const big: AppendRequest = { type: 'Append', from: asNodeId(1), to: asNodeId(2), term: asTerm(2), prevIndex: asIndex(0), prevTerm: asTerm(0), commit: asIndex(0),
      entries: Array.from({ length: 300 }, (_, i) => ({ index: asIndex(i + 1), term: asTerm(2), data: new Uint8Array(1024).fill(i & 0xff) })) };
    a.send(asNodeId(2), big);
    toB.push(comparable(big));
    await until(() => atB.length === toB.length && atA.length === toA.length);
    expect(atB.map(comparable)).toEqual(toB);
    expect(atA.map(comparable)).toEqual(toA);
  });

  it('reconnects after the peer restarts on the same port', async () => {
    const { a, b, atB } = await connectedPair();
    a.send(asNodeId(2), heartbeat(1, 2, 1));
    await until(() => atB.length === 1);
    const bPort = b.listenAddress()!.port;
    await b.close();
    await until(() => a.stats().peers[0]!.state !== 'ready');
    const restarted = transport(2, { 1: undefined }, { listen: { host: '127.0.0.1', port: bPort } });
    const atRestarted: Message[] = [];
    restarted.onMessage((msg) => atRestarted.push(msg));
    await restarted.start();
    await until(() => a.stats().peers[0]!.state === 'ready');
    expect(a.stats().peers[0]!.connects).toBe(2);
    a.send(asNodeId(2), heartbeat(1, 2, 2));
    await until(() => atRestarted.length === 1);
    expect((atRestarted[0] as { commit: number }).commit).toBe(2);
  });

  it('a connection with a wrong token is refused and logged with the remote address', async () => {
    const logs: string[] = [];
    const a = transport(1, { 2: undefined }, { log: (line) => logs.push(line) });
    const addressA = await a.start();
    const received: Message[] = [];
    a.onMessage((msg) => received.push(msg));
    const intruder = transport(2, { 1: addressA }, { token: 'wrong-token' });
    await intruder.start();
    intruder.send(asNodeId(1), heartbeat(2, 1, 1));
    await until(() => a.stats().refusedConnections >= 1);
    expect(logs.some((line) => /refused connection from 127\.0\.0\.1:\d+: bad auth token \(claimed node 2\)/.test(line))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual([]);
    expect(intruder.stats().peers[0]!.state).not.toBe('ready');
  });

  it('a connection claiming an unknown node id is refused', async () => {
    const logs: string[] = [];
    const a = transport(1, { 2: undefined }, { log: (line) => logs.push(line) });
    const addressA = await a.start();
    const stranger = transport(5, { 1: addressA });
    await stranger.start();
    await until(() => a.stats().refusedConnections >= 1);
    expect(logs.some((line) => /node 5 is not a peer of node 1/.test(line))).toBe(true);
  });

  it('the outgoing queue to an unreachable peer is bounded: sends beyond it return false and are counted', async () => {
    const a = transport(1, { 2: { host: '127.0.0.1', port: 1 } }, { outgoingBytesMax: 64 * 1024 });
    await a.start();
    let accepted = 0;
    while (a.send(asNodeId(2), heartbeat(1, 2, accepted))) accepted++;
    expect(accepted).toBe(Math.floor((64 * 1024) / 32));
    expect(a.stats().droppedMessages).toBe(1);
    expect(a.stats().peers[0]!.dropped).toBe(1);
  });

  it('a peer sending garbage after the handshake is disconnected and counted', async () => {
    const { a, b } = await connectedPair();
    const logs: string[] = [];
    (b as unknown as { options: { log: (line: string) => void } }).options.log = (line) => logs.push(line);
    const link = (a as unknown as { links: Map<NodeId, { socket: { write(data: Buffer): void } }> }).links.get(asNodeId(2))!;
    const frame = Buffer.from(encodeMessage(heartbeat(1, 2, 3)));
    frame[2] = 77;
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(frame.length);
    link.socket.write(Buffer.concat([prefix, frame]));
    await until(() => b.stats().badStreams === 1);
    expect(logs.some((line) => /unknown message type code 77/.test(line))).toBe(true);
  });
});

describe('frame reader', () => {
  it('reassembles frames fed one byte at a time and hands whole-chunk frames out as views', () => {
    const frames = [Buffer.from('hello'), Buffer.alloc(300, 9), Buffer.from('x')];
    const stream = Buffer.concat(frames.flatMap((f) => {
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32LE(f.length);
      return [prefix, f];
    }));
    const out: Buffer[] = [];
    const reader = new FrameReader(1, 1000);
    for (let i = 0; i < stream.length; i++) reader.push(stream.subarray(i, i + 1), (f) => out.push(Buffer.from(f)));
    expect(out).toEqual(frames);
    const views: Buffer[] = [];
    new FrameReader(1, 1000).push(stream, (f) => views.push(f));
    expect(views.every((v) => v.buffer === stream.buffer)).toBe(true);
  });

  it('rejects a frame length outside its bounds', () => {
    const reader = new FrameReader(4, 100);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(101);
    expect(() => reader.push(prefix, () => {})).toThrow(/frame length 101 outside \[4, 100\]/);
  });
});
