// Validation of already-encoded entry frames (appendEncoded's input): every frame must be a
// well-formed entry with a matching CRC, and indices must be consecutive from the expected one.
// Returns the per-frame (offset, term) so the caller can index them without decoding twice.

import { StorageError } from './storage-error.js';
import { decodeEntryHeader, ENTRY_HEADER_BYTES, verifyEntry } from './entry-format.js';

export interface FrameLayout {
  /** Byte offset of each frame inside `frames`. */
  offsets: Float64Array;
  terms: Float64Array;
  firstIndex: number;
}

export function checkFrames(frames: Uint8Array, count: number, what: string): FrameLayout {
  if (!Number.isInteger(count) || count < 1) throw new StorageError('INVALID', what, `${what}: expected a frame count >= 1, got ${count}`);
  const offsets = new Float64Array(count);
  const terms = new Float64Array(count);
  let offset = 0;
  let firstIndex = 0;
  let previousTerm = 0;
  for (let i = 0; i < count; i++) {
    const header = decodeEntryHeader(frames, offset);
    if (typeof header === 'string') {
      throw new StorageError('CORRUPT', what, `${what}: frame ${i} at byte ${offset}: bad header (${header})`);
    }
    if (!verifyEntry(frames, offset, header)) {
      throw new StorageError('CORRUPT', what, `${what}: frame ${i} at byte ${offset} (index ${header.index}): crc mismatch or truncated body`);
    }
    if (i === 0) firstIndex = header.index;
    else if (header.index !== firstIndex + i) {
      throw new StorageError('INVALID', what, `${what}: frame ${i} has index ${header.index}, expected ${firstIndex + i} (frames must be consecutive)`);
    }
    if (header.term < previousTerm) throw new StorageError('INVALID', what, `${what}: term decreases at index ${header.index}`);
    previousTerm = header.term;
    offsets[i] = offset;
    terms[i] = header.term;
    offset += ENTRY_HEADER_BYTES + header.bodyLength;
  }
  if (offset !== frames.byteLength) {
    throw new StorageError('INVALID', what, `${what}: ${count} frames span ${offset} bytes but ${frames.byteLength} were given`);
  }
  return { offsets, terms, firstIndex };
}
