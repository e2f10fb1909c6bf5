// The slow-disk fault: an injected delay on every fdatasync, visible as commit latency.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { FileLogStore } from '../../src/storage/file-store.js';
import { setFsyncDelayMs } from '../../src/storage/fs-calls.js';
import { asIndex, asTerm } from '../../src/types.js';

const dirs: string[] = [];
afterEach(() => {
  setFsyncDelayMs(0);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function appendOneMs(store: FileLogStore, index: number): Promise<number> {
  const started = performance.now();
  await store.append([{ index: asIndex(index), term: asTerm(1), data: new Uint8Array(64) }]);
  return performance.now() - started;
}

test('an injected fsync delay holds every durable append back by at least that long, and 0 ends it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logbench-slow-disk-'));
  dirs.push(dir);
  const store = await FileLogStore.open({ dir });
  try {
    setFsyncDelayMs(80);
    expect(await appendOneMs(store, 1)).toBeGreaterThanOrEqual(79);
    expect(await appendOneMs(store, 2)).toBeGreaterThanOrEqual(79);
    setFsyncDelayMs(0);
    const fast = Math.min(await appendOneMs(store, 3), await appendOneMs(store, 4), await appendOneMs(store, 5));
    expect(fast).toBeLessThan(79);
    expect(store.durableIndex()).toBe(5);
  } finally {
    await store.close();
  }
});

test('a delay outside 0..60000 ms is refused', () => {
  expect(() => setFsyncDelayMs(-1)).toThrow(/fsync delay: expected 0\.\.60000 ms, got -1/);
});
