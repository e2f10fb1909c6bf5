import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRingBuffer } from '../../src/transport/ring.js';

const WORKER = new URL('./fixtures/ring-worker.mjs', import.meta.url);

beforeAll(() => {
  // The workers run the compiled ring from dist/; a failed build fails the test.
  execFileSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' });
});

function run(workerData: object): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData });
    let result: Record<string, number> | undefined;
    worker.once('message', (message: Record<string, number>) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) => (result !== undefined ? resolve(result) : reject(new Error(`worker exited with code ${code} and no result`))));
  });
}

describe('ring between two worker threads', () => {
  it('200k records of 8..1024 bytes arrive intact and in order through a 64 KiB ring', async () => {
    const buffer = createRingBuffer(64 * 1024);
    const count = 200_000;
    const [produced, consumed] = await Promise.all([
      run({ role: 'producer', buffer, count, batchRecords: 64 }),
      run({ role: 'consumer', buffer, count, batchRecords: 64 }),
    ]);
    expect(consumed.errors).toBe(0);
    expect(consumed.records).toBe(count);
    expect(produced.records).toBe(count);
    expect(consumed.checksum).toBe(produced.checksum);
    // Back-pressure happened (the ring is far smaller than the data) and was waited out.
    expect(produced.full).toBeGreaterThan(0);
  });
});
