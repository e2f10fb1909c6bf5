// Ctrl-C during a disk measurement: the measurement directory inside the user's --dir is removed
// and the exit code still says "interrupted" (130).

import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuild, MAIN, ROOT, spawn } from '../load/cli.js';

beforeAll(ensureBuild);

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('SIGINT during a disk measurement', () => {
  it.each([[['disk', '--fresh']], [['bench', 'storage', '--seconds', '1']]])('%j removes its .logbench-disk-* directory and exits 130', async (args) => {
    const dir = await mkdtemp(join(tmpdir(), 'logbench-interrupt-'));
    dirs.push(dir);
    const child = spawn(process.execPath, [MAIN, ...args, '--dir', dir], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, XDG_CACHE_HOME: join(dir, '.cache') } });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const measuring = (): boolean => readdirSync(dir).some((name) => name.startsWith('.logbench-disk-'));
    for (let waitedMs = 0; !measuring(); waitedMs += 20) {
      if (waitedMs > 30_000) throw new Error('no .logbench-disk-* directory appeared within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGINT');
    expect(await exited).toEqual({ code: 130, signal: null });
    expect(readdirSync(dir).filter((name) => name !== '.cache')).toEqual([]);
  });
});
