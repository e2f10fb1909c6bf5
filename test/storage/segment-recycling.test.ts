// Segment files removed by retention become spares and are reused as new segments
// (src/storage/spare-segments.ts). A recycled file holds old, crc-valid entries past the new
// data; these tests check that they are cut at seal and at close, and that recovery never takes
// them for log entries: not after a crash image, not behind a torn last entry.

import { cpSync, existsSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Entry } from '../../src/raft/types.js';
import { encodeEntry } from '../../src/storage/entry-format.js';
import { FileLogStore } from '../../src/storage/file-store.js';
import { SpareSegments } from '../../src/storage/spare-segments.js';
import { dump, entries, entry, removeTempDirs, tempDir } from './helpers.js';

afterEach(removeTempDirs);

/** 100-byte entries are 132 bytes on disk: 31 to a 4 KiB segment. */
const SEGMENT_BYTES = 4096;
const OPTIONS = { segmentBytes: SEGMENT_BYTES, retention: { segmentsMax: 3 } };

function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.log')).sort();
}

describe('segment recycling', () => {
  it('reuses the files retention removes as new segments, keeping at most spareSegmentsMax spares', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir, ...OPTIONS });
    for (let from = 1; from <= 400; from += 50) await store.append(entries(from, from + 49, 1));
    const stats = store.spareStats();
    // 400 entries fill 13 segments: the first 3 are new files, later ones reuse removed ones.
    expect(stats.recycled).toBeGreaterThanOrEqual(8);
    expect(stats.spares).toBeLessThanOrEqual(2);
    expect(SpareSegments.listIn(dir).length).toBe(stats.spares);
    expect(segmentFiles(dir).length).toBeLessThanOrEqual(3);
    const first = store.firstIndex();
    expect(first).toBeGreaterThan(300);
    expect(dump(store)).toEqual(plain(entries(first, 400, 1)));
    await store.close();
  });

  it('cuts a recycled file to its own data at seal and at close, so reopening finds nothing to cut or rescan', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir, ...OPTIONS });
    // 100-byte entries fill a segment to 4,092 bytes, 40-byte ones to 4,032: the files recycled in
    // the second half are 60 bytes longer than their new data.
    await appendInSteps(store, 200);
    for (let from = 201; from <= 500; from += 15) await store.append(entries(from, from + 14, 1, 40));
    expect(store.spareStats().recycled).toBeGreaterThan(5);
    const before = dump(store);
    await store.close();
    for (const name of segmentFiles(dir)) expect(statSync(join(dir, name)).size % 72).toBe(0); // whole 40-byte entries only
    const lines: string[] = [];
    const reopened = await FileLogStore.open({ dir, ...OPTIONS, log: (line) => lines.push(line) });
    expect(reopened.recovery.tailTruncatedBytes).toBe(0);
    expect(reopened.recovery.segmentsScanned).toBe(1); // the active segment only: sealed ones load their index
    expect(lines).toEqual([]);
    expect(dump(reopened)).toEqual(before);
    await reopened.close();
  });

  it('recovers exactly the acknowledged entries from a crash image whose active segment is a recycled file', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir, ...OPTIONS });
    // 10 segments of 31 entries, then 5 entries into the 11th: a recycled file full of old entries.
    await appendInSteps(store, 315);
    expect(store.spareStats().recycled).toBeGreaterThan(0);
    const acked = dump(store);
    const image = tempDir();
    cpSync(dir, image, { recursive: true, filter: notLock }); // the files as a crash would leave them: no close()
    await store.close();
    const active = segmentFiles(image).at(-1)!;
    expect(statSync(join(image, active)).size).toBeGreaterThan(5 * 132); // old bytes follow the data
    const recovered = await FileLogStore.open({ dir: image, ...OPTIONS });
    expect(recovered.lastIndex()).toBe(315);
    expect(dump(recovered)).toEqual(acked);
    expect(recovered.recovery.tailTruncatedBytes).toBeGreaterThan(0);
    await recovered.close();
  });

  it('treats a torn last entry in a recycled segment as a torn tail, though crc-valid old entries follow it', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir, ...OPTIONS });
    await appendInSteps(store, 315);
    const acked = dump(store);
    const image = tempDir();
    cpSync(dir, image, { recursive: true, filter: notLock });
    await store.close();
    // Tear entry 315 (the 5th of the active segment) 60 bytes in; old entries of the recycled
    // file lay after it before the cut, and the ones before the cut of the file stay.
    const active = join(image, segmentFiles(image).at(-1)!);
    const size = statSync(active).size;
    truncateSync(active, Math.min(size, 4 * 132 + 60));
    const recovered = await FileLogStore.open({ dir: image, ...OPTIONS });
    expect(recovered.lastIndex()).toBe(314);
    expect(dump(recovered)).toEqual(acked.slice(0, -1));
    await recovered.close();
  });

  it('unlinks a spare whose first entry has an index the log still expects, instead of reusing it', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir, ...OPTIONS });
    await appendInSteps(store, 100);
    await store.close();
    // What a power loss could leave if a spare's rename back into place were lost after new
    // entries reached it: entries the log has not got yet, under a spare's name.
    writeFileSync(join(dir, 'spare-90.seg'), Buffer.concat([101, 102, 103].map((i) => encodeEntry(i, 1, entry(i, 1).data))));
    const reopened = await FileLogStore.open({ dir, ...OPTIONS });
    for (let from = 101; from <= 250; from += 15) await reopened.append(entries(from, Math.min(from + 14, 250), 1));
    expect(reopened.spareStats().discarded).toBe(1);
    expect(existsSync(join(dir, 'spare-90.seg'))).toBe(false);
    expect(dump(reopened)).toEqual(plain(entries(reopened.firstIndex(), 250, 1)));
    await reopened.close();
  });

  it('unlinks the removed files when spareSegmentsMax is 0', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir, ...OPTIONS, spareSegmentsMax: 0 });
    for (let from = 1; from <= 400; from += 50) await store.append(entries(from, from + 49, 1));
    expect(store.spareStats()).toEqual({ recycled: 0, spares: 0, discarded: 0 });
    expect(SpareSegments.listIn(dir)).toEqual([]);
    await store.close();
  });

  it('refuses a spareSegmentsMax outside 0..64, naming the option', async () => {
    const dir = tempDir();
    await expect(FileLogStore.open({ dir, spareSegmentsMax: 65 })).rejects.toThrow(/spareSegmentsMax/);
  });
});

/** Appends 1..last in steps of 15 entries (half a segment), as a steady writer does: every new segment then reuses a spare. */
async function appendInSteps(store: FileLogStore, last: number): Promise<void> {
  for (let from = 1; from <= last; from += 15) await store.append(entries(from, Math.min(from + 14, last), 1));
}

/** The copy of a live directory leaves out the live store's lock. */
function notLock(source: string): boolean {
  return !source.endsWith('/LOCK');
}

function plain(list: Entry[]): Array<{ index: number; term: number; data: number[] }> {
  return list.map((e) => ({ index: e.index, term: e.term, data: Array.from(e.data) }));
}
