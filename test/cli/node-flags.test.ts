// The `logbench` bin runs node with the load flags (src/cli/node-flags.ts), every result records
// the flags its run had, and compare notes a difference in them.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LOAD_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { ensureBuild, runCli } from '../load/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'logbench-node-flags-'));

beforeAll(ensureBuild);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RUN = ['run', '--system', 'null', '--conc', '2', '--seconds', '1'];

it('the bin runs with the load flags, a result records them, and compare notes a run without them', () => {
  const withFlags = join(dir, 'bin.json');
  // Executed as a file, so its #! line decides how node starts.
  const bin = spawnSync(join(ROOT, 'bin', 'logbench.js'), [...RUN, '--out', withFlags], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(bin.status, bin.stderr).toBe(0);
  const recorded = (JSON.parse(readFileSync(withFlags, 'utf8')) as { environment: { nodeFlags: string[] } }).environment.nodeFlags;
  for (const flag of LOAD_NODE_FLAGS) expect(recorded).toContain(flag);

  const without = join(dir, 'plain.json');
  expect(runCli([...RUN, '--out', without]).status).toBe(0);
  const plain = (JSON.parse(readFileSync(without, 'utf8')) as { environment: { nodeFlags: string[] } }).environment.nodeFlags;
  expect(plain).not.toContain(LOAD_NODE_FLAGS[0]);

  const compared = runCli(['compare', withFlags, without]);
  expect(compared.stdout + compared.stderr).toMatch(/note: environment\.nodeFlags differs: .*--single-threaded-gc/);
});
