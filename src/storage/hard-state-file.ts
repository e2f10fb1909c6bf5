// Durable hard state (term, vote, commit) in one small file, replaced atomically: write a temp
// file, fdatasync it, rename it over the old one, fsync the directory. A crash at any point leaves
// either the old or the new state, never a mix. The file carries a CRC so damage is reported
// instead of silently resetting a vote (which could let a replica vote twice in one term).

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { open, rename } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { HardState } from '../raft/types.js';
import { asIndex, asNodeId, asTerm, NO_NODE } from '../types.js';
import { fsError, StorageError } from './storage-error.js';

export const HARD_STATE_FILE_NAME = 'hardstate.json';

export const EMPTY_HARD_STATE: HardState = { term: asTerm(0), vote: NO_NODE, commit: asIndex(0) };

function body(state: HardState): string {
  return JSON.stringify({ term: state.term, vote: state.vote, commit: state.commit });
}

export function readHardState(dir: string): HardState {
  const path = join(dir, HARD_STATE_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return EMPTY_HARD_STATE;
    throw fsError(error, path, 'read hard state');
  }
  let parsed: { term?: unknown; vote?: unknown; commit?: unknown; crc?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new StorageError('CORRUPT', path, `hard state ${path}: not valid JSON`);
  }
  const { term, vote, commit, crc } = parsed;
  if (![term, vote, commit].every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) {
    throw new StorageError('CORRUPT', path, `hard state ${path}: expected non-negative integer term, vote and commit`);
  }
  const state: HardState = { term: asTerm(term as number), vote: asNodeId(vote as number), commit: asIndex(commit as number) };
  if (crc !== crc32(body(state))) throw new StorageError('CORRUPT', path, `hard state ${path}: crc mismatch`);
  return state;
}

/** Synchronous version, for tools and tests; replicas use writeHardStateAsync (never blocks their loop). */
export function writeHardState(dir: string, state: HardState): void {
  const path = join(dir, HARD_STATE_FILE_NAME);
  const temp = `${path}.tmp`;
  const text = JSON.stringify({ term: state.term, vote: state.vote, commit: state.commit, crc: crc32(body(state)) }) + '\n';
  writeFileDurably(temp, text, 'write hard state');
  try {
    renameSync(temp, path);
  } catch (error) {
    throw fsError(error, path, 'rename hard state into');
  }
  fsyncDirectory(dir);
}

export function writeFileDurably(path: string, text: string | Uint8Array, action: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'w', 0o644);
  } catch (error) {
    throw fsError(error, path, action);
  }
  try {
    writeSync(fd, typeof text === 'string' ? Buffer.from(text) : text);
    fsyncSync(fd);
  } catch (error) {
    throw fsError(error, path, action);
  } finally {
    closeSync(fd);
  }
}

export function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (error) {
    throw fsError(error, dir, 'open directory for fsync');
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    throw fsError(error, dir, 'fsync directory');
  } finally {
    closeSync(fd);
  }
}

/**
 * The same atomic write (temp file, fsync, rename, fsync directory) on the thread pool: a replica
 * saves its commit index about once a second, and the synchronous version blocked its event loop
 * for two fsyncs each time (tens of ms on a busy disk).
 */
export async function writeHardStateAsync(dir: string, state: HardState): Promise<void> {
  const text = JSON.stringify({ term: state.term, vote: state.vote, commit: state.commit, crc: crc32(body(state)) }) + '\n';
  await writeFileAtomicAsync(dir, HARD_STATE_FILE_NAME, text, 'hard state');
}

/** Replaces `dir/name` atomically on the thread pool: temp file, fsync, rename, fsync directory. */
export async function writeFileAtomicAsync(dir: string, name: string, content: string | Uint8Array, what: string): Promise<void> {
  const path = join(dir, name);
  const temp = `${path}.tmp`;
  try {
    const file = await open(temp, 'w', 0o644);
    try {
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
  } catch (error) {
    throw fsError(error, temp, `write ${what}`);
  }
  try {
    await rename(temp, path);
  } catch (error) {
    throw fsError(error, path, `rename ${what} into`);
  }
  try {
    const directory = await open(dir, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  } catch (error) {
    throw fsError(error, dir, 'fsync directory');
  }
}
