// Recovery against damaged files: a log cut at every byte of its last entry, every bit of the last
// entry flipped, and flips in an earlier entry (which must fail the open, not lose data silently).

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRY_HEADER_BYTES } from '../../src/storage/entry-format.js';
import { FileLogStore } from '../../src/storage/file-store.js';
import { StorageError } from '../../src/storage/storage-error.js';
import { dump, entries, removeTempDirs, tempDir } from './helpers.js';

const ENTRY_COUNT = 5;
const BODY_BYTES = 16;
const ENTRY_BYTES = ENTRY_HEADER_BYTES + BODY_BYTES;

let dir: string;
let segmentPath: string;
let original: Buffer;
let expectedBeforeLast: ReturnType<typeof dump>;

beforeAll(async () => {
  dir = tempDir();
  const store = await FileLogStore.open({ dir });
  await store.append(entries(1, ENTRY_COUNT, 1, BODY_BYTES));
  expectedBeforeLast = dump(store).slice(0, ENTRY_COUNT - 1);
  await store.close();
  segmentPath = join(dir, readdirSync(dir).find((n) => n.endsWith('.log'))!);
  original = readFileSync(segmentPath);
  expect(original.length).toBe(ENTRY_COUNT * ENTRY_BYTES);
});

afterAll(removeTempDirs);

async function reopenWith(bytes: Uint8Array, repair = false): Promise<{ entries: ReturnType<typeof dump>; fileBytes: number }> {
  writeFileSync(segmentPath, bytes);
  const store = await FileLogStore.open({ dir, repair });
  try {
    return { entries: dump(store), fileBytes: readFileSync(segmentPath).length };
  } finally {
    await store.close();
  }
}

describe('recovery of a damaged tail', () => {
  it('reopens a log cut at every byte offset of its last entry to exactly the entries before it', async () => {
    const lastStart = (ENTRY_COUNT - 1) * ENTRY_BYTES;
    for (let cut = lastStart; cut < original.length; cut++) {
      const result = await reopenWith(original.subarray(0, cut));
      expect(result.entries, `cut at byte ${cut}`).toEqual(expectedBeforeLast);
      expect(result.fileBytes, `file size after cut at ${cut}`).toBe(lastStart);
    }
  });

  it('drops the last entry when any single bit of it is flipped', async () => {
    const lastStart = (ENTRY_COUNT - 1) * ENTRY_BYTES;
    for (let byte = lastStart; byte < original.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = Buffer.from(original);
        damaged[byte]! ^= 1 << bit;
        const result = await reopenWith(damaged);
        expect(result.entries, `bit ${bit} of byte ${byte}`).toEqual(expectedBeforeLast);
      }
    }
  });

  it('refuses to open when a bit of an earlier entry is flipped, naming file, offset and index', async () => {
    const secondStart = ENTRY_BYTES;
    // Every byte of the entry, one bit each (rotating), keeps the test fast; the last-entry test covers every bit.
    for (let byte = secondStart; byte < secondStart + ENTRY_BYTES; byte++) {
      for (const bit of [byte % 8]) {
        const damaged = Buffer.from(original);
        damaged[byte]! ^= 1 << bit;
        writeFileSync(segmentPath, damaged);
        const error = await FileLogStore.open({ dir }).then(
          async (s) => {
            await s.close();
            return undefined;
          },
          (e: unknown) => e,
        );
        expect(error, `bit ${bit} of byte ${byte}`).toBeInstanceOf(StorageError);
        expect((error as StorageError).code).toBe('CORRUPT');
        expect((error as StorageError).message).toContain(segmentPath);
        expect((error as StorageError).message).toContain(`byte offset ${secondStart} (index 2)`);
        expect(readFileSync(segmentPath).equals(damaged), 'a refused open must not modify the file').toBe(true);
      }
    }
  });

  it('truncates at the corrupted entry when opened with repair', async () => {
    const damaged = Buffer.from(original);
    damaged[ENTRY_BYTES + ENTRY_HEADER_BYTES + 3]! ^= 0x10;
    const result = await reopenWith(damaged, true);
    expect(result.entries).toEqual(expectedBeforeLast.slice(0, 1));
    expect(result.fileBytes).toBe(ENTRY_BYTES);
  });

  it('refuses to open when a sealed segment is damaged and later segments hold entries', async () => {
    const segDir = tempDir();
    const store = await FileLogStore.open({ dir: segDir, segmentBytes: 4096 });
    await store.append(entries(1, 200, 1, 60));
    await store.close();
    const names = readdirSync(segDir).filter((n) => n.endsWith('.log')).sort();
    // Without an index file the segment is scanned; flip a byte in the middle of its last entry.
    const firstSeg = join(segDir, names[0]!);
    writeFileSync(join(segDir, names[0]!.replace('.log', '.idx')), 'not an index');
    const bytes = readFileSync(firstSeg);
    bytes[bytes.length - 5]! ^= 1;
    writeFileSync(firstSeg, bytes);
    await expect(FileLogStore.open({ dir: segDir, segmentBytes: 4096 })).rejects.toThrow(/later segments hold entries/);
  });
});
