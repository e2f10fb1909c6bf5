// Recovery scan of one segment file: walks entries from a starting offset, verifies each header,
// index and CRC, and records (offset, term) into the Segment. At the first bad entry it decides
// between the two cases recovery must tell apart:
//   - torn tail: nothing valid follows the bad bytes (a write cut short by a crash, a damaged last
//     entry) — safe to truncate, the entry was never acknowledged under fsync `always`;
//   - mid-log corruption: a valid entry with a later index follows the bad one — acknowledged data
//     was damaged, which must not be silently dropped.
// Reads go through a bounded buffer (SCAN_BUFFER_BYTES, larger only for one oversized entry).

import { readSync } from 'node:fs';
import { decodeEntryHeader, ENTRY_HEADER_BYTES, ENTRY_MAGIC, verifyEntry } from './entry-format.js';
import type { Segment } from './segment.js';
import { fsError } from './storage-error.js';

const SCAN_BUFFER_BYTES = 4 * 1024 * 1024;
const MAGIC_BYTES = new Uint8Array(new Uint32Array([ENTRY_MAGIC]).buffer);

export interface ScanProblem {
  /** Byte offset in the segment file of the first bad entry. */
  offset: number;
  /** The log index expected at that offset. */
  index: number;
  reason: string;
  /** True when a valid entry with a later index lies after the bad one. */
  validEntryFollows: boolean;
}

/** Bytes of the file read through a sliding window. */
class FileWindow {
  private buffer = Buffer.allocUnsafe(0);
  private start = 0;
  private length = 0;

  constructor(
    private readonly fd: number,
    private readonly path: string,
    readonly fileBytes: number,
  ) {}

  /** Returns a buffer and the position of `offset` inside it, holding at least `bytes` bytes (or to EOF). */
  view(offset: number, bytes: number): { buffer: Buffer; at: number } {
    const wanted = Math.min(bytes, this.fileBytes - offset);
    if (offset >= this.start && offset + wanted <= this.start + this.length) return { buffer: this.buffer, at: offset - this.start };
    const size = Math.min(Math.max(SCAN_BUFFER_BYTES, wanted), this.fileBytes - offset);
    if (this.buffer.byteLength < size) this.buffer = Buffer.allocUnsafe(Math.max(size, Math.min(SCAN_BUFFER_BYTES, this.fileBytes)));
    let filled = 0;
    while (filled < size) {
      let n: number;
      try {
        n = readSync(this.fd, this.buffer, filled, size - filled, offset + filled);
      } catch (error) {
        throw fsError(error, this.path, 'read');
      }
      if (n === 0) break;
      filled += n;
    }
    this.start = offset;
    this.length = filled;
    return { buffer: this.buffer, at: 0 };
  }
}

/**
 * Scans `segment`'s file from `fromOffset` (which must be an entry boundary already recorded in the
 * segment, i.e. segment.endOffset) to `fileBytes`, pushing every valid entry. Returns the problem
 * at the first bad entry, or undefined when the file ends cleanly on an entry boundary.
 */
export function scanSegment(fd: number, segment: Segment, fileBytes: number): ScanProblem | undefined {
  const window = new FileWindow(fd, segment.path, fileBytes);
  let offset = segment.endOffset;
  while (offset < fileBytes) {
    const expectedIndex = segment.firstIndex + segment.count;
    const problem = checkEntryAt(window, offset, expectedIndex, segment.count > 0 ? segment.termAt(segment.count - 1) : 0);
    if (typeof problem === 'string') {
      return { offset, index: expectedIndex, reason: problem, validEntryFollows: validEntryAfter(window, offset + 1, expectedIndex) };
    }
    segment.push(offset, problem.term, problem.bytes);
    offset += problem.bytes;
  }
  return undefined;
}

function checkEntryAt(window: FileWindow, offset: number, expectedIndex: number, previousTerm: number): { term: number; bytes: number } | string {
  if (offset + ENTRY_HEADER_BYTES > window.fileBytes) return `partial header (${window.fileBytes - offset} of ${ENTRY_HEADER_BYTES} bytes)`;
  let { buffer, at } = window.view(offset, ENTRY_HEADER_BYTES);
  const header = decodeEntryHeader(buffer, at);
  if (header === 'magic') return 'bad magic';
  if (header === 'length') return 'body length out of range';
  if (header === 'short') return 'partial header';
  const bytes = ENTRY_HEADER_BYTES + header.bodyLength;
  if (offset + bytes > window.fileBytes) return `partial body (${window.fileBytes - offset - ENTRY_HEADER_BYTES} of ${header.bodyLength} bytes)`;
  ({ buffer, at } = window.view(offset, bytes));
  if (!verifyEntry(buffer, at, header)) return 'crc mismatch';
  if (header.index !== expectedIndex) return `index ${header.index} where ${expectedIndex} was expected`;
  if (header.term < previousTerm) return `term ${header.term} below the previous entry's ${previousTerm}`;
  return { term: header.term, bytes };
}

/** True when some offset >= `from` holds a valid entry whose index is >= expectedIndex. */
function validEntryAfter(window: FileWindow, from: number, expectedIndex: number): boolean {
  let offset = from;
  while (offset + ENTRY_HEADER_BYTES <= window.fileBytes) {
    const { buffer, at } = window.view(offset, SCAN_BUFFER_BYTES);
    const end = at + Math.min(SCAN_BUFFER_BYTES, window.fileBytes - offset);
    const hit = buffer.indexOf(MAGIC_BYTES, at);
    if (hit < 0 || hit >= end) {
      // No magic in this window; step so a magic straddling the window edge is still seen.
      offset += Math.max(1, end - at - (MAGIC_BYTES.byteLength - 1));
      continue;
    }
    const candidate = offset + (hit - at);
    const header = decodeEntryHeader(buffer, hit);
    if (typeof header !== 'string' && header.index >= expectedIndex && candidate + ENTRY_HEADER_BYTES + header.bodyLength <= window.fileBytes) {
      const whole = window.view(candidate, ENTRY_HEADER_BYTES + header.bodyLength);
      if (verifyEntry(whole.buffer, whole.at, header)) return true;
    }
    offset = candidate + 1;
  }
  return false;
}
