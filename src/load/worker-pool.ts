// The pool of load threads (piscina) for phases one thread cannot drive. Each task runs one
// worker's share of a phase; the pool lives for one run and is destroyed at its end.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { LIVE_FIELDS, type WorkerResult, type WorkerTask } from './worker.js';

/** The compiled worker file (under vitest the sources are .ts: use the build in dist/). */
function workerFile(): string {
  const here = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = here.replace(/([\\/])src([\\/])load([\\/])worker\.js$/, '$1dist$1src$2load$3worker.js');
  if (existsSync(built)) return built;
  throw new Error(`load worker not found at ${here} or ${built}: run \`npm run build\``);
}

export class LoadWorkerPool {
  private readonly pool: Piscina;
  readonly live: SharedArrayBuffer;
  readonly stop: SharedArrayBuffer;

  constructor(readonly threads: number) {
    this.pool = new Piscina({ filename: workerFile(), minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
    this.live = new SharedArrayBuffer(threads * LIVE_FIELDS * Float64Array.BYTES_PER_ELEMENT);
    this.stop = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  }

  run(task: Omit<WorkerTask, 'live' | 'stop'>): Promise<WorkerResult> {
    return this.pool.run({ ...task, live: this.live, stop: this.stop }) as Promise<WorkerResult>;
  }

  /** Live counters of one worker: completed, failed, last-second p99 (µs), last-second ops. */
  liveOf(worker: number): { completed: number; failed: number; p99Us: number; lastSecondOps: number } {
    const view = new Float64Array(this.live, worker * LIVE_FIELDS * 8, LIVE_FIELDS);
    return { completed: view[0]!, failed: view[1]!, p99Us: view[2]!, lastSecondOps: view[3]! };
  }

  resetLive(): void {
    new Float64Array(this.live).fill(0);
  }

  requestStop(): void {
    Atomics.store(new Int32Array(this.stop), 0, 1);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
