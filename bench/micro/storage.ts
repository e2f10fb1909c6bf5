// Micro-benchmarks of the storage hot paths, per 1 KiB entry: crc32 of the bytes, encoding an
// entry into a slab (header + crc), verifying a stored entry, and checking a 64-frame batch of
// received bytes (the follower's appendEncoded path, before anything is written).

import type { Bench } from 'tinybench';
import { crc32 } from 'node:zlib';
import { checkFrames } from '../../src/storage/entry-frames.js';
import { decodeEntryHeader, encodeEntryInto, ENTRY_HEADER_BYTES, verifyEntry } from '../../src/storage/entry-format.js';

const BODY_BYTES = 1024;
const FRAMES = 64;

export function register(bench: Bench): void {
  const body = new Uint8Array(BODY_BYTES);
  for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
  const slab = new Uint8Array(1024 * 1024);
  let slabPos = 0;
  let index = 1;
  const frameBytes = ENTRY_HEADER_BYTES + BODY_BYTES;
  const frames = new Uint8Array(FRAMES * frameBytes);
  for (let i = 0; i < FRAMES; i++) encodeEntryInto(frames, i * frameBytes, 1000 + i, 3, body);
  const stored = frames.subarray(0, frameBytes);
  const header = decodeEntryHeader(stored, 0);
  if (typeof header === 'string') throw new Error(`storage micro-bench: bad fixture header (${header})`);

  bench.add('storage: crc32 of 1 KiB', () => {
    crc32(body);
  });
  bench.add('storage: encode 1 KiB entry into slab', () => {
    if (slabPos + frameBytes > slab.byteLength) slabPos = 0;
    slabPos += encodeEntryInto(slab, slabPos, index++, 1, body);
  });
  bench.add('storage: decode + verify 1 KiB entry', () => {
    const h = decodeEntryHeader(stored, 0);
    if (typeof h === 'string' || !verifyEntry(stored, 0, h)) throw new Error('verify failed');
  });
  bench.add(`storage: check ${FRAMES} received 1 KiB frames`, () => {
    checkFrames(frames, FRAMES, 'bench');
  });
}
