// Binary codec of raft `Message`s, shared by every transport (rings, TCP, the in-memory twin).
//
// Every message starts with a 20-byte common header, followed by fixed fields of its type:
//
//   offset size field
//   0      2    magic      0x4D4C ("LM"), little-endian u16
//   2      1    type       MESSAGE_TYPE_CODES (1..9)
//   3      1    flags      bit 0: reject (responses) or transfer (vote requests); other bits 0
//   4      4    from       u32 node id, 1..nodeIdMax
//   8      4    to         u32 node id, 1..nodeIdMax, != from
//   12     8    term       u64 (lo u32, hi u32)
//   -- PreVote, Vote:            lastLogIndex u64, lastLogTerm u64                          (36 bytes)
//   -- PreVoteResp, VoteResp:    nothing (reject in flags)                                  (20 bytes)
//   -- Append:                   prevIndex u64, prevTerm u64, commit u64,
//                                entryCount u32, framesBytes u32, then the frames           (52 + framesBytes)
//   -- AppendResp:               matchIndex u64, hintIndex u64, hintTerm u64                 (44 bytes)
//   -- Heartbeat:                commit u64                                                  (28 bytes)
//   -- HeartbeatResp, TimeoutNow: nothing                                                     (20 bytes)
//
// The frames of an Append are the entries in the storage entry format (src/storage/entry-format.ts),
// back to back, so a follower can write `framesView` to its file as received.
//
// Invariants: decode accepts a buffer only if it is exactly one well-formed message: known type,
// zero reserved flag bits, ids in range, exact length, every entry frame's magic and crc valid,
// entry indices contiguous from prevIndex + 1, entry terms non-decreasing and <= the message term.
// Encode checks the same of the message it is given (a bad message is a bug upstream) and never
// allocates: it writes into the caller's buffer.

import { assert, unreachable } from '../assert.js';
import type { AppendRequest, Entry, Message, MessageType } from '../raft/types.js';
import { ENTRY_HEADER_BYTES, ENTRY_MAGIC, ENTRY_OFFSET_BODY_LENGTH, ENTRY_OFFSET_INDEX, ENTRY_OFFSET_MAGIC, ENTRY_OFFSET_TERM, decodeEntryHeader, encodeEntryInto, verifyEntry } from '../storage/entry-format.js';
import type { LogIndex, NodeId, Term } from '../types.js';

export const MESSAGE_MAGIC = 0x4d4c;
export const COMMON_HEADER_BYTES = 20;
export const APPEND_HEADER_BYTES = 52;
/** Upper bound of one encoded message (an Append of up to 64 MiB of frames plus its header). */
export const MESSAGE_BYTES_MAX = 64 * 1024 * 1024 + APPEND_HEADER_BYTES;
/** Upper bound of entries in one Append (far above any configured batchEntriesMax). */
export const APPEND_ENTRIES_MAX = 1 << 20;
/** Node ids on the wire are checked against this unless the caller gives a tighter bound. */
export const NODE_ID_MAX_DEFAULT = 255;

const TWO_POW_32 = 4294967296;
const FLAG_BIT = 1;

export const MESSAGE_TYPE_CODES: Readonly<Record<MessageType, number>> = {
  PreVote: 1,
  PreVoteResp: 2,
  Vote: 3,
  VoteResp: 4,
  Append: 5,
  AppendResp: 6,
  Heartbeat: 7,
  HeartbeatResp: 8,
  TimeoutNow: 9,
};
const TYPES_BY_CODE: readonly (MessageType | undefined)[] = [
  undefined, 'PreVote', 'PreVoteResp', 'Vote', 'VoteResp', 'Append', 'AppendResp', 'Heartbeat', 'HeartbeatResp', 'TimeoutNow',
];

/**
 * An entry that may carry its encoded frame (header + body in the entry format). The leader frames
 * each entry once (frameEntry) and the codec then copies those bytes into every follower's message
 * instead of re-encoding and re-computing the crc. Decoded entries always carry their frame, a view
 * of the received buffer.
 */
