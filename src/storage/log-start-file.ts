// Where the log starts after retention removed old segments: the first index still stored and the
// term of the entry just before it (raft needs term(firstIndex - 1)). Written atomically before
// any segment is deleted, so a crash mid-retention leaves segments the file says are gone (they
// are deleted on the next open), never a log whose start is unknown.

import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { fsError, StorageError } from './storage-error.js';
import { fsyncDirectory, writeFileDurably } from './hard-state-file.js';

export const LOG_START_FILE_NAME = 'log-start.json';

export interface LogStart {
  firstIndex: number;
  prevTerm: number;
}

export function readLogStart(dir: string): LogStart {
  const path = join(dir, LOG_START_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return { firstIndex: 1, prevTerm: 0 };
    throw fsError(error, path, 'read log start');
  }
  let parsed: { firstIndex?: unknown; prevTerm?: unknown; crc?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new StorageError('CORRUPT', path, `log start ${path}: not valid JSON`);
  }
  const { firstIndex, prevTerm, crc } = parsed;
  if (typeof firstIndex !== 'number' || !Number.isSafeInteger(firstIndex) || firstIndex < 1 || typeof prevTerm !== 'number' || !Number.isSafeInteger(prevTerm) || prevTerm < 0) {
    throw new StorageError('CORRUPT', path, `log start ${path}: expected integer firstIndex >= 1 and prevTerm >= 0`);
  }
  if (crc !== crc32(`${firstIndex}:${prevTerm}`)) throw new StorageError('CORRUPT', path, `log start ${path}: crc mismatch`);
  return { firstIndex, prevTerm };
}

export function writeLogStart(dir: string, start: LogStart): void {
  const path = join(dir, LOG_START_FILE_NAME);
  const text = JSON.stringify({ ...start, crc: crc32(`${start.firstIndex}:${start.prevTerm}`) }) + '\n';
  writeFileDurably(`${path}.tmp`, text, 'write log start');
  try {
    renameSync(`${path}.tmp`, path);
  } catch (error) {
    throw fsError(error, path, 'rename log start into');
  }
  fsyncDirectory(dir);
}
