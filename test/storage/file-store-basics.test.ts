import { existsSync, readdirSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEntry } from '../../src/storage/entry-format.js';
import { FileLogStore } from '../../src/storage/file-store.js';
import { writeLogStart } from '../../src/storage/log-start-file.js';
import { MemoryLogStore } from '../../src/storage/memory-store.js';
import { StorageError } from '../../src/storage/storage-error.js';
import { asIndex, asNodeId, asTerm } from '../../src/types.js';
import { dump, entries, entry, removeTempDirs, tempDir } from './helpers.js';

afterEach(removeTempDirs);

describe('FileLogStore basics', () => {
  it('reads back appended entries after a reopen', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir });
    await store.append(entries(1, 50, 1));
    const before = dump(store);
    await store.close();
    const reopened = await FileLogStore.open({ dir });
    expect(reopened.lastIndex()).toBe(50);
    expect(dump(reopened)).toEqual(before);
    expect(reopened.term(asIndex(0))).toBe(0);
    expect(reopened.term(asIndex(50))).toBe(1);
    await reopened.close();
  });

  it('rolls segments at the configured size and loads their index files on reopen', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir, segmentBytes: 4096 });
    await store.append(entries(1, 200, 3));
    expect(store.segmentCount()).toBeGreaterThan(5);
    const before = dump(store);
    await store.close();
    expect(readdirSync(dir).filter((n) => n.endsWith('.idx')).length).toBeGreaterThan(4);
    const reopened = await FileLogStore.open({ dir, segmentBytes: 4096 });
    expect(reopened.recovery.indexFilesLoaded).toBe(reopened.segmentCount() - 1);
    expect(reopened.recovery.segmentsScanned).toBe(1);
    expect(dump(reopened)).toEqual(before);
    await reopened.close();
  });

  it('rebuilds missing and damaged segment index files by scanning', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir, segmentBytes: 4096 });
    await store.append(entries(1, 120, 2));
    const before = dump(store);
    await store.close();
    const indexes = readdirSync(dir).filter((n) => n.endsWith('.idx')).sort();
    unlinkSync(join(dir, indexes[0]!));
    const damaged = readFileSync(join(dir, indexes[1]!));
    damaged[damaged.length - 1]! ^= 0xff;
    writeFileSync(join(dir, indexes[1]!), damaged);
    const lines: string[] = [];
    const reopened = await FileLogStore.open({ dir, segmentBytes: 4096, log: (l) => lines.push(l) });
    expect(reopened.recovery.segmentsScanned).toBe(3);
    expect(dump(reopened)).toEqual(before);
    expect(lines.join('\n')).toContain('crc mismatch');
    expect(existsSync(join(dir, indexes[0]!))).toBe(true);
    await reopened.close();
  });

  it('replaces a suffix when an append starts inside the log', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir, segmentBytes: 4096 });
    await store.append(entries(1, 100, 1));
    await store.append([entry(40, 2, 10, 7), entry(41, 2, 10, 7)]);
    expect(store.lastIndex()).toBe(41);
    expect(store.term(asIndex(40))).toBe(2);
    const before = dump(store);
    await store.close();
    const reopened = await FileLogStore.open({ dir, segmentBytes: 4096 });
    expect(dump(reopened)).toEqual(before);
    await reopened.close();
  });

  it('rejects an append that leaves a gap, and changes nothing', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir });
    await store.append(entries(1, 3, 1));
    await expect(store.append([entry(5, 1)])).rejects.toThrow(/append at index 5: expected an index in \[1, 4\]/);
    expect(store.lastIndex()).toBe(3);
    await store.close();
  });

  it('accepts encoded frames verbatim and rejects frames with a bad crc before writing any', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir });
    const a = encodeEntry(1, 1, new Uint8Array([1, 2, 3]));
    const b = encodeEntry(2, 1, new Uint8Array([4, 5]));
    const frames = new Uint8Array(a.length + b.length);
    frames.set(a);
    frames.set(b, a.length);
    await store.appendEncoded(frames, 2);
    expect(store.read(asIndex(1), asIndex(2)).map((e) => Array.from(e.data))).toEqual([[1, 2, 3], [4, 5]]);
    const c = encodeEntry(3, 1, new Uint8Array([9, 9, 9]));
    c[c.length - 1]! ^= 1;
    await expect(store.appendEncoded(c, 1)).rejects.toMatchObject({ code: 'CORRUPT' });
    expect(store.lastIndex()).toBe(2);
    await store.close();
    const reopened = await FileLogStore.open({ dir });
    expect(reopened.lastIndex()).toBe(2);
    const segment = readdirSync(dir).find((n) => n.endsWith('.log'))!;
    expect(Array.from(readFileSync(join(dir, segment)))).toEqual(Array.from(frames));
    await reopened.close();
  });

  it('refuses a hard state whose term is below the stored one, and keeps the stored one (both stores)', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir });
    await store.setHardState({ term: asTerm(3), vote: asNodeId(2), commit: asIndex(0) });
    await expect(store.setHardState({ term: asTerm(2), vote: asNodeId(1), commit: asIndex(5) })).rejects.toThrow('setHardState: term 2 is below the stored term 3');
    await store.setHardState({ term: asTerm(3), vote: asNodeId(2), commit: asIndex(4) });
    await store.close();
    const reopened = await FileLogStore.open({ dir });
    expect(reopened.hardState()).toEqual({ term: 3, vote: 2, commit: 4 });
    await reopened.close();
    const twin = new MemoryLogStore();
    await twin.setHardState({ term: asTerm(3), vote: asNodeId(2), commit: asIndex(0) });
    await expect(twin.setHardState({ term: asTerm(2), vote: asNodeId(1), commit: asIndex(5) })).rejects.toThrow('setHardState: term 2 is below the stored term 3');
    expect(twin.hardState()).toEqual({ term: 3, vote: 2, commit: 0 });
  });

  it('keeps hard state durable across reopen', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir });
    await store.setHardState({ term: asTerm(7), vote: asNodeId(3), commit: asIndex(0) });
    await store.close();
    writeFileSync(join(dir, 'hardstate.json.tmp'), 'garbage from a crash mid-write');
    const reopened = await FileLogStore.open({ dir });
    expect(reopened.hardState()).toEqual({ term: 7, vote: 3, commit: 0 });
    expect(existsSync(join(dir, 'hardstate.json.tmp'))).toBe(false);
    await reopened.close();
  });

  it('removes old segments by retention and remembers the term before the first index', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir, segmentBytes: 4096, retention: { segmentsMax: 3 } });
    await store.append(entries(1, 100, 1));
    await store.append(entries(101, 200, 2));
    expect(store.segmentCount()).toBeLessThanOrEqual(3);
    const first = store.firstIndex();
    expect(first).toBeGreaterThan(101);
    const before = dump(store);
    await store.close();
    const reopened = await FileLogStore.open({ dir, segmentBytes: 4096 });
    expect(reopened.firstIndex()).toBe(first);
    expect(reopened.term(asIndex(first - 1))).toBe(2);
    expect(dump(reopened)).toEqual(before);
    await reopened.close();
  });

  it('opens after a retention pass that kept one segment was cut short before the new segment existed', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir, segmentBytes: 4096, retention: { segmentsMax: 2 } });
    for (let from = 1; from <= 100; from += 10) await store.append(entries(from, from + 9, 1));
    await store.close();
    const logs = readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
    expect(logs.length).toBe(2);
    // The state a kill leaves when retention keeps one segment: the log start already names the
    // next segment, whose file was never made, and the segment just sealed is still there.
    const active = Number(logs[1]!.slice(0, 20));
    unlinkSync(join(dir, logs[1]!));
    writeLogStart(dir, { firstIndex: active, prevTerm: 1 });
    const reopened = await FileLogStore.open({ dir, segmentBytes: 4096 });
    expect(reopened.firstIndex()).toBe(active);
    expect(reopened.lastIndex()).toBe(active - 1);
    expect(reopened.term(asIndex(active - 1))).toBe(1);
    await reopened.append(entries(active, active + 4, 1));
    expect(dump(reopened).map((e) => e.index)).toEqual([active, active + 1, active + 2, active + 3, active + 4]);
    await reopened.close();
  });

  it('fails to open a missing directory with an error naming it', async () => {
    const dir = join(tempDir(), 'does-not-exist');
    const error = await FileLogStore.open({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('ENOENT');
    expect((error as StorageError).message).toContain(dir);
  });

  it('acknowledges every append of a concurrent burst in order', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir, segmentBytes: 64 * 1024 });
    const acked: number[] = [];
    const all = [];
    for (let i = 1; i <= 1000; i++) all.push(store.append([entry(i, 1, 50)]).then(() => acked.push(i)));
    await Promise.all(all);
    expect(acked).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(store.durableIndex()).toBe(1000);
    await store.close();
  });

  it('does not report re-appended entries as durable before their fsync', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir });
    await store.append(entries(1, 10, 1));
    expect(store.durableIndex()).toBe(10);
    const pending = store.append([entry(5, 2)]);
    expect(store.lastIndex()).toBe(5);
    expect(store.durableIndex()).toBe(4);
    await pending;
    expect(store.durableIndex()).toBe(5);
    await store.close();
  });

  it('under fsync none, fdatasyncs the active segment in the background every few MiB, so a seal has little left to sync', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir, fsync: { kind: 'none' }, segmentBytes: 16 * 1024 * 1024 });
    let next = 1;
    // 12 MiB in rounds of 256 appends of 4 KiB.
    for (let round = 0; round < 12; round++) {
      const pending: Promise<void>[] = [];
      for (let i = 0; i < 256; i++, next++) pending.push(store.append([entry(next, 1, 4096)]));
      await Promise.all(pending);
    }
    expect(store.fsyncStats().background).toBeGreaterThanOrEqual(2);
    expect(store.fsyncStats().pooled + store.fsyncStats().inline).toBe(0);
    await store.close();
    const reopened = await FileLogStore.open({ dir });
    expect(reopened.lastIndex()).toBe(next - 1);
    await reopened.close();
    // Policy always has no background fdatasyncs: every batch is synced before its ack.
    const always = await FileLogStore.open({ dir: tempDir() });
    await always.append([entry(1, 1, 4096)]);
    expect(always.fsyncStats().background).toBe(0);
    await always.close();
  });

  it('reuses a slab once nothing references it, and never one whose bytes a read handed out', async () => {
    const dir = tempDir();
    // No tail cache beyond unwritten bytes: a slab is free as soon as its appends are acknowledged.
    const store = await FileLogStore.open({ dir, cacheBytesMax: 0 });
    const bodyBytes = 4000;
    let next = 1;
    const round = async (count: number): Promise<void> => {
      const pending: Promise<void>[] = [];
      for (let i = 0; i < count; i++, next++) pending.push(store.append([entry(next, 1, bodyBytes)]));
      await Promise.all(pending);
    };
    await round(64);
    // Read entry 65 while it is still unwritten, so the read is served from the slab.
    const reading = store.append([entry(next, 1, bodyBytes)]);
    next++;
    const lentIndex = next - 1;
    const [lent] = store.read(asIndex(lentIndex), asIndex(lentIndex));
    const lentCopy = lent!.data.slice();
    await reading;
    // About 6 slabs (4 MiB each) worth of appends in rounds of 64.
    for (let r = 0; r < 100; r++) await round(64);
    const stats = store.slabStats();
    expect(stats.reused).toBeGreaterThan(0);
    expect(stats.allocated + stats.reused).toBeGreaterThanOrEqual(6);
    // The slice handed out by the read is still that entry's bytes.
    expect(Buffer.from(lent!.data).equals(Buffer.from(lentCopy))).toBe(true);
    expect(Buffer.from(lentCopy).equals(Buffer.from(entry(lentIndex, 1, bodyBytes).data))).toBe(true);
    // Every entry reads back intact, from the files and after a reopen.
    await store.close();
    const reopened = await FileLogStore.open({ dir });
    expect(reopened.lastIndex()).toBe(next - 1);
    for (let i = 1; i < next; i += 97) expect(Buffer.from(reopened.read(asIndex(i), asIndex(i))[0]!.data).equals(Buffer.from(entry(i, 1, bodyBytes).data))).toBe(true);
    await reopened.close();
  });

  it('fdatasyncs a lone small append on the calling thread and a concurrent burst through the pool, durable either way', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir });
    for (let i = 1; i <= 20; i++) await store.append([entry(i, 1)]);
    expect(store.fsyncStats()).toMatchObject({ inline: 20, pooled: 0 });
    expect(store.fsyncStats().usSum).toBeGreaterThan(0);
    // 200 appends of ~1 KiB in one turn: the first batch is over the inline limit.
    const burst: Promise<void>[] = [];
    for (let i = 21; i <= 220; i++) burst.push(store.append([entry(i, 1, 1000)]));
    await Promise.all(burst);
    expect(store.fsyncStats().pooled).toBeGreaterThan(0);
    expect(store.durableIndex()).toBe(220);
    await store.close();
    const noInline = await FileLogStore.open({ dir, inlineFsyncBytesMax: 0 });
    await noInline.append([entry(221, 1)]);
    expect(noInline.fsyncStats()).toMatchObject({ inline: 0, pooled: 1 });
    await noInline.close();
    const reopened = await FileLogStore.open({ dir });
    expect(reopened.lastIndex()).toBe(221);
    await reopened.close();
  });

  it('keeps at most fsyncsInFlightMax group-commit fdatasyncs in flight', async () => {
    // 200 appends of ~1 KiB queued in one turn make about 13 batches of 16 KiB: a store may start
    // up to fsyncsInFlightMax of them at once, and no more.
    const peakWith = async (fsyncsInFlightMax: number): Promise<number> => {
      const store = await FileLogStore.open({ dir: tempDir(), pipelineBatchBytesMax: 16 * 1024, inlineFsyncBytesMax: 0, fsyncsInFlightMax });
      const burst: Promise<void>[] = [];
      for (let i = 1; i <= 200; i++) burst.push(store.append([entry(i, 1, 1000)]));
      await Promise.all(burst);
      expect(store.durableIndex()).toBe(200);
      expect(store.fsyncStats().pooled).toBeGreaterThanOrEqual(13);
      const peak = store.fsyncStats().inFlightPeak;
      await store.close();
      return peak;
    };
    expect(await peakWith(1)).toBe(1);
    expect(await peakWith(3)).toBe(3);
  });

  it('applies back-pressure when the queue is full instead of failing', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir, queueEntriesMax: 8, queueBytesMax: 4096 });
    const all = [];
    for (let i = 1; i <= 300; i++) all.push(store.append([entry(i, 1, 64)]));
    await Promise.all(all);
    expect(store.lastIndex()).toBe(300);
    await store.close();
  });
});
