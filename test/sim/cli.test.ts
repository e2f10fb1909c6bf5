// `logbench sim` as a user runs it: the compiled CLI in a child process.

import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { replayCommand, violationLines } from '../../src/cli/commands/sim.js';
import { runSeeds } from '../../src/sim/pool.js';
import { simStepsDefault } from '../../src/sim/simulator.js';

const root = join(import.meta.dirname, '..', '..');
const main = join(root, 'dist', 'src', 'cli', 'main.js');

function logbench(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [main, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  // Throws (failing every test) if the build fails.
  execFileSync(process.execPath, [join(root, 'scripts', 'ensure-build.mjs')], { cwd: root, stdio: 'inherit' });
});

describe('logbench sim', () => {
  it.each([
    [['--seeds', '-1'], '--seeds'],
    [['--seeds=-1'], 'flag --seeds: expected an integer >= 1'],
    [['--seeds', 'abc'], 'flag --seeds: expected an integer'],
    [['--replicas', '4'], 'flag --replicas: expected one of 3, 5'],
    [['--frobnicate'], 'unknown flag --frobnicate'],
    [['--trace'], 'flag --trace'],
    [['--seed', '3', '--seeds', '5'], 'flag --seeds cannot be combined with --seed'],
  ])('exits 2 on %j naming the flag', (args, message) => {
    const result = logbench('sim', ...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });

  it('prints exactly one JSON object with --json', () => {
    const result = logbench('sim', '--seeds', '6', '--start-seed', '10', '--steps', '500', '--json');
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(summary)).toEqual(['seeds', 'violations', 'failingSeeds', 'steps', 'wallMs']);
    expect(summary).toMatchObject({ seeds: 6, violations: 0, failingSeeds: [] });
    expect(summary.steps).toBeGreaterThanOrEqual(6 * 500);
    expect(typeof summary.wallMs).toBe('number');
  });

  it('replays one seed with the same trace every time', () => {
    const first = logbench('sim', '--seed', '77', '--replicas', '5', '--steps', '1500', '--trace');
    const second = logbench('sim', '--seed', '77', '--replicas', '5', '--steps', '1500', '--trace');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    const lines = first.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1500);
    expect(lines[0]).toMatch(/^0 seed 77 replicas=5 steps=1500 /);
    expect(lines.at(-1)).toMatch(/^sim: seed 77, 5 replicas: ok; \d+ steps/);
  });

  it('names the seed, invariant, step and replay command of a failing seed', () => {
    expect(replayCommand(12, 5, simStepsDefault)).toBe('logbench sim --seed 12 --replicas 5 --trace');
    expect(replayCommand(12, 3, 900)).toBe('logbench sim --seed 12 --replicas 3 --steps 900 --trace');
    const lines = violationLines([{ seed: 12, invariant: 'electionSafety', step: 345, description: 'n1 and n2 were both leader in term 4' }], 3, 900);
    expect(lines).toEqual([
      'violation: seed 12, invariant electionSafety, step 345: n1 and n2 were both leader in term 4',
      '  replay: logbench sim --seed 12 --replicas 3 --steps 900 --trace',
    ]);
  });

  it('gets the same results on worker threads as in this thread', async () => {
    const options = { startSeed: 500, seeds: 16, replicas: 3, steps: 1000 };
    const threaded = await runSeeds({ ...options, workers: 2 });
    const inline = await runSeeds({ ...options, workers: 0 });
    expect(threaded).toEqual(inline);
    expect(threaded.seeds).toBe(16);
  });
});
