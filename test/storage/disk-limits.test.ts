import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { FsyncProbe, fsyncLimits, PipelinedWriteProbe, readCachedDiskLimits, writeCachedDiskLimits } from '../../src/storage/disk-limits.js';
import { removeTempDirs, tempDir } from './helpers.js';

const savedCacheHome = process.env['XDG_CACHE_HOME'];

afterEach(() => {
  if (savedCacheHome === undefined) delete process.env['XDG_CACHE_HOME'];
  else process.env['XDG_CACHE_HOME'] = savedCacheHome;
  removeTempDirs();
});

describe('disk limits', () => {
  it('measures serial fdatasync latency with at least the minimum number of samples', async () => {
    const dir = tempDir();
    const probe = new FsyncProbe(join(dir, 'fsync.dat'));
    try {
      await probe.run(0, 1000, 30);
    } finally {
      probe.close();
    }
    const limits = fsyncLimits(probe);
    expect(probe.ops).toBe(30);
    expect(limits.fsyncP50Us).toBeGreaterThan(0);
    expect(limits.fsyncP99Us).toBeGreaterThanOrEqual(limits.fsyncP50Us);
    expect(limits.fsyncOpsPerSec).toBeGreaterThan(0);
  });

  it('measures pipelined write bandwidth in whole chunks, depth at once, and removes its file', async () => {
    const dir = tempDir();
    const probe = new PipelinedWriteProbe(join(dir, 'pipelined.dat'), 64 * 1024, 3);
    await probe.run(1_000_000);
    await probe.run(64 * 1024);
    // 1,000,000 bytes round up to 16 chunks of 64 KiB; the second run is one chunk.
    expect(probe.bytes).toBe(17 * 64 * 1024);
    expect(probe.MBps()).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'pipelined.dat'))).toBe(false);
    expect(() => new PipelinedWriteProbe(join(dir, 'x'), 4096, 0)).toThrow('depth 0, expected 1..64');
    await expect(new PipelinedWriteProbe(join(dir, 'missing', 'x'), 4096, 2).run(4096)).rejects.toThrow(join(dir, 'missing', 'x'));
  });

  it('caches results per directory and reads them back', () => {
    process.env['XDG_CACHE_HOME'] = tempDir('logbench-cache-');
    const measured = tempDir();
    const other = tempDir();
    const limits = { fsyncP50Us: 250, fsyncP99Us: 900, fsyncOpsPerSec: 3500, seqWriteMBps: 400, dir: measured };
    const file = writeCachedDiskLimits(measured, limits, 1_700_000_000_000);
    expect(file.startsWith(process.env['XDG_CACHE_HOME'])).toBe(true);
    expect(readCachedDiskLimits(measured)).toEqual({ limits, measuredAtMs: 1_700_000_000_000, cacheFile: file });
    expect(readCachedDiskLimits(other)).toBeUndefined();
  });
});
