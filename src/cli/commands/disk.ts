// `logbench disk`: this machine's physical limits for a data directory (fdatasync latency and
// sequential write bandwidth), cached per directory so other commands can print their ratio to
// the limit without re-measuring; --fresh re-measures.

import { boolFlag, stringFlag, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { limitsKeyDir, openBenchDir } from '../../storage/bench-dir.js';
import { StorageError } from '../../storage/storage-error.js';
import { formatAge, measureDiskLimits, readCachedDiskLimits, writeCachedDiskLimits } from '../../storage/disk-limits.js';
import type { DiskLimits } from '../../storage/disk-limits.js';

export const diskCommand: Command = {
  name: 'disk',
  summary: 'measure the disk limits of a data directory (fdatasync latency, sequential write bandwidth)',
  usage: '[--dir D] [--fresh] [--json]',
  flags: {
    dir: { type: 'string', valueName: 'D', description: 'directory on the disk to measure (must exist)', defaultText: 'a fresh directory under the system temp dir' },
    fresh: { type: 'boolean', description: 're-measure even when a cached result exists' },
  },
  examples: ['logbench disk', 'logbench disk --dir /var/lib/logbench --fresh --json'],
  async run(ctx) {
    const given = stringFlag(ctx.values, 'dir');
    const keyDir = dirFlag(given);
    const cached = boolFlag(ctx.values, 'fresh') ? undefined : readCachedDiskLimits(keyDir);
    let limits: DiskLimits;
    let measuredAtMs: number;
    if (cached !== undefined) {
      limits = cached.limits;
      measuredAtMs = cached.measuredAtMs;
      ctx.print(`cached result for ${keyDir}, measured ${formatAge(Date.now() - measuredAtMs)} ago (${cached.cacheFile}; --fresh re-measures)`);
    } else {
      const bench = openBenchDir(given);
      try {
        ctx.log(`measuring ${bench.description} (serial 4 KiB write+fdatasync, then >= 256 MiB sequential writes) ...`);
        limits = { ...(await measureDiskLimits(bench.dir)), dir: keyDir };
      } finally {
        bench.cleanup();
      }
      measuredAtMs = Date.now();
      const file = writeCachedDiskLimits(keyDir, limits, measuredAtMs);
      ctx.log(`cached in ${file}`);
    }
    ctx.print(`fdatasync (4 KiB appends): p50 ${limits.fsyncP50Us} µs, p99 ${limits.fsyncP99Us} µs, ${limits.fsyncOpsPerSec} ops/s`);
    ctx.print(`sequential write with fdatasync: ${limits.seqWriteMBps} MB/s`);
    ctx.emitJson({ ...limits, cached: cached !== undefined, measuredAt: new Date(measuredAtMs).toISOString() });
    return 0;
  },
};

/** A bad --dir is a usage error (exit 2) naming the flag. */
function dirFlag(given: string | undefined): string {
  try {
    return limitsKeyDir(given);
  } catch (error) {
    if (error instanceof StorageError) throw new UsageError(`logbench disk: ${error.message}`);
    throw error;
  }
}
