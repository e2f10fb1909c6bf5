// scripts/ci-bench.sh: bad arguments exit 2 with a usage message, before any build (the
// workflow reads exit 1 as a regression).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'ci-bench.sh');
const dir = mkdtempSync(join(tmpdir(), 'logbench-ci-bench-'));
const outDir = join(dir, 'out');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ciBench(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string } {
  return spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, OUT_DIR: outDir, ...env } });
}

describe('scripts/ci-bench.sh usage errors', () => {
  const cases: Array<[string, string[], Record<string, string>]> = [
    ['no mode', [], {}],
    ['ab without BASE_REF', ['ab'], {}],
    ['ab with an extra argument', ['ab', 'HEAD', 'HEAD', 'HEAD'], {}],
    ['baseline without NAME', ['baseline'], {}],
    ['save-baseline with two names', ['save-baseline', 'a', 'b'], {}],
    ['an unknown mode', ['bogus'], {}],
    ['a ROUNDS that is not a number', ['ab', 'HEAD'], { ROUNDS: 'x' }],
  ];
  for (const [what, args, env] of cases) {
    it(`exits 2 with the usage for ${what}, creating nothing`, () => {
      const r = ciBench(args, env);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain('usage: scripts/ci-bench.sh ab BASE_REF [HEAD_REF] | baseline NAME | save-baseline NAME');
      expect(existsSync(outDir)).toBe(false);
    });
  }
});