export interface FramedEntry extends Entry {
  frame?: Uint8Array;
}

/** An Append as decoded: entries are views of the received buffer, `framesView` is all their frames. */
export interface DecodedAppend extends AppendRequest {
  entries: FramedEntry[];
  /** The entry frames exactly as received, contiguous: write this to the log file as is. */
  framesView: Uint8Array;
}

export class MessageDecodeError extends Error {
  override name = 'MessageDecodeError';
}

export interface DecodeLimits {
  /** Node ids must be in [1, nodeIdMax]. */
  nodeIdMax?: number;
}

/** Encodes the entry once and caches the frame on it; returns the frame. Reuses a valid cached frame. */
export function frameEntry(entry: FramedEntry): Uint8Array {
  if (entry.frame !== undefined) {
    checkCachedFrame(entry, entry.frame);
    return entry.frame;
  }
  const frame = new Uint8Array(ENTRY_HEADER_BYTES + entry.data.byteLength);
  encodeEntryInto(frame, 0, entry.index, entry.term, entry.data);
  entry.frame = frame;
  return frame;
}

/** Attaches a frame encoded elsewhere (e.g. a view of the leader's segment buffer) to the entry. */
export function attachFrame(entry: FramedEntry, frame: Uint8Array): void {
  checkCachedFrame(entry, frame);
  entry.frame = frame;
}

/** Exact number of bytes encodeInto writes for `msg`. */
export function encodedSize(msg: Message): number {
  switch (msg.type) {
    case 'PreVote':
    case 'Vote':
      return COMMON_HEADER_BYTES + 16;
    case 'PreVoteResp':
    case 'VoteResp':
    case 'HeartbeatResp':
    case 'TimeoutNow':
      return COMMON_HEADER_BYTES;
    case 'Append':
      return APPEND_HEADER_BYTES + framesBytes(msg.entries);
    case 'AppendResp':
      return COMMON_HEADER_BYTES + 24;
    case 'Heartbeat':
      return COMMON_HEADER_BYTES + 8;
    default:
      return unreachable(msg, 'message type');
  }
}

function framesBytes(entries: readonly Entry[]): number {
  let total = 0;
  for (let i = 0; i < entries.length; i++) total += ENTRY_HEADER_BYTES + entries[i]!.data.byteLength;
  return total;
}

/**
 * Writes `msg` into `target` at `offset` (the caller reserved encodedSize(msg) bytes, e.g. a ring
 * slot); returns the number of bytes written. Entries with a cached frame are copied, others are
 * encoded in place.
 */
