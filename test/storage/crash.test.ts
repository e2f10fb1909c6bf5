// Crash safety: a child appends with fsync `always` and reports each ack; it is SIGKILLed at a
// seeded random moment. After reopening, every acknowledged entry is present and intact, and every
// entry present is exactly one the child appended (no torn or invented entries).

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRng } from '../../src/prng.js';
import { FileLogStore } from '../../src/storage/file-store.js';
import { crashEntry } from './fixtures/crash-entries.js';
import { removeTempDirs, tempDir } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/crash-appender.ts', import.meta.url));
// LOGBENCH_CRASH_SEEDS=20 runs 20 seeds (a longer soak than the default three).
const SEEDS = process.env['LOGBENCH_CRASH_SEEDS'] !== undefined ? Array.from({ length: Number(process.env['LOGBENCH_CRASH_SEEDS']) }, (_, i) => 100 + i) : [11, 23, 37];

afterAll(removeTempDirs);

/** Runs the child until it has been killed; returns the highest acked and highest sent index. */
function runAndKill(dir: string, seed: number, retain: boolean): Promise<{ acked: number; sent: number; signal: string | null }> {
  const killAfterMs = 50 + seededRng(seed).int(500);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, String(seed), ...(retain ? ['retain'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acked = 0;
    let sent = 0;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [what, n] = line.split(' ');
      // The clock starts at the first ack, so a slow start on a busy machine still gets acks in.
      if (what === 'ack' && acked === 0) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      if (what === 'ack') acked = Math.max(acked, Number(n));
      if (what === 'sent') sent = Math.max(sent, Number(n));
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`child exited with code ${code} before the kill: ${stderr}`));
      else resolve({ acked, sent, signal });
    });
  });
}

describe('crash safety', () => {
  // `retained`: the log keeps 3 segments of 64 KiB, so the child writes into recycled files
  // (old crc-valid entries past the data) when it is killed.
  for (const [seed, retained] of SEEDS.flatMap((s) => [[s, false], [s, true]] as const)) {
    it(`keeps every acked entry and nothing unsent after SIGKILL (seed ${seed}${retained ? ', recycled segments' : ''})`, async () => {
      const dir = tempDir();
      // Two rounds on the same directory: the second appends after recovering from the first crash.
      let expectedAtLeast = 0;
      for (let round = 0; round < 2; round++) {
        const { acked, sent } = await runAndKill(dir, seed * 10 + round, retained);
        expect(acked, 'the child acknowledged some appends before the kill').toBeGreaterThan(expectedAtLeast);
        const store = await FileLogStore.open({ dir, segmentBytes: 64 * 1024 });
        try {
          const last = store.lastIndex();
          expect(last, `round ${round}: every acked entry (through ${acked}) survives`).toBeGreaterThanOrEqual(acked);
          expect(last, `round ${round}: nothing beyond what was sent (${sent})`).toBeLessThanOrEqual(sent);
          if (retained) expect(store.firstIndex(), 'retention removed segments').toBeGreaterThan(1);
          const stored = store.read(store.firstIndex(), last);
          for (const e of stored) {
            const want = crashEntry(e.index);
            expect(e.term, `term of ${e.index}`).toBe(want.term);
            expect(Buffer.from(e.data).equals(Buffer.from(want.data)), `payload of ${e.index}`).toBe(true);
          }
          expectedAtLeast = last;
        } finally {
          await store.close();
        }
      }
    });
  }
});
