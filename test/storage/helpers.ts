// Shared helpers of the storage tests: temporary directories on the real disk, deterministic
// entries, and reading a store back in full.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '../../src/raft/types.js';
import type { LogStore } from '../../src/storage/log-store.js';
import { asIndex, asTerm } from '../../src/types.js';

const made: string[] = [];

export function tempDir(prefix = 'logbench-storage-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Deterministic payload of `bytes` bytes for an index (and a salt, so rewritten suffixes differ). */
export function payload(index: number, bytes: number, salt = 0): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = (index * 2654435761 + salt * 40503 + 1) >>> 0;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export function entry(index: number, term: number, bytes = 100, salt = 0): Entry {
  return { index: asIndex(index), term: asTerm(term), data: payload(index, bytes, salt) };
}

export function entries(from: number, to: number, term: number, bytes = 100): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term, bytes));
  return out;
}

/** Every stored entry as plain values (copies of the bytes). */
export function dump(store: LogStore): Array<{ index: number; term: number; data: number[] }> {
  const first = store.firstIndex();
  const last = store.lastIndex();
  if (last < first) return [];
  return store.read(first, last).map((e) => ({ index: e.index, term: e.term, data: Array.from(e.data) }));
}