export function encodeInto(target: Uint8Array, offset: number, msg: Message): number {
  const size = encodedSize(msg);
  assert(size <= MESSAGE_BYTES_MAX, () => `encode: ${msg.type} of ${size} bytes exceeds MESSAGE_BYTES_MAX ${MESSAGE_BYTES_MAX}`);
  assert(offset >= 0 && offset + size <= target.byteLength, () => `encode: ${msg.type} of ${size} bytes does not fit at offset ${offset} of ${target.byteLength}`);
  assert(isNodeId(msg.from) && isNodeId(msg.to) && msg.from !== msg.to, () => `encode: bad from/to ${msg.from}/${msg.to}`);
  const view = new DataView(target.buffer, target.byteOffset + offset, size < APPEND_HEADER_BYTES ? size : APPEND_HEADER_BYTES);
  view.setUint16(0, MESSAGE_MAGIC, true);
  view.setUint8(2, MESSAGE_TYPE_CODES[msg.type]);
  view.setUint32(4, msg.from, true);
  view.setUint32(8, msg.to, true);
  setU64(view, 12, msg.term, 'term');
  switch (msg.type) {
    case 'PreVote':
    case 'Vote':
      view.setUint8(3, msg.transfer ? FLAG_BIT : 0);
      setU64(view, 20, msg.lastLogIndex, 'lastLogIndex');
      setU64(view, 28, msg.lastLogTerm, 'lastLogTerm');
      break;
    case 'PreVoteResp':
    case 'VoteResp':
      view.setUint8(3, msg.reject ? FLAG_BIT : 0);
      break;
    case 'Append': {
      view.setUint8(3, 0);
      setU64(view, 20, msg.prevIndex, 'prevIndex');
      setU64(view, 28, msg.prevTerm, 'prevTerm');
      setU64(view, 36, msg.commit, 'commit');
      const entries = msg.entries as readonly FramedEntry[];
      assert(entries.length <= APPEND_ENTRIES_MAX, () => `encode: Append of ${entries.length} entries exceeds ${APPEND_ENTRIES_MAX}`);
      view.setUint32(44, entries.length, true);
      view.setUint32(48, size - APPEND_HEADER_BYTES, true);
      let at = offset + APPEND_HEADER_BYTES;
      let previousTerm = 0;
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
        assert(entry.index === msg.prevIndex + 1 + i, () => `encode: Append entry ${i} has index ${entry.index}, expected ${msg.prevIndex + 1 + i}`);
        assert(entry.term >= previousTerm && entry.term <= msg.term, () => `encode: Append entry ${entry.index} has term ${entry.term} (previous ${previousTerm}, message term ${msg.term})`);
        previousTerm = entry.term;
        const frame = entry.frame;
        if (frame !== undefined) {
          checkCachedFrame(entry, frame);
          target.set(frame, at);
          at += frame.byteLength;
        } else {
          at += encodeEntryInto(target, at, entry.index, entry.term, entry.data);
        }
      }
      assert(at === offset + size, () => `encode: Append wrote ${at - offset} bytes, expected ${size}`);
      break;
    }
    case 'AppendResp':
      view.setUint8(3, msg.reject ? FLAG_BIT : 0);
      setU64(view, 20, msg.matchIndex, 'matchIndex');
      setU64(view, 28, msg.hintIndex, 'hintIndex');
      setU64(view, 36, msg.hintTerm, 'hintTerm');
      break;
    case 'Heartbeat':
      view.setUint8(3, 0);
      setU64(view, 20, msg.commit, 'commit');
      break;
    case 'HeartbeatResp':
    case 'TimeoutNow':
      view.setUint8(3, 0);
      break;
    default:
      return unreachable(msg, 'message type');
  }
  return size;
}

/** Encodes into a new buffer of exactly the message's size (tests, cold paths). */
export function encodeMessage(msg: Message): Uint8Array {
  const out = new Uint8Array(encodedSize(msg));
  encodeInto(out, 0, msg);
  return out;
}

/**
 * Decodes exactly one message occupying all of `source`. Entries of an Append are views of
 * `source` (zero-copy): they stay valid only while the caller keeps `source` unmodified.
 * Throws MessageDecodeError naming the field that is wrong.
 */
