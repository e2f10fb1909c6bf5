// A result file is read once per command: the check that one run is not given twice (same-run.ts)
// uses the bytes its reader read, and calibrate, which compares each pair's files several times,
// keeps what it read. Counted by wrapping node:fs's readFileSync.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { calibrateCommand } from '../../src/cli/commands/calibrate.js';
import { reportCommand } from '../../src/cli/commands/report.js';
import type { CommandContext } from '../../src/cli/command.js';
import type { FlagValues } from '../../src/cli/args.js';
import { loadSides } from '../../src/results/compare-input.js';
import { syntheticResult, tempDir } from './compare-fixtures.js';

const reads = vi.hoisted(() => new Map<string, number>());

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((path: unknown, ...rest: unknown[]): unknown => {
    reads.set(String(path), (reads.get(String(path)) ?? 0) + 1);
    return (fs.readFileSync as (...args: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readFileSync;
  return { ...fs, default: { ...fs, readFileSync }, readFileSync };
});

const tmp = tempDir('logbench-read-once-');
afterAll(() => tmp.cleanup());
beforeEach(() => reads.clear());

function context(values: FlagValues, positionals: string[]): CommandContext {
  return { values, positionals, json: false, print: () => {}, log: () => {}, emitJson: () => {} };
}

describe('each result file is read once', () => {
  const a = tmp.write('a.json', syntheticResult({ seed: 51, seconds: 5 }));
  const b = tmp.write('b.json', syntheticResult({ seed: 52, seconds: 5 }));
  const c = tmp.write('c.json', syntheticResult({ seed: 53, seconds: 5 }));

  it('by compare, which also checks that no run is given twice', () => {
    loadSides([a, b], [c]);
    expect(Object.fromEntries(reads)).toEqual({ [a]: 1, [b]: 1, [c]: 1 });
  });

  it('by report, which also checks that no run is given twice', async () => {
    expect(await reportCommand.run(context({ html: join(tmp.dir, 'report.html') }, [a, b]))).toBe(0);
    expect(reads.get(a)).toBe(1);
    expect(reads.get(b)).toBe(1);
  });

  it('by calibrate, which compares each pair\'s files several times', async () => {
    // --reuse takes the runs already in --out-dir, so nothing is run.
    const dir = join(tmp.dir, 'calibrate');
    const run = (name: string, seed: number, opsPerSec: number): string => tmp.write(join('calibrate', `${name}.json`), syntheticResult({ seed, opsPerSec }));
    mkdirSync(dir);
    const probes = [run('probe-base', 54, 50_000), run('probe-spin', 55, 45_000)];
    const pair = [run('pair1-base', 56, 50_000), run('pair1-slow10', 57, 45_000), run('pair1-slow20', 58, 40_000), run('pair1-base2', 59, 50_000)];
    const values = { 'out-dir': dir, reuse: true, pairs: '1', slowdowns: ['10,20'] };
    expect(await calibrateCommand.run(context(values, []))).toBe(0);
    for (const path of [...probes, ...pair]) expect(reads.get(path), path).toBe(1);
  });
});
