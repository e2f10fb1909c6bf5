// Where a replica keeps the snapshot of its dedupe table: the table as applied through some
// committed index. A restart loads it and replays the log only after that index, so a replica's
// start costs at most the entries since the last snapshot instead of the whole log (replaying
// 1 M entries of 1 KiB took 1.9 s). Losing or damaging the snapshot loses nothing: the replica
// then replays the whole log, as without one.
//
// File `dedupe.snapshot` (replaced atomically): u32 magic "LBDS" | u32 version | f64 appliedIndex |
// u32 bodyBytes | u32 crc32(body) | body (DedupeTable.encode()).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { writeFileAtomicAsync } from '../storage/hard-state-file.js';

export const DEDUPE_SNAPSHOT_FILE_NAME = 'dedupe.snapshot';
const MAGIC = 0x5344424c; // "LBDS"
const VERSION = 1;
const HEADER_BYTES = 24;

export interface DedupeSnapshot {
  /** Every committed entry up to this index is in the table. */
  appliedIndex: number;
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
  saves = 0;

  load(): DedupeSnapshot | undefined {
    return this.saved === undefined ? undefined : { appliedIndex: this.saved.appliedIndex, table: this.saved.table.slice() };
  }

  save(snapshot: DedupeSnapshot): Promise<void> {
    this.saved = { appliedIndex: snapshot.appliedIndex, table: snapshot.table.slice() };
    this.saves++;
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
    const bodyBytes = bytes.readUInt32LE(16);
    if (!Number.isSafeInteger(appliedIndex) || appliedIndex < 0) return `${this.path}: applied index ${appliedIndex} is not a non-negative integer`;
    if (HEADER_BYTES + bodyBytes !== bytes.length) return `${this.path}: body of ${bodyBytes} bytes does not match the file's ${bytes.length}`;
    const table = bytes.subarray(HEADER_BYTES);
    if (crc32(table) !== bytes.readUInt32LE(20)) return `${this.path}: crc mismatch`;
    return { appliedIndex, table };
  }

  async save(snapshot: DedupeSnapshot): Promise<void> {
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(VERSION, 4);
    header.writeDoubleLE(snapshot.appliedIndex, 8);
    header.writeUInt32LE(snapshot.table.byteLength, 16);
    header.writeUInt32LE(crc32(snapshot.table), 20);
    await writeFileAtomicAsync(this.dir, DEDUPE_SNAPSHOT_FILE_NAME, Buffer.concat([header, snapshot.table]), 'dedupe snapshot');
  }
}
