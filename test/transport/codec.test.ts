import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/prng.js';
import type { AppendRequest, Message } from '../../src/raft/types.js';
import { ENTRY_HEADER_BYTES, encodeEntry } from '../../src/storage/entry-format.js';
import { asIndex, asNodeId, asTerm } from '../../src/types.js';
import {
  APPEND_HEADER_BYTES, MessageDecodeError, decodeMessage, encodeInto, encodeMessage, encodedSize, frameEntry, framesViewOf, type FramedEntry,
} from '../../src/transport/codec.js';
import { ALL_TYPES, comparable, randomEntries, randomMessage } from './random-messages.js';

function appendOf(entries: FramedEntry[], prevIndex = 9): AppendRequest {
  return { type: 'Append', from: asNodeId(1), to: asNodeId(2), term: asTerm(5), prevIndex: asIndex(prevIndex), prevTerm: asTerm(4), commit: asIndex(7), entries };
}

function threeEntryAppend(): Uint8Array {
  const entries = [10, 11, 12].map((index) => ({ index: asIndex(index), term: asTerm(5), data: new Uint8Array(20).fill(index) }));
  return encodeMessage(appendOf(entries));
}

describe('codec round trip', () => {
  for (const type of ALL_TYPES) {
    it(`${type} decodes to the message that was encoded`, () => {
      const rng = seededRng(100 + ALL_TYPES.indexOf(type));
      for (let i = 0; i < 50; i++) {
        const msg = randomMessage(rng, type);
        const bytes = encodeMessage(msg);
        expect(bytes.byteLength).toBe(encodedSize(msg));
        expect(comparable(decodeMessage(bytes))).toEqual(comparable(msg));
      }
    });
  }

  it('5000 random messages from seed 42 round-trip at an offset inside a larger buffer', () => {
    const rng = seededRng(42);
    const buffer = new Uint8Array(64 * 1024);
    for (let i = 0; i < 5000; i++) {
      const msg = randomMessage(rng);
      const offset = rng.int(1000);
      const written = encodeInto(buffer, offset, msg);
      expect(written).toBe(encodedSize(msg));
      expect(comparable(decodeMessage(buffer.subarray(offset, offset + written)))).toEqual(comparable(msg));
    }
  });

  it('decoded Append entries and framesView are views of the received buffer, framed as on disk', () => {
    const entries = [
      { index: asIndex(10), term: asTerm(5), data: new Uint8Array([1, 2, 3]) },
      { index: asIndex(11), term: asTerm(5), data: new Uint8Array([4, 5]) },
    ];
    const bytes = encodeMessage(appendOf(entries));
    const decoded = decodeMessage(bytes);
    expect(decoded.type).toBe('Append');
    const append = decoded as AppendRequest;
    const frames = framesViewOf(append)!;
    expect(frames.buffer).toBe(bytes.buffer);
    expect(frames.byteOffset).toBe(APPEND_HEADER_BYTES);
    const expected = new Uint8Array([...encodeEntry(10, 5, entries[0]!.data), ...encodeEntry(11, 5, entries[1]!.data)]);
    expect(Array.from(frames)).toEqual(Array.from(expected));
    expect(append.entries[0]!.data.buffer).toBe(bytes.buffer);
    bytes[APPEND_HEADER_BYTES + ENTRY_HEADER_BYTES] = 99;
    expect(append.entries[0]!.data[0]).toBe(99);
  });

  it('an entry with a cached frame is copied, not re-encoded, and gives the same bytes', () => {
    const rng = seededRng(7);
    const plain = randomEntries(rng, 9, 5, 4, 100).map((e) => ({ ...e, term: asTerm(5), data: new Uint8Array([...e.data, 1]) }));
    const framed: FramedEntry[] = plain.map((e) => ({ ...e }));
    for (const entry of framed) frameEntry(entry);
    const withCache = encodeMessage(appendOf(framed));
    expect(Array.from(withCache)).toEqual(Array.from(encodeMessage(appendOf(plain))));
    // Change a body byte behind the cache's back (data is a view of the frame): re-encoding would
    // compute a fresh, valid crc; copying the cached frame keeps the stale crc, which the receiver catches.
    const frame = framed[1]!.frame!;
    framed[1]!.data = frame.subarray(ENTRY_HEADER_BYTES);
    frame[ENTRY_HEADER_BYTES] = (frame[ENTRY_HEADER_BYTES]! ^ 0xff) & 0xff;
    expect(() => decodeMessage(encodeMessage(appendOf(framed)))).toThrow(/entry 11 fails its crc check/);
  });

  it('a cached frame that belongs to another entry is refused at encode', () => {
    const entry: FramedEntry = { index: asIndex(10), term: asTerm(5), data: new Uint8Array(3) };
    entry.frame = encodeEntry(12, 5, new Uint8Array(3));
    expect(() => encodeMessage(appendOf([entry]))).toThrow(/cached frame does not belong to entry 10/);
  });

  it('encode refuses non-contiguous entries', () => {
    const entries = [
      { index: asIndex(10), term: asTerm(5), data: new Uint8Array(1) },
      { index: asIndex(12), term: asTerm(5), data: new Uint8Array(1) },
    ];
    expect(() => encodeMessage(appendOf(entries))).toThrow(/entry 1 has index 12, expected 11/);
  });
});