export function decodeMessage(source: Uint8Array, limits?: DecodeLimits): Message {
  const nodeIdMax = limits?.nodeIdMax ?? NODE_ID_MAX_DEFAULT;
  const length = source.byteLength;
  if (length < COMMON_HEADER_BYTES) fail(`message of ${length} bytes is shorter than the ${COMMON_HEADER_BYTES}-byte header`);
  const view = new DataView(source.buffer, source.byteOffset, length < APPEND_HEADER_BYTES ? length : APPEND_HEADER_BYTES);
  const magic = view.getUint16(0, true);
  if (magic !== MESSAGE_MAGIC) fail(`bad magic 0x${magic.toString(16)}, expected 0x${MESSAGE_MAGIC.toString(16)}`);
  const code = view.getUint8(2);
  const type = TYPES_BY_CODE[code];
  if (type === undefined) fail(`unknown message type code ${code}`);
  const flags = view.getUint8(3);
  if ((flags & ~FLAG_BIT) !== 0) fail(`${type}: reserved flag bits set (0x${flags.toString(16)})`);
  const flag = flags === FLAG_BIT;
  const from = view.getUint32(4, true) as NodeId;
  const to = view.getUint32(8, true) as NodeId;
  if (from < 1 || from > nodeIdMax) fail(`${type}: from ${from} outside [1, ${nodeIdMax}]`);
  if (to < 1 || to > nodeIdMax) fail(`${type}: to ${to} outside [1, ${nodeIdMax}]`);
  if (from === to) fail(`${type}: from and to are both ${from}`);
  const term = getU64(view, 12, type, 'term') as Term;
  switch (type) {
    case 'PreVote':
    case 'Vote':
      expectLength(type, length, COMMON_HEADER_BYTES + 16);
      return {
        type, from, to, term, transfer: flag,
        lastLogIndex: getU64(view, 20, type, 'lastLogIndex') as LogIndex,
        lastLogTerm: getU64(view, 28, type, 'lastLogTerm') as Term,
      };
    case 'PreVoteResp':
    case 'VoteResp':
      expectLength(type, length, COMMON_HEADER_BYTES);
      return { type, from, to, term, reject: flag };
    case 'Append':
      if (flag) fail('Append: flag bit set');
      return decodeAppend(source, view, from, to, term);
    case 'AppendResp':
      expectLength(type, length, COMMON_HEADER_BYTES + 24);
      return {
        type, from, to, term, reject: flag,
        matchIndex: getU64(view, 20, type, 'matchIndex') as LogIndex,
        hintIndex: getU64(view, 28, type, 'hintIndex') as LogIndex,
        hintTerm: getU64(view, 36, type, 'hintTerm') as Term,
      };
    case 'Heartbeat':
      if (flag) fail('Heartbeat: flag bit set');
      expectLength(type, length, COMMON_HEADER_BYTES + 8);
      return { type, from, to, term, commit: getU64(view, 20, type, 'commit') as LogIndex };
    case 'HeartbeatResp':
    case 'TimeoutNow':
      if (flag) fail(`${type}: flag bit set`);
      expectLength(type, length, COMMON_HEADER_BYTES);
      return { type, from, to, term };
    default:
      return unreachable(type, 'message type');
  }
}

function decodeAppend(source: Uint8Array, view: DataView, from: NodeId, to: NodeId, term: Term): DecodedAppend {
  const length = source.byteLength;
  if (length < APPEND_HEADER_BYTES) fail(`Append: ${length} bytes is shorter than the ${APPEND_HEADER_BYTES}-byte Append header`);
  const prevIndex = getU64(view, 20, 'Append', 'prevIndex') as LogIndex;
  const prevTerm = getU64(view, 28, 'Append', 'prevTerm') as Term;
  const commit = getU64(view, 36, 'Append', 'commit') as LogIndex;
  const entryCount = view.getUint32(44, true);
  const framesBytesDeclared = view.getUint32(48, true);
  if (entryCount > APPEND_ENTRIES_MAX) fail(`Append: entry count ${entryCount} exceeds ${APPEND_ENTRIES_MAX}`);
  if (APPEND_HEADER_BYTES + framesBytesDeclared !== length) {
    fail(`Append: frames length field says ${framesBytesDeclared} bytes but ${length - APPEND_HEADER_BYTES} follow the header (truncated or trailing bytes)`);
  }
  if (prevTerm > term) fail(`Append: prevTerm ${prevTerm} is above the message term ${term}`);
  const entries: FramedEntry[] = new Array<FramedEntry>(entryCount);
  let at = APPEND_HEADER_BYTES;
  let previousTerm: number = prevTerm;
  for (let i = 0; i < entryCount; i++) {
    const header = decodeEntryHeader(source, at);
    const expectedIndex = prevIndex + 1 + i;
    if (header === 'short') fail(`Append: entry ${i} of ${entryCount} (index ${expectedIndex}) is truncated: header at byte ${at} of ${length}`);
    if (header === 'magic') fail(`Append: entry ${i} (index ${expectedIndex}) has a bad magic, expected 0x${ENTRY_MAGIC.toString(16)}`);
    if (header === 'length') fail(`Append: entry ${i} (index ${expectedIndex}) declares an oversized body`);
    const bodyStart = at + ENTRY_HEADER_BYTES;
    const end = bodyStart + header.bodyLength;
    if (end > length) fail(`Append: entry ${i} (index ${expectedIndex}) body of ${header.bodyLength} bytes is truncated at byte ${length}`);
    if (header.index !== expectedIndex) fail(`Append: entry ${i} has index ${header.index}, expected ${expectedIndex} (entries must be contiguous from prevIndex ${prevIndex} + 1)`);
    if (header.term < previousTerm || header.term > term) fail(`Append: entry ${header.index} has term ${header.term}, expected within [${previousTerm}, ${term}]`);
    if (!verifyEntry(source, at, header)) fail(`Append: entry ${header.index} fails its crc check`);
    previousTerm = header.term;
    entries[i] = { index: header.index, term: header.term, data: source.subarray(bodyStart, end), frame: source.subarray(at, end) };
    at = end;
  }
  if (at !== length) fail(`Append: ${length - at} bytes after the last of ${entryCount} entries`);
  return { type: 'Append', from, to, term, prevIndex, prevTerm, commit, entries, framesView: source.subarray(APPEND_HEADER_BYTES, length) };
}

