import { describe, expect, it } from 'vitest';
import { hasTag, readTag, tagProducer, tagSequence, TAG_BYTES, writeTag } from '../../src/check/tag.js';

describe('allocation-free tag readers', () => {
  it('agree with readTag on producers and sequences across the whole range', () => {
    const cases = [
      [0, 0],
      [1, 1],
      [0xffff_ffff, 0xffff_ffff],
      [0x0102_0304, 2 ** 32],
      [0x8000_0000, 2 ** 53 - 1],
    ] as const;
    for (const [producer, sequence] of cases) {
      const payload = new Uint8Array(24);
      writeTag(payload, producer, sequence);
      expect(hasTag(payload)).toBe(true);
      expect({ producer: tagProducer(payload), sequence: tagSequence(payload) }).toEqual(readTag(payload));
    }
  });

  it('read a tag in a payload that is a view into a larger buffer', () => {
    const buffer = new Uint8Array(100);
    const payload = buffer.subarray(37, 37 + TAG_BYTES);
    writeTag(payload, 7, 9);
    expect([hasTag(payload), tagProducer(payload), tagSequence(payload)]).toEqual([true, 7, 9]);
  });

  it('find no tag in a short payload or one without the magic', () => {
    const payload = new Uint8Array(32);
    writeTag(payload, 1, 2);
    expect(hasTag(payload.subarray(0, TAG_BYTES - 1))).toBe(false);
    payload[0]! ^= 1;
    expect(hasTag(payload)).toBe(false);
    expect(readTag(payload)).toBeUndefined();
  });
});
