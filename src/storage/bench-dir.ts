// Where `logbench disk` and `logbench bench storage` write: a directory given by --dir (which
// must exist; only fresh sub-directories are written and they are removed), or a fresh temporary
// directory under os.tmpdir(). The description says which filesystem that is, because a tmpfs
// /tmp would measure memory, not the disk holding the project.

import { mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { onProcessExit } from '../cluster/cleanup.js';
import { directoryWriteProblem } from './directory.js';
import { fsError, StorageError } from './storage-error.js';

export interface BenchDir {
  dir: string;
  /** Removes what this run created (an exit, SIGINT or SIGTERM before that removes it too). */
  cleanup(): void;
  description: string;
}

/** Checks a --dir value: it must name an existing, writable directory on a disk. Returns its real path. */
export function checkGivenDir(given: string, flagName = '--dir'): string {
  const dir = resolve(given);
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new StorageError('ENOENT', dir, `flag ${flagName}: directory ${dir} does not exist`);
    throw fsError(error, dir, `flag ${flagName}: cannot use`);
  }
  if (!isDirectory) throw new StorageError('ENOTDIR', dir, `flag ${flagName}: ${dir} is not a directory`);
  const problem = directoryWriteProblem(dir);
  if (problem !== undefined) throw new StorageError('INVALID', dir, `flag ${flagName}: ${dir} ${problem}; expected an existing, writable directory`);
  return realpathSync(dir);
}

export function openBenchDir(given: string | undefined, flagName = '--dir'): BenchDir {
  if (given !== undefined) {
    const dir = checkGivenDir(given, flagName);
    return { dir, cleanup: () => undefined, description: describeFilesystem(dir) };
  }
  const work = makeWorkDir(tmpdir(), 'logbench-');
  return { dir: work.path, cleanup: work.remove, description: describeFilesystem(work.path) };
}

/** "dir X (device N; same filesystem as the working directory: yes)". */
export function describeFilesystem(dir: string): string {
  const device = statSync(dir).dev;
  const same = statSync(process.cwd()).dev === device;
  return `${realpathSync(dir)} (device ${device}; same filesystem as the working directory ${process.cwd()}: ${same ? 'yes' : 'no'})`;
}

/** The directory whose disk limits a cache entry describes: the given dir, or os.tmpdir() for fresh temp dirs. */
export function limitsKeyDir(given: string | undefined): string {
  return given !== undefined ? checkGivenDir(given) : realpathSync(tmpdir());
}

export interface WorkDir {
  path: string;
  /** Removes the directory (and stops watching for exit). */
  remove(): void;
}

/**
 * Creates a temporary directory inside `dir` (often the user's own directory, given by --dir). The
 * caller removes it; an exit, SIGINT or SIGTERM before that removes it too.
 */
export function makeWorkDir(dir: string, prefix = '.logbench-disk-'): WorkDir {
  // Registered first: a signal between creating the directory and registering would leave it.
  let path = '';
  const removeNow = (): void => {
    if (path !== '') rmSync(path, { recursive: true, force: true });
  };
  const unregister = onProcessExit(removeNow);
  try {
    path = mkdtempSync(join(dir, prefix));
  } catch (error) {
    unregister();
    throw fsError(error, dir, 'create a measurement directory in');
  }
  return {
    path,
    remove: () => {
      unregister();
      removeNow();
    },
  };
}
