// Seeded property test: random sequences of append, appendEncoded, truncateSuffix, sync and reopen
// (with small segments, so rolls and segment removal happen) leave the file store equal to the
// in-memory twin after every step. A failing seed replays exactly.

import { afterAll, describe, expect, it } from 'vitest';
import { seededRng } from '../../src/prng.js';
import type { Rng } from '../../src/prng.js';
import type { Entry } from '../../src/raft/types.js';
import { encodeEntry } from '../../src/storage/entry-format.js';
import { FileLogStore } from '../../src/storage/file-store.js';
import { MemoryLogStore } from '../../src/storage/memory-store.js';
import { asIndex, asTerm } from '../../src/types.js';
import { dump, payload, removeTempDirs, tempDir } from './helpers.js';

// LOGBENCH_PROPERTY_SEEDS=200 runs seeds 1..200 (a longer soak than the default).
const SEED_COUNT = Number(process.env['LOGBENCH_PROPERTY_SEEDS'] ?? 8);
const SEEDS = Array.from({ length: SEED_COUNT }, (_, i) => i + 1);
const STEPS = 150;

afterAll(removeTempDirs);

function randomEntries(rng: Rng, from: number, termFloor: number, salt: number): Entry[] {
  const count = 1 + rng.int(6);
  let term = termFloor + (rng.chance(0.1) ? 1 : 0);
  const out: Entry[] = [];
  for (let i = 0; i < count; i++) {
    if (rng.chance(0.05)) term++;
    out.push({ index: asIndex(from + i), term: asTerm(term), data: payload(from + i, rng.int(700), salt) });
  }
  return out;
}

function encodeAll(batch: Entry[]): Uint8Array {
  const frames = batch.map((e) => encodeEntry(e.index, e.term, e.data));
  const out = new Uint8Array(frames.reduce((s, f) => s + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

describe('file store agrees with the in-memory twin', () => {
  for (const seed of SEEDS) {
    it(`after random append/truncate/sync/reopen sequences (seed ${seed})`, async () => {
      const rng = seededRng(seed);
      const dir = tempDir();
      // Vary what the file store has to get right: tiny caches force reads from the files, tiny
      // queues force back-pressure, other fsync policies take the non-pipelined write path.
      const fsync = [{ kind: 'always' as const }, { kind: 'none' as const }, { kind: 'interval' as const, intervalMs: 2 }][seed % 3]!;
      const options = {
        dir,
        fsync,
        segmentBytes: 4096 + rng.int(8192),
        cacheBytesMax: rng.chance(0.5) ? 0 : 1 << 20,
        queueEntriesMax: rng.chance(0.5) ? 1 + rng.int(8) : 1 << 16,
      };
      let file = await FileLogStore.open(options);
      const twin = new MemoryLogStore();
      // Under back-pressure calls are admitted later (still in order), so the visible log may lag
      // until they are; compare only after they settle.
      const smallQueue = options.queueEntriesMax < 16;
      const outstanding: Array<Promise<void>> = [];
      let salt = 0;
      for (let step = 0; step < STEPS; step++) {
        const roll = rng.int(100);
        const last = twin.lastIndex();
        const context = `seed ${seed} step ${step}`;
        if (roll < 45) {
          // Append at the end, or overwrite a suffix (as a raft follower does after a conflict).
          const from = last >= 1 && rng.chance(0.15) ? 1 + rng.int(last) : last + 1;
          const termFloor = twin.term(asIndex(from - 1)) ?? 0;
          const batch = randomEntries(rng, from, termFloor, ++salt);
          const pending = rng.chance(0.5) ? file.appendEncoded(encodeAll(batch), batch.length) : file.append(batch);
          await twin.append(batch);
          if (rng.chance(0.7)) await pending;
          else outstanding.push(pending);
        } else if (roll < 60) {
          if (last >= 1) {
            const from = 1 + rng.int(last + 1);
            const pending = file.truncateSuffix(asIndex(from));
            await twin.truncateSuffix(asIndex(from));
            await pending;
          }
        } else if (roll < 70) {
          await file.sync();
        } else if (roll < 80) {
          await Promise.all(outstanding.splice(0));
          await file.close();
          file = await FileLogStore.open(options);
        } else {
          if (smallQueue) await Promise.all(outstanding.splice(0));
          if (last >= 1) {
            const from = 1 + rng.int(last);
            const to = from + rng.int(last - from + 1);
            const maxBytes = rng.chance(0.3) ? rng.int(2000) : Number.POSITIVE_INFINITY;
            const got = file.entries(asIndex(from), asIndex(to), maxBytes);
            const want = twin.entries(asIndex(from), asIndex(to), maxBytes);
            expect(got.map((e) => [e.index, e.term, Array.from(e.data)]), context).toEqual(want.map((e) => [e.index, e.term, Array.from(e.data)]));
          }
        }
        if (smallQueue) await Promise.all(outstanding.splice(0));
        expect(file.lastIndex(), context).toBe(twin.lastIndex());
        if (twin.lastIndex() >= 1) {
          const probe = asIndex(1 + rng.int(twin.lastIndex()));
          expect(file.term(probe), context).toBe(twin.term(probe));
        }
      }
      await Promise.all(outstanding.splice(0));
      await file.sync();
      expect(dump(file)).toEqual(dump(twin));
      await file.close();
      const reopened = await FileLogStore.open(options);
      expect(dump(reopened)).toEqual(dump(twin));
      await reopened.close();
    });
  }
});
