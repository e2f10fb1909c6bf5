import { describe, expect, it } from 'vitest';
import { ReplicaEntries } from '../../src/drivers/replica-entries.js';

function bytesOf(i: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let k = 0; k < size; k++) out[k] = (i * 7 + k) & 0xff;
  return out;
}

describe('ReplicaEntries', () => {
  it('keeps index and payload of every entry across chunk boundaries, as copies', () => {
    const entries = new ReplicaEntries();
    const scratch = new Uint8Array(20);
    // More than one chunk of entries (65,536) and of bytes (1 MiB).
    const count = 70_000;
    for (let i = 0; i < count; i++) {
      scratch.set(bytesOf(i, 20));
      entries.push(i * 3 + 1, scratch);
    }
    // Reusing the caller's buffer must not change what was stored.
    scratch.fill(0);
    expect(entries.length).toBe(count);
    for (const i of [0, 1, 52_427, 52_428, 65_535, 65_536, count - 1]) {
      expect(entries.indexAt(i)).toBe(i * 3 + 1);
      expect(Array.from(entries.payloadAt(i))).toEqual(Array.from(bytesOf(i, 20)));
    }
    let seen = 0;
    for (const entry of entries) {
      if (seen === 65_536) expect(entry).toEqual({ index: 65_536 * 3 + 1, payload: bytesOf(65_536, 20) });
      seen++;
    }
    expect(seen).toBe(count);
  });

  it('stores payloads of any length, one bigger than a chunk included', () => {
    const sizes = [0, 1, 1000, (1 << 20) + 5, 3];
    const entries = ReplicaEntries.from(sizes.map((size, i) => ({ index: i + 1, payload: bytesOf(i, size) })));
    sizes.forEach((size, i) => {
      expect(entries.payloadAt(i).byteLength).toBe(size);
      expect(Buffer.from(entries.payloadAt(i)).equals(Buffer.from(bytesOf(i, size)))).toBe(true);
    });
  });

  it('refuses positions outside the table', () => {
    const entries = ReplicaEntries.from([{ index: 5, payload: new Uint8Array(4) }]);
    expect(() => entries.indexAt(1)).toThrow('ReplicaEntries.indexAt(1) outside [0, 1)');
    expect(() => entries.payloadAt(-1)).toThrow('ReplicaEntries.payloadAt(-1) outside [0, 1)');
  });
});
