// `logbench bench storage`: the storage engine alone (one node, fsync always) against the disk's
// limits measured in the same run: commit latency at concurrency 1 vs. fdatasync latency, and
// group-commit bandwidth at concurrency 256 vs. sequential write bandwidth (on a log in its steady
// state, whose new segments reuse the files retention removed, and on a log of new files).

import { intFlag, stringFlag, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { limitsKeyDir, openBenchDir } from '../../storage/bench-dir.js';
import { StorageError } from '../../storage/storage-error.js';
import { writeCachedDiskLimits } from '../../storage/disk-limits.js';
import { runStorageBench } from '../../storage/storage-bench.js';

export const benchStorageCommand: Command = {
  name: 'bench storage',
  summary: 'benchmark the storage engine (fsync always) against the disk limits measured in the same run',
  usage: '[--dir D] [--size BYTES] [--seconds S] [--json]',
  flags: {
    dir: { type: 'string', valueName: 'D', description: 'existing directory to write the test logs in (they are removed)', defaultText: 'a fresh directory under the system temp dir' },
    size: { type: 'string', valueName: 'BYTES', description: 'entry payload size', defaultText: '1024' },
    seconds: { type: 'string', valueName: 'S', description: 'duration of each measured store: concurrency 1, concurrency 256 on a steady-state log (retention, recycled segments), concurrency 256 on new files', defaultText: '5' },
  },
  examples: ['logbench bench storage', 'logbench bench storage --dir /mnt/nvme --seconds 10 --json'],
  async run(ctx) {
    const entryBytes = intFlag(ctx.values, 'size', 1024, { min: 1, max: 16 * 1024 * 1024 });
    const seconds = intFlag(ctx.values, 'seconds', 5, { min: 1, max: 600 });
    const given = stringFlag(ctx.values, 'dir');
    const keyDir = dirFlag(given);
    const bench = openBenchDir(given);
    ctx.log(`writing in ${bench.description}`);
    try {
      const result = await runStorageBench({ dir: bench.dir, entryBytes, seconds, log: ctx.log });
      result.limits = { ...result.limits, dir: keyDir };
      writeCachedDiskLimits(keyDir, result.limits, Date.now());
      const { limits, conc1, conc256, conc256NewFiles, ratios, pipelinedWrite } = result;
      ctx.print(`disk: fdatasync p50 ${limits.fsyncP50Us} µs, p99 ${limits.fsyncP99Us} µs; sequential write ${limits.seqWriteMBps} MB/s`);
      ctx.print(`conc 1:   ${conc1.opsPerSec} appends/s, p50 ${conc1.p50Us} µs, p99 ${conc1.p99Us} µs  (p50 = ${ratios.conc1P50ToFsyncP50}x fdatasync p50)`);
      ctx.print(
        `conc 256: ${conc256.opsPerSec} appends/s, ${conc256.MBps} MB/s, p50 ${conc256.p50Us} µs, p99 ${conc256.p99Us} µs  (${ratios.conc256MBpsToSeqWrite}x sequential bandwidth; ` +
          `steady state: retention keeps ${conc256.retentionSegments} segments, ${conc256.segmentsReused} new segments reused removed files)`,
      );
      ctx.print(
        `          new files: ${conc256NewFiles.opsPerSec} appends/s, ${conc256NewFiles.MBps} MB/s, p50 ${conc256NewFiles.p50Us} µs, p99 ${conc256NewFiles.p99Us} µs  (${ratios.conc256NewFilesMBpsToSeqWrite}x sequential bandwidth; a log without retention)`,
      );
      ctx.print(
        `          the raw disk with the same bytes in flight, appended to a new file (${pipelinedWrite.depth} fdatasynced writes of ${Math.round(pipelinedWrite.chunkBytes / 1024)} KiB at once, as the store's pipeline): ` +
          `${pipelinedWrite.MBps} MB/s; the store on new files reaches ${ratios.conc256NewFilesMBpsToPipelinedWrite}x of that`,
      );
      ctx.emitJson(result);
      return 0;
    } finally {
      bench.cleanup();
    }
  },
};

/** A bad --dir is a usage error (exit 2) naming the flag. */
function dirFlag(given: string | undefined): string {
  try {
    return limitsKeyDir(given);
  } catch (error) {
    if (error instanceof StorageError) throw new UsageError(`logbench bench storage: ${error.message}`);
    throw error;
  }
}
