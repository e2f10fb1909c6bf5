// The physical limits of the disk under a data directory, measured the way a log uses it:
//   - fsync latency: serial 4 KiB appends to a fresh file, each followed by fdatasync, done with
//     synchronous calls (no thread-pool hop), so it is the floor a log's commit latency can reach;
//   - sequential bandwidth: 1 MiB writes with an fdatasync every 16 MiB and at the end, at least
//     256 MiB in total, so the page cache cannot hide the device.
// Results are cached per (device, real path) under the user's cache directory because measuring
// takes seconds and writes hundreds of MiB; `fresh` re-measures.

import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import * as hdr from 'hdr-histogram-js';
import { makeWorkDir } from './bench-dir.js';
import { makeDirectory } from './directory.js';
import { fdatasyncFd } from './fs-calls.js';
import { fsError } from './storage-error.js';
import { round1 } from '../round.js';

export interface DiskLimits {
  fsyncP50Us: number;
  fsyncP99Us: number;
  fsyncOpsPerSec: number;
  seqWriteMBps: number;
  dir: string;
}

export interface DiskLimitsOptions {
  /** Serial fsync samples: stop after this many ... */
  fsyncOpsMax?: number;
  /** ... or after this long, whichever comes first (at least 100 samples are always taken). */
  fsyncSecondsMax?: number;
  seqBytes?: number;
  now?: () => bigint;
}

const FSYNC_WRITE_BYTES = 4096;
const SEQ_WRITE_BYTES = 1024 * 1024;
const SEQ_SYNC_EVERY_BYTES = 16 * 1024 * 1024;
export const SEQ_BYTES_MIN = 256 * 1024 * 1024;
const CACHE_VERSION = 1;

/**
 * The probes write with synchronous calls (no thread-pool hop in what they time) but let the event
 * loop run this often, so SIGINT/SIGTERM handlers (which remove the measurement directory) run
 * within a fraction of a second instead of after the whole measurement.
 */
const YIELD_EVERY_NS = 100_000_000n;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function newLatencyHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

/** Serial 4 KiB append + fdatasync to one file; run() may be called several times (interleaved with other work). */
export class FsyncProbe {
  readonly histogram = newLatencyHistogram();
  ops = 0;
  seconds = 0;
  private readonly fd: number;
  private readonly block = Buffer.alloc(FSYNC_WRITE_BYTES, 0x5a);

  constructor(
    readonly path: string,
    private readonly now: () => bigint = process.hrtime.bigint,
  ) {
    this.fd = open(path);
  }

  /** Samples until `opsMax` more ops or `secondsMax` elapsed (at least `opsMin`). */
  async run(secondsMax: number, opsMax: number, opsMin = 100): Promise<void> {
    const now = this.now;
    const started = now();
    const deadline = started + BigInt(Math.round(secondsMax * 1e9));
    let yielded = started;
    try {
      for (let n = 0; n < opsMax && (n < opsMin || now() < deadline); n++) {
        const t0 = now();
        writeSync(this.fd, this.block, 0, FSYNC_WRITE_BYTES, this.ops * FSYNC_WRITE_BYTES);
        fdatasyncSync(this.fd);
        const t1 = now();
        this.histogram.recordValue(Math.max(1, Number(t1 - t0) / 1000));
        this.ops++;
        if (t1 - yielded > YIELD_EVERY_NS) {
          await yieldToEventLoop();
          yielded = now();
        }
      }
    } catch (error) {
      throw fsError(error, this.path, 'measure fsync latency in');
    }
    this.seconds += Number(now() - started) / 1e9;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * The raw disk doing what a group-commit pipeline does: writes of `chunkBytes` appended to a fresh
 * file, each followed by an fdatasync through the thread pool, `depth` of them in flight. With
 * the bytes a store has in flight at a given concurrency, it is the ceiling that store can reach
 * on this disk at that concurrency (fewer bytes in flight, more fdatasyncs per byte, than the
 * sequential probe: on this project's machine 2 × 128 KiB in flight gave 200–220 MB/s, 3 × 128 KiB
 * 320 MB/s, 4 × 64 KiB 205–219 MB/s).
 */
export class PipelinedWriteProbe {
  bytes = 0;
  seconds = 0;
  private readonly chunk: Buffer;

  constructor(
    readonly path: string,
    readonly chunkBytes: number,
    readonly depth: number,
  ) {
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw new RangeError(`pipelined write probe: chunk of ${chunkBytes} bytes`);
    if (!Number.isSafeInteger(depth) || depth < 1 || depth > 64) throw new RangeError(`pipelined write probe: depth ${depth}, expected 1..64`);
    this.chunk = Buffer.alloc(chunkBytes, 0xa5);
  }

  /** Writes `bytes` (rounded up to whole chunks) and waits for every fdatasync. */
  async run(bytes: number): Promise<void> {
    const fd = open(this.path);
    const chunks = Math.max(1, Math.ceil(bytes / this.chunkBytes));
    const started = performance.now();
    try {
      let issued = 0;
      const lane = async (): Promise<void> => {
        while (issued < chunks) {
          const at = issued++ * this.chunkBytes;
          for (let done = 0; done < this.chunkBytes; ) done += writeSync(fd, this.chunk, done, this.chunkBytes - done, at + done);
          await fdatasyncFd(fd);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.depth, chunks) }, lane));
    } catch (error) {
      throw fsError(error, this.path, 'measure pipelined write bandwidth in');
    } finally {
      closeSync(fd);
    }
    this.seconds += (performance.now() - started) / 1000;
    this.bytes += chunks * this.chunkBytes;
    rmSync(this.path, { force: true });
  }

