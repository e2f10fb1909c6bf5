// makeDirectory and writableDirectoryProblem: what every command's directory check and creation go
// through. Under /proc, mkdir fails with ENOENT although the parent exists (a recursive mkdir loops
// there forever): such paths are refused at once, and nothing is created on the way.

import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryError, makeDirectory, writableDirectoryProblem } from '../../src/storage/directory.js';

const dir = mkdtempSync(join(tmpdir(), 'logbench-directory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const onLinux = process.platform === 'linux';

describe('makeDirectory', () => {
  it('creates the missing levels and says which was the first', () => {
    const target = join(dir, 'a', 'b', 'c');
    expect(makeDirectory(target)).toEqual({ dir: target, created: join(dir, 'a') });
    expect(statSync(target).isDirectory()).toBe(true);
    expect(makeDirectory(target)).toEqual({ dir: target, created: undefined });
  });

  it('refuses a path under a file, naming the file', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect(() => makeDirectory(join(file, 'x'))).toThrow(new DirectoryError(join(file, 'x'), `cannot create ${join(file, 'x')}: ${file} is not a directory`));
  });

  it.skipIf(!onLinux)('refuses a path under /proc at once, creating nothing', () => {
    const startedMs = performance.now();
    expect(() => makeDirectory('/proc/logbench-x/y')).toThrow('cannot create /proc/logbench-x/y: /proc is on the proc filesystem, which holds no files');
    expect(() => makeDirectory('/proc')).toThrow('/proc is on the proc filesystem');
    expect(performance.now() - startedMs).toBeLessThan(1_000);
    expect(existsSync('/proc/logbench-x')).toBe(false);
  });
});

describe('writableDirectoryProblem', () => {
  it('accepts a writable directory and says what is wrong with the rest', () => {
    expect(writableDirectoryProblem(dir)).toBeUndefined();
    expect(writableDirectoryProblem(join(dir, 'missing'))).toBe('does not exist');
    expect(writableDirectoryProblem(join(dir, 'a-file'))).toBe('is not a directory');
  });

  it.skipIf(!onLinux)('refuses kernel pseudo-filesystems by name', () => {
    expect(writableDirectoryProblem('/proc')).toBe('is on the proc filesystem, which holds no files');
    expect(writableDirectoryProblem('/sys')).toBe('is on the sysfs filesystem, which holds no files');
  });
});
