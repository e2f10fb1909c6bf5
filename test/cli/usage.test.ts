// Usage errors common to every command, as a user sees them: the compiled CLI in a child process.

import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuild, runCli } from '../load/cli.js';

beforeAll(ensureBuild);

describe('usage errors', () => {
  it.each([
    [['disk', '--dir', ''], 'logbench disk: flag --dir: expected a value (D)'],
    [['disk', '--dir='], 'logbench disk: flag --dir: expected a value (D)'],
    [['run', '--out', '', '--seconds', '1'], 'logbench run: flag --out: expected a value (FILE)'],
    [['run', '--set', 'payload.sizeBytes=64', '--set', ''], 'logbench run: flag --set: expected a value (KEY=VALUE)'],
  ])('an empty value %j is a missing value (exit 2)', (args, message) => {
    const r = runCli(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(message);
  });

  it('a flag value error names the command', () => {
    const r = runCli(['bench', 'storage', '--size', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('logbench bench storage: flag --size: expected an integer >= 1, got 0');
  });

  it('bench --help lists the bench subcommands', () => {
    const r = runCli(['bench', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('usage: logbench bench <subcommand>');
    expect(r.stdout).toMatch(/^ {2}bench storage {2}/m);
  });

  it.each([
    [['bench', '--json'], 'logbench bench: flag --json given before a subcommand; expected one of: bench storage'],
    [['bench'], 'logbench bench: missing subcommand; expected one of: bench storage'],
    [['bench', 'disk'], 'logbench bench: unknown subcommand "disk"; expected one of: bench storage'],
  ])('%j names the subcommands (exit 2)', (args, message) => {
    const r = runCli(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(message);
  });

  it.skipIf(process.platform !== 'linux').each([
    [['disk', '--dir', '/proc'], 'logbench disk: flag --dir: /proc is on the proc filesystem, which holds no files; expected an existing, writable directory'],
    [['bench', 'storage', '--dir', '/proc'], 'logbench bench storage: flag --dir: /proc is on the proc filesystem, which holds no files; expected an existing, writable directory'],
    [['run', '--system', 'engine', '--seconds', '1', '--set', 'group.dataDir=/proc'], 'group.dataDir: /proc is on the proc filesystem, which holds no files; expected an existing, writable directory (each run makes its own directory in it and removes it afterwards)'],
    [['run', '--system', 'null', '--seconds', '1', '--out', '/proc/logbench-x/result.json'], 'logbench run: flag --out: cannot write /proc/logbench-x/result.json: /proc is on the proc filesystem, which holds no files; expected a file path in a writable directory'],
    [['calibrate', '--out-dir', '/proc/logbench-x/y'], 'logbench calibrate: flag --out-dir: cannot write /proc/logbench-x/y/calibration.json: /proc is on the proc filesystem, which holds no files; expected a file path in a writable directory'],
  ])('%j: a directory on /proc is refused at once (exit 2)', (args, message) => {
    const r = runCli(args, 10_000);
    expect(r.status, 'exit code (null: killed after 10 s)').toBe(2);
    expect(r.stderr.trim()).toBe(message);
  });
});
