// The load tag: the first 16 bytes of every payload a generator sends, so the correctness ledger
// can tell, for any entry read back from any system, which producer sent it and in which order.
//
//   offset size field
//   0      4    magic     0x4C425447 ("LBTG")
//   4      4    producer  u32
//   8      8    sequence  u64 little-endian (lo u32, hi u32), starts at 0 per producer

export const TAG_MAGIC = 0x4c425447;
export const TAG_BYTES = 16;
const TWO_POW_32 = 4294967296;

export interface LoadTag {
  producer: number;
  sequence: number;
}

export function writeTag(payload: Uint8Array, producer: number, sequence: number): void {
  if (payload.byteLength < TAG_BYTES) throw new RangeError(`payload of ${payload.byteLength} bytes is smaller than the ${TAG_BYTES}-byte load tag`);
  const view = new DataView(payload.buffer, payload.byteOffset, TAG_BYTES);
  view.setUint32(0, TAG_MAGIC, true);
  view.setUint32(4, producer >>> 0, true);
  view.setUint32(8, sequence % TWO_POW_32, true);
  view.setUint32(12, Math.floor(sequence / TWO_POW_32), true);
}

/** Returns undefined when the payload carries no tag (not written by a logbench generator). */
export function readTag(payload: Uint8Array): LoadTag | undefined {
  if (payload.byteLength < TAG_BYTES) return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, TAG_BYTES);
  if (view.getUint32(0, true) !== TAG_MAGIC) return undefined;
  return { producer: view.getUint32(4, true), sequence: view.getUint32(8, true) + view.getUint32(12, true) * TWO_POW_32 };
}

// Allocation-free readers for hot loops (the ledger decodes every entry of every replica, where
// readTag's object and DataView per call would dominate). Same layout and byte order as above.

/** True when the payload starts with a load tag. */
export function hasTag(payload: Uint8Array): boolean {
  if (payload.byteLength < TAG_BYTES) return false;
  return (payload[0]! | (payload[1]! << 8) | (payload[2]! << 16) | (payload[3]! << 24)) >>> 0 === TAG_MAGIC;
}

/** The tag's producer; only meaningful when hasTag(payload). */
export function tagProducer(payload: Uint8Array): number {
  return (payload[4]! | (payload[5]! << 8) | (payload[6]! << 16) | (payload[7]! << 24)) >>> 0;
}

/** The tag's sequence; only meaningful when hasTag(payload). Exact below 2^53. */
export function tagSequence(payload: Uint8Array): number {
  const lo = (payload[8]! | (payload[9]! << 8) | (payload[10]! << 16) | (payload[11]! << 24)) >>> 0;
  const hi = (payload[12]! | (payload[13]! << 8) | (payload[14]! << 16) | (payload[15]! << 24)) >>> 0;
  return lo + hi * TWO_POW_32;
}
