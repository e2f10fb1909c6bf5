// Runs many seeds, spread over worker threads (piscina) running the compiled worker in dist/, or
// in this thread when workers is 0 (the only way to run a core variant passed as a factory,
// since a function cannot cross into a worker). Seeds are cut into chunks so progress can be
// reported and both workers stay busy until the end. Results are independent of the worker count:
// each seed is a pure function of itself, and violations are reported sorted by seed.

import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { assert } from '../assert.js';
import type { RaftFactory } from './raft-like.js';
import type { SeedRangeResult, SeedRangeTask } from './seed-range.js';
import { emptySeedRangeResult, mergeSeedRangeResult, runSeedRange } from './seed-range.js';

export interface RunSeedsOptions {
  startSeed: number;
  seeds: number;
  replicas: number;
  steps: number;
  /** Worker threads; 0 runs every seed in this thread. */
  workers: number;
  /** Core to simulate in this thread (workers must be 0); workers always run the real core. */
  factory?: RaftFactory;
  /** Called after each chunk with the seeds done so far and the violations found so far. */
  onProgress?: (seedsDone: number, violations: number) => void;
}

/** Seeds per chunk at most: small enough for regular progress, large enough to amortise a task. */
const chunkSeedsMax = 50;
export const seedMax = 0xffffffff;

export async function runSeeds(options: RunSeedsOptions): Promise<SeedRangeResult> {
  assert(Number.isSafeInteger(options.seeds) && options.seeds >= 0, `runSeeds: seeds must be an integer >= 0, got ${options.seeds}`);
  assert(options.startSeed >= 0 && options.startSeed + Math.max(0, options.seeds - 1) <= seedMax, 'runSeeds: seeds must lie in [0, 2^32)');
  assert(options.workers >= 0, 'runSeeds: workers must be >= 0');
  assert(options.factory === undefined || options.workers === 0, 'runSeeds: a custom core factory runs only in this thread (workers: 0)');
  const chunks = chunkTasks(options);
  const total = emptySeedRangeResult();
  if (options.workers === 0) {
    const factory = options.factory ?? (await import('./default-core.js')).raftNodeFactory;
    for (const task of chunks) {
      mergeSeedRangeResult(total, runSeedRange(task, factory));
      options.onProgress?.(total.seeds, total.violations.length);
    }
    return sortViolations(total);
  }
  const pool = new Piscina({ filename: compiledWorkerPath(), minThreads: options.workers, maxThreads: options.workers });
  try {
    await Promise.all(
      chunks.map(async (task) => {
        const part = (await pool.run(task)) as SeedRangeResult;
        mergeSeedRangeResult(total, part);
        options.onProgress?.(total.seeds, total.violations.length);
      }),
    );
  } finally {
    await pool.destroy();
  }
  return sortViolations(total);
}

function chunkTasks(options: RunSeedsOptions): SeedRangeTask[] {
  const lanes = Math.max(1, options.workers);
  const chunkSeeds = Math.max(1, Math.min(chunkSeedsMax, Math.ceil(options.seeds / (lanes * 4))));
  const tasks: SeedRangeTask[] = [];
  for (let done = 0; done < options.seeds; done += chunkSeeds) {
    tasks.push({ startSeed: options.startSeed + done, count: Math.min(chunkSeeds, options.seeds - done), replicas: options.replicas, steps: options.steps });
  }
  return tasks;
}

function sortViolations(result: SeedRangeResult): SeedRangeResult {
  result.violations.sort((a, b) => a.seed - b.seed);
  return result;
}

/**
 * The worker must be compiled JavaScript. From dist/ it sits next to this file; when this module
 * runs from its TypeScript source (tests), the compiled copy under dist/ is used instead.
 */
function compiledWorkerPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return here.replace(/[\\/]src[\\/]sim[\\/]pool\.ts$/, '/dist/src/sim/worker.js');
  return fileURLToPath(new URL('./worker.js', import.meta.url));
}
