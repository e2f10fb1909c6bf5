// Checking and creating the directories commands write in (a replica's data directory, a group's
// data directory, an output directory, a --dir to measure), in one place so that a check and the
// creation after it cannot disagree. Missing directories are created one level at a time, never
// with a recursive mkdir: under /proc mkdir fails with ENOENT although the parent exists, and
// Node's recursive mkdir then retries the parent and the child forever. Kernel pseudo-filesystems
// (proc, sysfs, ...) pass access() for root but hold no files: they are refused by name.

import { accessSync, constants, mkdirSync, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** statfs f_type magic numbers of kernel filesystems that hold no data files (linux/magic.h). */
const PSEUDO_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x1cd1, 'devpts'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
  [0x42494e4d, 'binfmt_misc'],
]);

/** The name of the pseudo-filesystem `dir` is on (proc, sysfs, ...), or undefined for any other. */
export function pseudoFilesystemOf(dir: string): string | undefined {
  try {
    return PSEUDO_FILESYSTEMS.get(statfsSync(dir).type);
  } catch {
    return undefined;
  }
}

/**
 * Why `dir` cannot hold new files ('does not exist', 'is not a directory', 'is not writable
 * (CODE)', 'is on the proc filesystem, which holds no files'), or undefined when it can.
 */
export function writableDirectoryProblem(dir: string): string | undefined {
  try {
    if (!statSync(dir).isDirectory()) return 'is not a directory';
  } catch (error) {
    return problemOf(error);
  }
  return directoryWriteProblem(dir);
}

/** writableDirectoryProblem for a path already known to be a directory: whether it can hold new files. */
export function directoryWriteProblem(dir: string): string | undefined {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    return problemOf(error);
  }
  const pseudo = pseudoFilesystemOf(dir);
  return pseudo === undefined ? undefined : `is on the ${pseudo} filesystem, which holds no files`;
}

function problemOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'does not exist' : `is not writable (${code ?? 'error'})`;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** `path` itself when it exists, else the nearest existing directory on its way (the one a mkdir -p would write in). */
export function nearestExisting(path: string): string {
  let dir = resolve(path);
  // Bounded: each step removes one component, and the root exists.
  while (!exists(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** A directory that cannot be used or created; `detail` names the path and why, without a flag. */
export class DirectoryError extends Error {
  override name = 'DirectoryError';

  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`directory ${path}: ${detail}`);
  }
}

/**
 * Makes sure `path` is a writable directory, creating what is missing of it. Checked first: the
 * path itself when it exists, else the nearest existing directory on its way must be writable
 * (writableDirectoryProblem). Returns the absolute path and the first directory created
 * (undefined when it existed), for a caller that removes what it made.
 */
export function makeDirectory(path: string): { dir: string; created: string | undefined } {
  const target = resolve(path);
  const existing = nearestExisting(target);
  const problem = writableDirectoryProblem(existing);
  if (problem !== undefined) throw new DirectoryError(path, existing === target ? `${path} ${problem}` : `cannot create ${path}: ${existing} ${problem}`);
  const missing: string[] = [];
  for (let dir = target; dir !== existing; dir = dirname(dir)) missing.unshift(dir);
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      // Made meanwhile by someone else: fine when it is a directory.
      if (code === 'EEXIST' && writableDirectoryProblem(dir) === undefined) continue;
      throw new DirectoryError(path, `cannot create ${path}: mkdir ${dir} failed (${code})`);
    }
  }
  return { dir: target, created: missing[0] };
}
