// `logbench bench storage`: one FileLogStore, fsync `always`, fixed-size entries, measured against
// the disk's physical limits in the same run:
//   conc1   — one appender awaiting each append's fsync, vs. raw serial write+fdatasync latency;
//   conc256 — 256 appenders (group commit), vs. raw sequential write bandwidth with fdatasync.
// The raw probes and the store runs alternate in short slices, so a disk whose speed drifts — other
// tenants, a busy shared machine (latency was seen to swing 10x within seconds) — affects both
// sides of each ratio alike: half-second slices for latency, 64 MiB / (seconds / 4) slices for
// bandwidth.
// Every loop is bounded by time; all files are written under a fresh sub-directory, removed after.

import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Histogram } from 'hdr-histogram-js';
import type { Entry } from '../raft/types.js';
import { asIndex, asTerm } from '../types.js';
import type { DiskLimits } from './disk-limits.js';
import { makeWorkDir } from './bench-dir.js';
import { FsyncProbe, fsyncLimits, newLatencyHistogram, PipelinedWriteProbe, SEQ_BYTES_MIN, SeqWriteProbe } from './disk-limits.js';
import { ENTRY_HEADER_BYTES } from './entry-format.js';
import type { FileLogStoreOptions } from './file-store.js';
import { FileLogStore, FSYNCS_IN_FLIGHT_MAX, PIPELINE_BATCH_BYTES_MAX } from './file-store.js';
import { round1 } from '../round.js';

const LATENCY_SLICE_SECONDS = 0.5;
const BANDWIDTH_ROUNDS = 4;
/** Bytes the pipelined-write probe writes per round (about 0.15 s at 200 MB/s). */
const PIPELINED_BYTES_PER_ROUND = 32 * 1024 * 1024;

export interface ConcResult {
  concurrency: number;
  appends: number;
  opsPerSec: number;
  MBps: number;
  p50Us: number;
  p99Us: number;
}

export interface StorageBenchResult {
  limits: DiskLimits;
  conc1: { opsPerSec: number; p50Us: number; p99Us: number };
  conc256: { opsPerSec: number; MBps: number; p50Us: number; p99Us: number };
  ratios: { conc1P50ToFsyncP50: number; conc256MBpsToSeqWrite: number; conc256MBpsToPipelinedWrite: number };
  /**
   * The raw disk doing what the store's pipeline does at concurrency 256: the same bytes in flight,
   * in writes of chunkBytes each fdatasynced, `depth` at once. The ceiling for conc256 on this disk.
   */
  pipelinedWrite: { chunkBytes: number; depth: number; MBps: number };
  entryBytes: number;
  seconds: number;
  /** Alternating slices of probe and store: [latency phase, bandwidth phase]. */
  rounds: [number, number];
  fsync: 'always';
}

export interface StorageBenchOptions {
  dir: string;
  entryBytes: number;
  /** Total time of each concurrency level (split over the rounds). */
  seconds: number;
  log: (line: string) => void;
}

/** Appenders against one open store; run() may be called several times and accumulates. */
export class AppendLoad {
  readonly histogram: Histogram = newLatencyHistogram();
  appends = 0;
  seconds = 0;
  private readonly body: Uint8Array;

  constructor(
    readonly store: FileLogStore,
    readonly concurrency: number,
    readonly entryBytes: number,
  ) {
    this.body = new Uint8Array(entryBytes).fill(0x42);
  }

  async run(seconds: number): Promise<void> {
    const { store, body, histogram } = this;
    const term = asTerm(1);
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const worker = async (): Promise<void> => {
      const batch: Entry[] = [{ index: asIndex(0), term, data: body }];
      while (performance.now() < deadline) {
        batch[0] = { index: asIndex(store.lastIndex() + 1), term, data: body };
        const t0 = performance.now();
        await store.append(batch);
        histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
        this.appends++;
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, worker));
    this.seconds += (performance.now() - started) / 1000;
  }

  result(): ConcResult {
    return {
      concurrency: this.concurrency,
      appends: this.appends,
      opsPerSec: Math.round(this.appends / this.seconds),
      MBps: round1((this.appends * this.entryBytes) / 1e6 / this.seconds),
      p50Us: this.histogram.getValueAtPercentile(50),
      p99Us: this.histogram.getValueAtPercentile(99),
    };
  }
}