/** The frames region of an Append received through a transport, or undefined for a locally built one. */
export function framesViewOf(msg: AppendRequest): Uint8Array | undefined {
  return (msg as Partial<DecodedAppend>).framesView;
}

// Reading the frame's header fields (not its crc) is enough to catch a frame cached for another
// entry. Plain byte reads: no DataView or object per entry on the leader's hot path.
function checkCachedFrame(entry: Entry, frame: Uint8Array): void {
  const ok = frame.byteLength === ENTRY_HEADER_BYTES + entry.data.byteLength
    && u32At(frame, ENTRY_OFFSET_MAGIC) === ENTRY_MAGIC
    && u32At(frame, ENTRY_OFFSET_BODY_LENGTH) === entry.data.byteLength
    && u32At(frame, ENTRY_OFFSET_INDEX) + u32At(frame, ENTRY_OFFSET_INDEX + 4) * TWO_POW_32 === entry.index
    && u32At(frame, ENTRY_OFFSET_TERM) + u32At(frame, ENTRY_OFFSET_TERM + 4) * TWO_POW_32 === entry.term;
  assert(ok, () => `cached frame does not belong to entry ${entry.index} (term ${entry.term}, ${entry.data.byteLength} bytes): ${JSON.stringify(decodeEntryHeader(frame, 0))}, ${frame.byteLength} bytes`);
}

function u32At(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

function isNodeId(id: number): boolean {
  return Number.isInteger(id) && id >= 1 && id <= 0xffffffff;
}

function setU64(view: DataView, offset: number, value: number, field: string): void {
  assert(Number.isSafeInteger(value) && value >= 0, () => `encode: ${field} must be a non-negative safe integer, got ${value}`);
  view.setUint32(offset, value % TWO_POW_32, true);
  view.setUint32(offset + 4, Math.floor(value / TWO_POW_32), true);
}

function getU64(view: DataView, offset: number, type: string, field: string): number {
  const hi = view.getUint32(offset + 4, true);
  if (hi >= 0x200000) fail(`${type}: ${field} is not below 2^53`);
  return view.getUint32(offset, true) + hi * TWO_POW_32;
}

function expectLength(type: string, actual: number, expected: number): void {
  if (actual !== expected) fail(`${type}: ${actual} bytes, expected exactly ${expected}`);
}

function fail(reason: string): never {
  throw new MessageDecodeError(`bad message: ${reason}`);
}

