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
/**
 * The concurrency-256 stores warm up before their first measured round: the raw probes have no
 * code to optimize, the store's batching path does (concurrency 1 never takes it).
 */
export const C256_WARMUP_SECONDS = 1;
/**
 * Concurrency 256 is measured on a log in its steady state: retention keeps this many segments
 * (the active one included), as a long-running log keeps a bounded history, so every new segment
 * reuses a file retention removed (spare-segments.ts). The same load on a log without retention,
 * where every segment is a new file, is measured beside it (conc256NewFiles).
 */
export const STEADY_RETENTION_SEGMENTS = 2;
/** The steady-state store's warm-up lasts until it has reused a segment file, or this long at most. */
const STEADY_WARMUP_SECONDS_MAX = 10;

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
  /** A log in its steady state (retention keeps `retentionSegments`): new segments reuse removed files. */
  conc256: { opsPerSec: number; MBps: number; p50Us: number; p99Us: number; retentionSegments: number; segmentsReused: number };
  /** The same load on a log without retention: every segment is a new file that each write extends. */
  conc256NewFiles: { opsPerSec: number; MBps: number; p50Us: number; p99Us: number };
  ratios: { conc1P50ToFsyncP50: number; conc256MBpsToSeqWrite: number; conc256NewFilesMBpsToSeqWrite: number; conc256NewFilesMBpsToPipelinedWrite: number };
  /**
   * The raw disk doing what the store's pipeline does at concurrency 256: the same bytes in flight,
   * in writes of chunkBytes each fdatasynced, `depth` at once, appended to a new file. The ceiling
   * for conc256NewFiles on this disk.
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
  /** Unmeasured appends at concurrency 256 before its first measured round (default C256_WARMUP_SECONDS). */
  warmupSeconds?: number;
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
    // One clock read per append, not three: the time an append ends is also the next one's start
    // and the deadline check. The appenders share the store's thread, so the load's own work counts
    // against the store's throughput.
    const worker = async (): Promise<void> => {
      const batch: Entry[] = [{ index: asIndex(0), term, data: body }];
      let now = performance.now();
      while (now < deadline) {
        batch[0] = { index: asIndex(store.lastIndex() + 1), term, data: body };
        const t0 = now;
        await store.append(batch);
        now = performance.now();
        histogram.recordValue(Math.max(1, Math.round((now - t0) * 1000)));
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
    const steadyStore = await FileLogStore.open({ dir: mkdtempSync(join(work, 'c256-steady-')), retention: { segmentsMax: STEADY_RETENTION_SEGMENTS } });
    const c256 = new AppendLoad(steadyStore, 256, entryBytes);
    const newFilesStore = await FileLogStore.open({ dir: mkdtempSync(join(work, 'c256-new-')) });
    const c256New = new AppendLoad(newFilesStore, 256, entryBytes);
    // What the store has in flight at that concurrency, split as its pipeline splits it.
    const inFlightBytes = c256.concurrency * (entryBytes + ENTRY_HEADER_BYTES);
    const chunkBytes = Math.min(PIPELINE_BATCH_BYTES_MAX, Math.ceil(inFlightBytes / FSYNCS_IN_FLIGHT_MAX));
    const pipelined = new PipelinedWriteProbe(join(work, 'pipelined.dat'), chunkBytes, FSYNCS_IN_FLIGHT_MAX);
    let segmentsReused = 0;
    try {
      const warmupSeconds = options.warmupSeconds ?? C256_WARMUP_SECONDS;
      await new AppendLoad(newFilesStore, c256New.concurrency, entryBytes).run(warmupSeconds);
      const warm = new AppendLoad(steadyStore, c256.concurrency, entryBytes);
      await warm.run(warmupSeconds);
      while (steadyStore.spareStats().recycled === 0 && warm.seconds < STEADY_WARMUP_SECONDS_MAX) await warm.run(0.25);
      const reusedBefore = steadyStore.spareStats().recycled;
      for (let round = 0; round < BANDWIDTH_ROUNDS; round++) {
        await seq.run(SEQ_BYTES_MIN / BANDWIDTH_ROUNDS);
        await pipelined.run(PIPELINED_BYTES_PER_ROUND);
        await c256.run(bandwidthSlice);
        await c256New.run(bandwidthSlice);
      }
      segmentsReused = steadyStore.spareStats().recycled - reusedBefore;
    } finally {
      await steadyStore.close();
      await newFilesStore.close();
    }
    const r256 = c256.result();
    const r256New = c256New.result();
    const limits: DiskLimits = { ...fsyncPart, seqWriteMBps: seq.MBps(), dir };
    const pipelinedWrite = { chunkBytes, depth: FSYNCS_IN_FLIGHT_MAX, MBps: pipelined.MBps() };
    log(`  sequential write ${limits.seqWriteMBps} MB/s; pipelined write ${pipelinedWrite.MBps} MB/s`);
    log(`  store (steady state, ${segmentsReused} segment files reused) ${r256.opsPerSec} appends/s, ${r256.MBps} MB/s, p50 ${r256.p50Us} µs, p99 ${r256.p99Us} µs`);
    log(`  store (new files) ${r256New.opsPerSec} appends/s, ${r256New.MBps} MB/s, p50 ${r256New.p50Us} µs, p99 ${r256New.p99Us} µs`);
    return {
      limits,
      conc1: { opsPerSec: r1.opsPerSec, p50Us: r1.p50Us, p99Us: r1.p99Us },
      conc256: { opsPerSec: r256.opsPerSec, MBps: r256.MBps, p50Us: r256.p50Us, p99Us: r256.p99Us, retentionSegments: STEADY_RETENTION_SEGMENTS, segmentsReused },
      conc256NewFiles: { opsPerSec: r256New.opsPerSec, MBps: r256New.MBps, p50Us: r256New.p50Us, p99Us: r256New.p99Us },
      ratios: {
        conc1P50ToFsyncP50: ratio(r1.p50Us, limits.fsyncP50Us),
        conc256MBpsToSeqWrite: ratio(r256.MBps, limits.seqWriteMBps),
        conc256NewFilesMBpsToSeqWrite: ratio(r256New.MBps, limits.seqWriteMBps),
        conc256NewFilesMBpsToPipelinedWrite: ratio(r256New.MBps, pipelinedWrite.MBps),
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

function ratio(value: number, limit: number): number {
  return Math.round((value / limit) * 100) / 100;
}
