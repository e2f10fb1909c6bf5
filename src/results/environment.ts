// The environment fingerprint stored with every result: numbers mean nothing without the
// machine, kernel, filesystem and code they came from. Each probe degrades to null rather than
// failing a run (e.g. not a git checkout, no `stat` binary).

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCachedDiskLimits } from '../storage/disk-limits.js';
import type { Environment } from './result-types.js';

/** The package root (the directory holding logbench's package.json), from src/ or dist/src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'logbench') return dir;
      } catch {
        // keep looking upwards
      }
    }
    dir = dirname(dir);
  }
  return process.cwd();
}

function run(command: string, args: string[], cwd: string): string | null {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return null;
  }
}

export function gitState(root: string = packageRoot()): { commit: string | null; dirty: boolean | null } {
  const commit = run('git', ['rev-parse', 'HEAD'], root);
  if (commit === null) return { commit: null, dirty: null };
  const status = run('git', ['status', '--porcelain', '--untracked-files=no'], root);
  return { commit, dirty: status === null ? null : status.length > 0 };
}

/** Filesystem type of the directory (stat -f, else the longest matching /proc/mounts entry). */
export function filesystemOf(dir: string): string | null {
  let probe = resolve(dir);
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  const viaStat = run('stat', ['-f', '-c', '%T', probe], process.cwd());
  if (viaStat !== null && viaStat !== '') return viaStat;
  try {
    let best: { mount: string; type: string } | undefined;
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, mount, type] = line.split(' ');
      if (mount === undefined || type === undefined) continue;
      if ((probe === mount || probe.startsWith(mount.endsWith('/') ? mount : mount + '/')) && (best === undefined || mount.length > best.mount.length)) best = { mount, type };
    }
    return best?.type ?? null;
  } catch {
    return null;
  }
}

/** The limits `logbench disk` measured and cached for this directory's device; null when never measured. */
export function cachedDiskLimits(dir: string): Record<string, unknown> | null {
  let probe = resolve(dir);
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  try {
    const cached = readCachedDiskLimits(probe);
    if (cached === undefined) return null;
    return { ...cached.limits, measuredAt: new Date(cached.measuredAtMs).toISOString(), cacheFile: cached.cacheFile };
  } catch {
    return null;
  }
}

export function collectEnvironment(dataDir: string | null): Environment {
  const root = packageRoot();
  let version = '0.0.0';
  try {
    version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch {
    // not fatal: the version is informational
  }
  const cpus = os.cpus();
  return {
    logbenchVersion: version,
    node: process.version,
    nodeFlags: [...process.execArgv],
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    memoryBytes: os.totalmem(),
    kernel: os.release(),
    hostname: os.hostname(),
    dataDir,
    filesystem: filesystemOf(dataDir ?? os.tmpdir()),
    diskLimits: cachedDiskLimits(dataDir ?? os.tmpdir()),
    git: gitState(root),
  };
}
