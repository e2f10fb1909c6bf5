// Exclusive ownership of a data directory: a LOCK file holding the owner's pid, created with O_EXCL.
// Two replicas must never write the same log. A lock whose pid is no longer alive (a crashed
// owner) is taken over; a live owner — including this process — makes the open fail with an
// error naming the directory and the pid.

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fsError, StorageError } from './storage-error.js';

export const LOCK_FILE_NAME = 'LOCK';
const TAKEOVER_ATTEMPTS = 3;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as { code?: string }).code === 'EPERM';
  }
}

export class DirLock {
  private constructor(readonly path: string) {}

  static acquire(dir: string): DirLock {
    const path = join(dir, LOCK_FILE_NAME);
    for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o644);
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
        return new DirLock(path);
      } catch (error) {
        if ((error as { code?: string }).code !== 'EEXIST') throw fsError(error, path, 'create lock file');
      }
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') continue;
        throw fsError(error, path, 'read lock file');
      }
      const pid = Number(text.trim());
      if (Number.isSafeInteger(pid) && pid > 0 && pidAlive(pid)) {
        const who = pid === process.pid ? 'this process' : `process ${pid}`;
        throw new StorageError('LOCKED', dir, `data directory ${dir} is in use: locked by ${who} (lock file ${path}); stop it or choose another data directory`);
      }
      // Stale (dead pid, or a lock file torn by a crash before the pid was written): take it over.
      try {
        unlinkSync(path);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ENOENT') throw fsError(error, path, 'remove stale lock file');
      }
    }
    throw new StorageError('LOCKED', dir, `data directory ${dir}: could not take over the lock file ${path} after ${TAKEOVER_ATTEMPTS} attempts`);
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw fsError(error, this.path, 'remove lock file');
    }
  }
}