/** One concurrency level alone (no probes), in a fresh store under `dir`. */
export async function runConcurrency(dir: string, concurrency: number, entryBytes: number, seconds: number, tuning: Partial<FileLogStoreOptions> = {}): Promise<ConcResult> {
  const work = mkdtempSync(join(dir, `.logbench-store-c${concurrency}-`));
  const store = await FileLogStore.open({ ...tuning, dir: work });
  try {
    const load = new AppendLoad(store, concurrency, entryBytes);
    await load.run(seconds);
    return load.result();
  } finally {
    await store.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export async function runStorageBench(options: StorageBenchOptions): Promise<StorageBenchResult> {
  const { dir, entryBytes, seconds, log } = options;
  const latencyRounds = Math.max(2, Math.round(seconds / LATENCY_SLICE_SECONDS));
  const latencySlice = seconds / latencyRounds;
  const bandwidthSlice = seconds / BANDWIDTH_ROUNDS;
  const workDir = makeWorkDir(dir);
  const work = workDir.path;
  try {
    log(`concurrency 1 vs. serial 4 KiB write+fdatasync: ${latencyRounds} alternating rounds of ${latencySlice} s ...`);
    const fsync = new FsyncProbe(join(work, 'fsync.dat'));
    const c1Store = await FileLogStore.open({ dir: mkdtempSync(join(work, 'c1-')) });
    const c1 = new AppendLoad(c1Store, 1, entryBytes);
    try {
      for (let round = 0; round < latencyRounds; round++) {
        await fsync.run(latencySlice, Number.MAX_SAFE_INTEGER, 20);
        await c1.run(latencySlice);
      }
    } finally {
      fsync.close();
      await c1Store.close();
    }
    const fsyncPart = fsyncLimits(fsync);
    const r1 = c1.result();
    log(`  fdatasync p50 ${fsyncPart.fsyncP50Us} µs, p99 ${fsyncPart.fsyncP99Us} µs; store ${r1.opsPerSec} appends/s, p50 ${r1.p50Us} µs, p99 ${r1.p99Us} µs`);

    log(`concurrency 256 vs. sequential write bandwidth (>= ${SEQ_BYTES_MIN >> 20} MiB): ${BANDWIDTH_ROUNDS} alternating rounds ...`);
    const seq = new SeqWriteProbe(join(work, 'seq.dat'));
    const c256Store = await FileLogStore.open({ dir: mkdtempSync(join(work, 'c256-')) });
    const c256 = new AppendLoad(c256Store, 256, entryBytes);
    // What the store has in flight at that concurrency, split as its pipeline splits it.
    const inFlightBytes = c256.concurrency * (entryBytes + ENTRY_HEADER_BYTES);
    const chunkBytes = Math.min(PIPELINE_BATCH_BYTES_MAX, Math.ceil(inFlightBytes / FSYNCS_IN_FLIGHT_MAX));
    const pipelined = new PipelinedWriteProbe(join(work, 'pipelined.dat'), chunkBytes, FSYNCS_IN_FLIGHT_MAX);
    try {
      for (let round = 0; round < BANDWIDTH_ROUNDS; round++) {
        await seq.run(SEQ_BYTES_MIN / BANDWIDTH_ROUNDS);
        await pipelined.run(PIPELINED_BYTES_PER_ROUND);
        await c256.run(bandwidthSlice);
      }
    } finally {
      await c256Store.close();
    }
    const r256 = c256.result();
    const limits: DiskLimits = { ...fsyncPart, seqWriteMBps: seq.MBps(), dir };
    const pipelinedWrite = { chunkBytes, depth: FSYNCS_IN_FLIGHT_MAX, MBps: pipelined.MBps() };
    log(`  sequential write ${limits.seqWriteMBps} MB/s; pipelined write ${pipelinedWrite.MBps} MB/s; store ${r256.opsPerSec} appends/s, ${r256.MBps} MB/s, p50 ${r256.p50Us} µs, p99 ${r256.p99Us} µs`);
    return {
      limits,
      conc1: { opsPerSec: r1.opsPerSec, p50Us: r1.p50Us, p99Us: r1.p99Us },
      conc256: { opsPerSec: r256.opsPerSec, MBps: r256.MBps, p50Us: r256.p50Us, p99Us: r256.p99Us },
      ratios: {
        conc1P50ToFsyncP50: Math.round((r1.p50Us / limits.fsyncP50Us) * 100) / 100,
        conc256MBpsToSeqWrite: Math.round((r256.MBps / limits.seqWriteMBps) * 100) / 100,
        conc256MBpsToPipelinedWrite: Math.round((r256.MBps / pipelinedWrite.MBps) * 100) / 100,
      },
      pipelinedWrite,
      entryBytes,
      seconds,
      rounds: [latencyRounds, BANDWIDTH_ROUNDS],
      fsync: 'always',
    };
  } finally {
    workDir.remove();
  }
}