  MBps(): number {
    return round1(this.bytes / 1e6 / this.seconds);
  }
}

/** Sequential 1 MiB writes with an fdatasync every 16 MiB and at the end, to a fresh file per run(). */
export class SeqWriteProbe {
  bytes = 0;
  seconds = 0;
  private readonly chunk = Buffer.alloc(SEQ_WRITE_BYTES, 0xa5);

  constructor(
    readonly path: string,
    private readonly now: () => bigint = process.hrtime.bigint,
  ) {}

  async run(bytes: number): Promise<void> {
    const fd = open(this.path);
    const started = this.now();
    try {
      for (let written = 0; written < bytes; ) {
        written += writeSync(fd, this.chunk, 0, SEQ_WRITE_BYTES, written);
        if (written % SEQ_SYNC_EVERY_BYTES === 0) {
          fdatasyncSync(fd);
          await yieldToEventLoop();
        }
      }
      fdatasyncSync(fd);
    } catch (error) {
      throw fsError(error, this.path, 'measure sequential write bandwidth in');
    } finally {
      closeSync(fd);
    }
    this.seconds += Number(this.now() - started) / 1e9;
    this.bytes += bytes;
    rmSync(this.path, { force: true });
  }

  MBps(): number {
    return round1(this.bytes / 1e6 / this.seconds);
  }
}

export function fsyncLimits(probe: FsyncProbe): Pick<DiskLimits, 'fsyncP50Us' | 'fsyncP99Us' | 'fsyncOpsPerSec'> {
  return {
    fsyncP50Us: round1(probe.histogram.getValueAtPercentile(50)),
    fsyncP99Us: round1(probe.histogram.getValueAtPercentile(99)),
    fsyncOpsPerSec: Math.round(probe.ops / probe.seconds),
  };
}

/** Measures the limits in a temporary sub-directory of `dir`, removed afterwards. */
export async function measureDiskLimits(dir: string, options: DiskLimitsOptions = {}): Promise<DiskLimits> {
  const workDir = makeWorkDir(dir);
  const work = workDir.path;
  try {
    const fsync = new FsyncProbe(join(work, 'fsync.dat'), options.now);
    try {
      await fsync.run(options.fsyncSecondsMax ?? 2, options.fsyncOpsMax ?? 5000);
    } finally {
      fsync.close();
    }
    const seq = new SeqWriteProbe(join(work, 'seq.dat'), options.now);
    await seq.run(Math.max(SEQ_BYTES_MIN, options.seqBytes ?? SEQ_BYTES_MIN));
    return { ...fsyncLimits(fsync), seqWriteMBps: seq.MBps(), dir: realpathSync(dir) };
  } finally {
    workDir.remove();
  }
}

export interface CachedDiskLimits {
  limits: DiskLimits;
  measuredAtMs: number;
  cacheFile: string;
}

/** The cache file for `dir`: keyed by the device and the real path. */
export function diskLimitsCacheFile(dir: string): string {
  const real = realpathSync(dir);
  const device = statSync(real).dev;
  const base = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  return join(base, 'logbench', `disk-${device}-${crc32(real).toString(16).padStart(8, '0')}.json`);
}

export function readCachedDiskLimits(dir: string): CachedDiskLimits | undefined {
  const cacheFile = diskLimitsCacheFile(dir);
  try {
    const parsed = JSON.parse(readFileSync(cacheFile, 'utf8')) as { version?: number; measuredAtMs?: number; limits?: DiskLimits };
    if (parsed.version !== CACHE_VERSION || typeof parsed.measuredAtMs !== 'number' || parsed.limits === undefined) return undefined;
    const l = parsed.limits;
    if (![l.fsyncP50Us, l.fsyncP99Us, l.fsyncOpsPerSec, l.seqWriteMBps].every((v) => typeof v === 'number' && v > 0)) return undefined;
    return { limits: l, measuredAtMs: parsed.measuredAtMs, cacheFile };
  } catch {
    return undefined;
  }
}

export function writeCachedDiskLimits(dir: string, limits: DiskLimits, measuredAtMs: number): string {
  const cacheFile = diskLimitsCacheFile(dir);
  makeDirectory(join(cacheFile, '..'));
  writeFileSync(cacheFile, JSON.stringify({ version: CACHE_VERSION, measuredAtMs, limits }, null, 2) + '\n');
  return cacheFile;
}

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

function open(path: string): number {
  try {
    return openSync(path, 'w', 0o644);
  } catch (error) {
    throw fsError(error, path, 'create');
  }
}