describe('codec rejects malformed frames', () => {
  const heartbeat: Message = { type: 'Heartbeat', from: asNodeId(1), to: asNodeId(2), term: asTerm(3), commit: asIndex(4) };

  it('a truncated Append is rejected naming the truncation', () => {
    const bytes = threeEntryAppend();
    for (const cut of [10, APPEND_HEADER_BYTES - 1, APPEND_HEADER_BYTES + 5, bytes.length - 1]) {
      expect(() => decodeMessage(bytes.subarray(0, cut))).toThrow(MessageDecodeError);
    }
    expect(() => decodeMessage(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated or trailing bytes/);
  });

  it('an Append whose length field agrees with a truncated last entry is rejected as truncated', () => {
    const bytes = threeEntryAppend().slice();
    const cut = bytes.subarray(0, bytes.length - 1).slice();
    new DataView(cut.buffer).setUint32(48, cut.length - APPEND_HEADER_BYTES, true);
    expect(() => decodeMessage(cut)).toThrow(/entry 2 .*truncated/);
  });

  it('a flipped payload bit is rejected by the entry crc', () => {
    const bytes = threeEntryAppend().slice();
    bytes[bytes.length - 1]! ^= 0x10;
    expect(() => decodeMessage(bytes)).toThrow(/entry 12 fails its crc check/);
  });

  it('an unknown type code is rejected', () => {
    const bytes = encodeMessage(heartbeat);
    bytes[2] = 42;
    expect(() => decodeMessage(bytes)).toThrow(/unknown message type code 42/);
  });

  it('a bad magic is rejected', () => {
    const bytes = encodeMessage(heartbeat);
    bytes[0] = 0;
    expect(() => decodeMessage(bytes)).toThrow(/bad magic/);
  });

  it('a fixed-size message with trailing bytes is rejected', () => {
    const bytes = new Uint8Array(encodedSize(heartbeat) + 1);
    encodeInto(bytes, 0, heartbeat);
    expect(() => decodeMessage(bytes)).toThrow(/Heartbeat: 29 bytes, expected exactly 28/);
  });

  it('node ids outside the configured range or equal are rejected', () => {
    const bytes = encodeMessage({ ...heartbeat, to: asNodeId(9) });
    expect(() => decodeMessage(bytes, { nodeIdMax: 7 })).toThrow(/to 9 outside \[1, 7\]/);
    const self = encodeMessage(heartbeat);
    new DataView(self.buffer).setUint32(8, 1, true);
    expect(() => decodeMessage(self)).toThrow(/from and to are both 1/);
  });

  it('non-contiguous entry indices are rejected', () => {
    const entries = [{ index: asIndex(10), term: asTerm(5), data: new Uint8Array(1) }];
    const bytes = encodeMessage(appendOf(entries));
    new DataView(bytes.buffer).setUint32(20, 10, true); // prevIndex 10: entry should be 11
    expect(() => decodeMessage(bytes)).toThrow(/entry 0 has index 10, expected 11/);
  });

  it('reserved flag bits are rejected', () => {
    const bytes = encodeMessage(heartbeat);
    bytes[3] = 0x80;
    expect(() => decodeMessage(bytes)).toThrow(/reserved flag bits/);
  });

  it('random corruption of random messages never decodes into a different message silently', () => {
    const rng = seededRng(9);
    let rejected = 0;
    for (let i = 0; i < 2000; i++) {
      const msg = randomMessage(rng, 'Append') as AppendRequest;
      if (msg.entries.length === 0) continue;
      const bytes = encodeMessage(msg);
      const at = APPEND_HEADER_BYTES + rng.int(bytes.length - APPEND_HEADER_BYTES);
      bytes[at]! ^= 1 << rng.int(8);
      try {
        decodeMessage(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(MessageDecodeError);
        rejected++;
        continue;
      }
      throw new Error(`corruption at byte ${at} of ${bytes.length} was accepted`);
    }
    expect(rejected).toBeGreaterThan(1000);
  });
});
