// Disk faults on real file systems: a full disk (ENOSPC, a 2 MiB tmpfs) and a read-only one
// (tmpfs remounted read-only; chmod cannot be used, root ignores permissions). Both must give a
// clear error naming the path, leave no partial entry visible, and reopen to the acked log.
// Mounting needs root; without it these tests are skipped with the reason.

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, rmdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileLogStore } from '../../src/storage/file-store.js';
import { StorageError } from '../../src/storage/storage-error.js';
import { asIndex } from '../../src/types.js';
import { dump, entry, tempDir, removeTempDirs } from './helpers.js';

function tryMount(dir: string, sizeBytes: number): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return (error as { stderr?: Buffer }).stderr?.toString().trim() || String(error);
  }
}

const probe = tempDir('logbench-mount-probe-');
const mountProblem = tryMount(probe, 1 << 20);
if (mountProblem === undefined) execFileSync('umount', [probe]);
rmdirSync(probe);

let mountDir: string | undefined;

beforeEach(() => {
  mountDir = undefined;
});

afterEach(() => {
  if (mountDir !== undefined) {
    try {
      execFileSync('umount', [mountDir], { stdio: 'pipe' });
    } catch {
      // already unmounted
    }
  }
  removeTempDirs();
});

function mountedTmpfs(sizeBytes: number): string {
  const dir = tempDir('logbench-tmpfs-');
  const problem = tryMount(dir, sizeBytes);
  if (problem !== undefined) throw new Error(`mount tmpfs on ${dir}: ${problem}`);
  mountDir = dir;
  return dir;
}

describe.skipIf(mountProblem !== undefined)(`disk faults on tmpfs${mountProblem !== undefined ? ` (skipped: cannot mount tmpfs: ${mountProblem}; no fault-injecting wrapper)` : ''}`, () => {
  it('reports ENOSPC naming the segment file, rolls back to the acked log, and reopens to it', async () => {
    const dir = mountedTmpfs(2 * 1024 * 1024);
    const store = await FileLogStore.open({ dir });
    let acked = 0;
    let failure: unknown;
    for (let i = 1; i <= 10_000 && failure === undefined; i += 8) {
      const batch = Array.from({ length: 8 }, (_, k) => entry(i + k, 1, 1000));
      try {
        await store.append(batch);
        acked = i + 7;
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toBeInstanceOf(StorageError);
    expect((failure as StorageError).code).toBe('ENOSPC');
    expect((failure as StorageError).message).toMatch(new RegExp(`${dir}/\\d{20}\\.log: no space left on device`));
    expect(store.lastIndex(), 'no unacknowledged entry stays visible').toBe(acked);
    const before = dump(store);
    expect(before.length).toBe(acked);
    // The store keeps working once space is available again (the rollback freed the partial batch).
    await store.truncateSuffix(asIndex(acked - 20));
    await store.append([entry(acked - 20, 1, 10)]);
    const afterRetry = dump(store);
    await store.close();
    const reopened = await FileLogStore.open({ dir });
    expect(dump(reopened)).toEqual(afterRetry);
    await reopened.close();
  });

  it('refuses to open a log on a read-only mount with an error naming the path, leaving the log intact', async () => {
    // A read-only bind mount of a directory holding a log (remounting a file system read-only
    // while the log's files are open for writing is refused by Linux, so the read-only view is a
    // second mount of the same files).
    const dir = tempDir();
    const store = await FileLogStore.open({ dir });
    await store.append(Array.from({ length: 20 }, (_, k) => entry(k + 1, 1, 200)));
    const acked = dump(store);
    await store.close();
    const view = tempDir('logbench-ro-view-');
    execFileSync('mount', ['--bind', dir, view]);
    mountDir = view;
    execFileSync('mount', ['-o', 'remount,bind,ro', view]);
    const refused = await FileLogStore.open({ dir: view }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StorageError);
    expect((refused as StorageError).code).toBe('EROFS');
    expect((refused as StorageError).message).toMatch(new RegExp(`${view}/LOCK: read-only file system`));
    execFileSync('umount', [view]);
    mountDir = undefined;
    const reopened = await FileLogStore.open({ dir });
    expect(dump(reopened)).toEqual(acked);
    await reopened.close();
  });
});

// Permission errors need a non-root process (root ignores file modes): run the open as `nobody`.
const canDropPrivileges = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;

describe.skipIf(!canDropPrivileges)(`permission errors${canDropPrivileges ? '' : ' (skipped: needs root and setpriv to open as an unprivileged user)'}`, () => {
  it('refuses a directory the user may not write with EACCES naming the path, leaving the log intact', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const store = await FileLogStore.open({ dir });
    await store.append(Array.from({ length: 5 }, (_, k) => entry(k + 1, 1, 100)));
    const acked = dump(store);
    await store.close();
    const script = `import('${new URL('../../src/storage/file-store.ts', import.meta.url).pathname}').then((m) => m.FileLogStore.open({ dir: process.argv[1] })).then(() => console.log('opened'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })))`;
    const child = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath, '--import', 'tsx', '-e', script, dir], { encoding: 'utf8', cwd: process.cwd() });
    const result = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { code?: string; message?: string };
    expect(result.code, child.stderr).toBe('EACCES');
    expect(result.message).toBe(`create lock file ${dir}/LOCK: permission denied (EACCES)`);
    const reopened = await FileLogStore.open({ dir });
    expect(dump(reopened)).toEqual(acked);
    await reopened.close();
  });
});
