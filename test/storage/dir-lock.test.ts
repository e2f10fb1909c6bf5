import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLogStore } from '../../src/storage/file-store.js';
import { StorageError } from '../../src/storage/storage-error.js';
import { removeTempDirs, tempDir } from './helpers.js';

afterEach(removeTempDirs);

describe('data directory lock', () => {
  it('refuses a directory locked by another live process, naming the directory and its pid', async () => {
    const dir = tempDir();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'LOCK'), `${holder.pid}\n`);
      const error = await FileLogStore.open({ dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('LOCKED');
      expect((error as StorageError).message).toContain(dir);
      expect((error as StorageError).message).toContain(`process ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('takes over a lock left by a dead process', async () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(join(dir, 'LOCK'), `${dead.stdout.toString()}\n`);
    const store = await FileLogStore.open({ dir });
    await store.close();
  });

  it('refuses a second open of the same directory in one process', async () => {
    const dir = tempDir();
    const store = await FileLogStore.open({ dir });
    await expect(FileLogStore.open({ dir })).rejects.toThrow(/locked by this process/);
    await store.close();
    const again = await FileLogStore.open({ dir });
    await again.close();
  });
});
