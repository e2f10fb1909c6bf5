// Where a replica keeps the snapshot of its dedupe table: the table as applied through some
// committed index. A restart loads it and replays the log only after that index, so a replica's
// start costs at most the entries since the last snapshot instead of the whole log (replaying
// 1 M entries of 1 KiB took 1.9 s). Losing or damaging the snapshot loses nothing: the replica
// then replays the whole log, as without one.
//
// File `dedupe.snapshot` (replaced atomically): u32 magic "LBDS" | u32 version | f64 appliedIndex |
// f64 appliedTerm | u32 bodyBytes | u32 crc32(the 28 bytes before it, then body) | body
// (DedupeTable.encode()). The term of the entry at appliedIndex ties the snapshot to the log it
// was taken from: a log replaced under it (a data directory emptied but for this file) does not
// match, and the snapshot is not used.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { writeFileAtomicAsync } from '../storage/hard-state-file.js';

export const DEDUPE_SNAPSHOT_FILE_NAME = 'dedupe.snapshot';
const MAGIC = 0x5344424c; // "LBDS"
const VERSION = 1;
const HEADER_BYTES = 32;
const CRC_OFFSET = 28;

export interface DedupeSnapshot {
  /** Every committed entry up to this index is in the table. */
  appliedIndex: number;
  /** Term of the entry at appliedIndex. */
  appliedTerm: number;
  table: Uint8Array;
}

/** The narrow interface the replica uses; MemoryDedupeSnapshots is its twin for tests. */
export interface DedupeSnapshots {
  /** The last saved snapshot; undefined when none; a string saying what is wrong with a damaged one. */
  load(): DedupeSnapshot | undefined | string;
  save(snapshot: DedupeSnapshot): Promise<void>;
}

export class MemoryDedupeSnapshots implements DedupeSnapshots {
  saved: DedupeSnapshot | undefined;

  load(): DedupeSnapshot | undefined {
    return this.saved === undefined ? undefined : { ...this.saved, table: this.saved.table.slice() };
  }

  save(snapshot: DedupeSnapshot): Promise<void> {
    this.saved = { ...snapshot, table: snapshot.table.slice() };
    return Promise.resolve();
  }
}

export class FileDedupeSnapshots implements DedupeSnapshots {
  constructor(private readonly dir: string) {}

  get path(): string {
    return join(this.dir, DEDUPE_SNAPSHOT_FILE_NAME);
  }

  load(): DedupeSnapshot | undefined | string {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return `${this.path}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    }
    if (bytes.length < HEADER_BYTES) return `${this.path}: ${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header`;
    if (bytes.readUInt32LE(0) !== MAGIC) return `${this.path}: bad magic`;
    if (bytes.readUInt32LE(4) !== VERSION) return `${this.path}: version ${bytes.readUInt32LE(4)}, expected ${VERSION}`;
    const appliedIndex = bytes.readDoubleLE(8);
    const appliedTerm = bytes.readDoubleLE(16);
    const bodyBytes = bytes.readUInt32LE(24);
    if (HEADER_BYTES + bodyBytes !== bytes.length) return `${this.path}: body of ${bodyBytes} bytes does not match the file's ${bytes.length}`;
    if (checksum(bytes.subarray(0, CRC_OFFSET), bytes.subarray(HEADER_BYTES)) !== bytes.readUInt32LE(CRC_OFFSET)) return `${this.path}: crc mismatch`;
    if (!Number.isSafeInteger(appliedIndex) || appliedIndex < 1 || !Number.isSafeInteger(appliedTerm) || appliedTerm < 0) return `${this.path}: applied index ${appliedIndex} / term ${appliedTerm} are not integers`;
    return { appliedIndex, appliedTerm, table: bytes.subarray(HEADER_BYTES) };
  }

  async save(snapshot: DedupeSnapshot): Promise<void> {
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(VERSION, 4);
    header.writeDoubleLE(snapshot.appliedIndex, 8);
    header.writeDoubleLE(snapshot.appliedTerm, 16);
    header.writeUInt32LE(snapshot.table.byteLength, 24);
    header.writeUInt32LE(checksum(header.subarray(0, CRC_OFFSET), snapshot.table), CRC_OFFSET);
    await writeFileAtomicAsync(this.dir, DEDUPE_SNAPSHOT_FILE_NAME, Buffer.concat([header, snapshot.table]), 'dedupe snapshot');
  }
}

/** crc32 over the header's first bytes and then the body (a flipped bit in either is caught). */
function checksum(head: Uint8Array, body: Uint8Array): number {
  return crc32(body, crc32(head));
}
