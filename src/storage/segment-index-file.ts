// The index file written next to a sealed segment (00000000000000000001.idx): every entry's file
// offset and term, so reopening a large log reads a few MiB instead of scanning every segment.
// It is a cache: when missing, damaged or disagreeing with its segment it is rebuilt by scanning.
//
//   offset size field
//   0      4    magic 0x5849424c ("LBIX")       4  4  version (1)
//   8      8    firstIndex (f64)               16  4  count
//   20     4    reserved 0                     24  8  segment data bytes (f64)
//   32     4    crc32 of bytes [0, 32) and everything after the header
//   36     4    reserved 0
//   40          offsets: u32[count]; then zero padding to 8-byte alignment; then terms: f64[count]
// Integers are little-endian (asserted at load: typed arrays use the host's byte order).

import { readFileSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';

const MAGIC = 0x5849424c;
const VERSION = 1;
const HEADER_BYTES = 40;

function termsOffset(count: number): number {
  return HEADER_BYTES + Math.ceil((count * 4) / 8) * 8;
}

export function encodeSegmentIndex(firstIndex: number, offsets: Uint32Array, terms: Float64Array, dataBytes: number): Uint8Array {
  const count = offsets.length;
  const out = new Uint8Array(termsOffset(count) + count * 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setFloat64(8, firstIndex, true);
  view.setUint32(16, count, true);
  view.setFloat64(24, dataBytes, true);
  new Uint32Array(out.buffer, HEADER_BYTES, count).set(offsets);
  new Float64Array(out.buffer, termsOffset(count), count).set(terms);
  view.setUint32(32, crc32(out.subarray(HEADER_BYTES), crc32(out.subarray(0, 32))), true);
  return out;
}

export function writeSegmentIndex(path: string, firstIndex: number, offsets: Uint32Array, terms: Float64Array, dataBytes: number): void {
  writeFileSync(path, encodeSegmentIndex(firstIndex, offsets, terms, dataBytes));
}

export interface LoadedSegmentIndex {
  offsets: Uint32Array;
  terms: Float64Array;
  dataBytes: number;
}

/** The index for a segment, or a reason it cannot be trusted. Never throws for bad content. */
export function readSegmentIndex(path: string, firstIndex: number): LoadedSegmentIndex | string {
  if (endianness() !== 'LE') return 'big-endian host';
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (error) {
    return `unreadable (${(error as { code?: string }).code ?? String(error)})`;
  }
  if (file.byteLength < HEADER_BYTES) return 'short';
  // Copy into a fresh, 8-byte aligned buffer: readFileSync may hand back a pooled, unaligned slice.
  const bytes = new Uint8Array(file.byteLength);
  bytes.set(file);
  const view = new DataView(bytes.buffer);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== VERSION) return 'bad magic or version';
  if (view.getFloat64(8, true) !== firstIndex) return 'first index differs from the segment name';
  const count = view.getUint32(16, true);
  if (bytes.byteLength !== termsOffset(count) + count * 8) return 'length does not match entry count';
  if (view.getUint32(32, true) !== crc32(bytes.subarray(HEADER_BYTES), crc32(bytes.subarray(0, 32)))) return 'crc mismatch';
  const offsets = new Uint32Array(bytes.buffer, HEADER_BYTES, count);
  const terms = new Float64Array(bytes.buffer, termsOffset(count), count);
  const dataBytes = view.getFloat64(24, true);
  for (let i = 1; i < count; i++) {
    if (offsets[i]! <= offsets[i - 1]! || terms[i]! < terms[i - 1]!) return `entry ${i} out of order`;
  }
  if (count > 0 && (offsets[0] !== 0 || offsets[count - 1]! >= dataBytes)) return 'offsets outside the segment';
  return { offsets, terms, dataBytes };
}
