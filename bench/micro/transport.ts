// Micro-benchmarks of the transport hot paths: the codec on a typical replication batch
// (an Append of 64 entries of 1 KiB), with and without cached entry frames, and a ring
// push/pop of a 1 KiB record in one thread (no doorbell: the cost of the ring itself).

import type { Bench } from 'tinybench';
import type { AppendRequest } from '../../src/raft/types.js';
import { asIndex, asNodeId, asTerm } from '../../src/types.js';
import { decodeMessage, encodeInto, encodedSize, frameEntry, type FramedEntry } from '../../src/transport/codec.js';
import { RingConsumer, RingProducer, createRingBuffer } from '../../src/transport/ring.js';

const ENTRIES = 64;
const ENTRY_BYTES = 1024;

function append(entries: FramedEntry[]): AppendRequest {
  return { type: 'Append', from: asNodeId(1), to: asNodeId(2), term: asTerm(3), prevIndex: asIndex(1000), prevTerm: asTerm(3), commit: asIndex(990), entries };
}

export function register(bench: Bench): void {
  const plain = Array.from({ length: ENTRIES }, (_, i) => ({ index: asIndex(1001 + i), term: asTerm(3), data: new Uint8Array(ENTRY_BYTES).fill(i) }));
  const framed: FramedEntry[] = plain.map((e) => ({ ...e }));
  for (const entry of framed) frameEntry(entry);
  const plainMsg = append(plain);
  const framedMsg = append(framed);
  const target = new Uint8Array(encodedSize(plainMsg));
  encodeInto(target, 0, plainMsg);
  const wire = target.slice();

  bench.add('transport: encode Append 64x1KiB (crc per entry)', () => {
    encodeInto(target, 0, plainMsg);
  });
  bench.add('transport: encode Append 64x1KiB (cached frames, memcpy)', () => {
    encodeInto(target, 0, framedMsg);
  });
  bench.add('transport: decode Append 64x1KiB (verify crc, zero-copy views)', () => {
    decodeMessage(wire);
  });

  const ring = createRingBuffer(1 << 20);
  const producer = new RingProducer(ring);
  const consumer = new RingConsumer(ring);
  const record = new Uint8Array(ENTRY_BYTES).fill(7);
  bench.add('transport: ring push+pop 1KiB record', () => {
    const offset = producer.tryReserveOffset(ENTRY_BYTES);
    producer.bytes.set(record, offset);
    producer.commit();
    consumer.take();
    consumer.release();
  });
}
