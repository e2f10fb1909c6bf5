// The one entry format, on disk and on the wire: a 32-byte header followed by the body.
// The leader encodes an entry once; followers receive these exact bytes and write them to their
// files without re-encoding.
//
//   offset size field
//   0      4    magic        0x4C42454E ("LBEN"), little-endian u32
//   4      4    bodyLength   u32, <= ENTRY_BODY_BYTES_MAX
//   8      8    index        u64 little-endian (lo u32, hi u32), 1-based log index
//   16     8    term         u64 little-endian (lo u32, hi u32)
//   24     4    reserved     0
//   28     4    crc          zlib.crc32 of header bytes [0, 28) then the body
//
// Invariants checked by decodeEntryHeader/verifyEntry: magic matches, length within bounds,
// index >= 1, crc matches. Indices and terms stay below 2^53 (safe integers).

import { crc32 } from 'node:zlib';
import type { LogIndex, Term } from '../types.js';
import { asIndex, asTerm } from '../types.js';

export const ENTRY_MAGIC = 0x4c42454e;
export const ENTRY_HEADER_BYTES = 32;
export const ENTRY_BODY_BYTES_MAX = 64 * 1024 * 1024;
const CRC_OFFSET = 28;
const TWO_POW_32 = 4294967296;

export interface EntryHeader {
  bodyLength: number;
  index: LogIndex;
  term: Term;
  crc: number;
}

/** Encodes header+body into `target` at `offset`; returns the number of bytes written. */
export function encodeEntryInto(target: Uint8Array, offset: number, index: number, term: number, body: Uint8Array): number {
  const total = ENTRY_HEADER_BYTES + body.byteLength;
  if (body.byteLength > ENTRY_BODY_BYTES_MAX) throw new RangeError(`entry body of ${body.byteLength} bytes exceeds ${ENTRY_BODY_BYTES_MAX}`);
  if (offset + total > target.byteLength) throw new RangeError(`entry of ${total} bytes does not fit at offset ${offset} of ${target.byteLength}`);
  const view = new DataView(target.buffer, target.byteOffset + offset, ENTRY_HEADER_BYTES);
  view.setUint32(0, ENTRY_MAGIC, true);
  view.setUint32(4, body.byteLength, true);
  view.setUint32(8, index % TWO_POW_32, true);
  view.setUint32(12, Math.floor(index / TWO_POW_32), true);
  view.setUint32(16, term % TWO_POW_32, true);
  view.setUint32(20, Math.floor(term / TWO_POW_32), true);
  view.setUint32(24, 0, true);
  target.set(body, offset + ENTRY_HEADER_BYTES);
  const headerCrc = crc32(target.subarray(offset, offset + CRC_OFFSET));
  view.setUint32(CRC_OFFSET, crc32(body, headerCrc), true);
  return total;
}

export function encodeEntry(index: number, term: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(ENTRY_HEADER_BYTES + body.byteLength);
  encodeEntryInto(out, 0, index, term, body);
  return out;
}

export type HeaderProblem = 'short' | 'magic' | 'length';

/** Reads the header at `offset`. Returns a problem instead of throwing so recovery can decide. */
export function decodeEntryHeader(source: Uint8Array, offset: number): EntryHeader | HeaderProblem {
  if (offset + ENTRY_HEADER_BYTES > source.byteLength) return 'short';
  const view = new DataView(source.buffer, source.byteOffset + offset, ENTRY_HEADER_BYTES);
  if (view.getUint32(0, true) !== ENTRY_MAGIC) return 'magic';
  const bodyLength = view.getUint32(4, true);
  if (bodyLength > ENTRY_BODY_BYTES_MAX) return 'length';
  const index = view.getUint32(8, true) + view.getUint32(12, true) * TWO_POW_32;
  const term = view.getUint32(16, true) + view.getUint32(20, true) * TWO_POW_32;
  return { bodyLength, index: asIndex(index), term: asTerm(term), crc: view.getUint32(CRC_OFFSET, true) };
}

/** True when the crc stored in the header matches header [0,28) + body. */
export function verifyEntry(source: Uint8Array, offset: number, header: EntryHeader): boolean {
  const bodyStart = offset + ENTRY_HEADER_BYTES;
  if (bodyStart + header.bodyLength > source.byteLength) return false;
  const headerCrc = crc32(source.subarray(offset, offset + CRC_OFFSET));
  return crc32(source.subarray(bodyStart, bodyStart + header.bodyLength), headerCrc) === header.crc;
}
