// The correctness ledger runs on every `logbench run`: a system whose read-back lost an acked
// entry makes the run exit 1 and print the example; a clean read-back passes.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuild, runCli } from '../load/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'logbench-ledger-wiring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => ensureBuild(), 120_000);

const QUICK = ['--system', 'null', '--conc', '4', '--seconds', '0.3', '--set', 'driver.readBackReplicas=3'];

describe('ledger on every run', () => {
  it('a clean read-back gives ledger ok with zero counts and exit 0', () => {
    const out = join(dir, 'clean.json');
    const r = runCli(['run', ...QUICK, '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ledger: 'ok', lost: 0, duplicated: 0, divergent: 0 });
  });

  it('an acked entry missing from every replica makes the run exit 1 with the example printed', () => {
    const out = join(dir, 'lost.json');
    const r = runCli(['run', ...QUICK, '--set', 'driver.readBackDropIndex=7', '--out', out]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/correctness ledger: failed; acked \d+, lost 1, duplicated 0, divergent 0/);
    expect(r.stderr).toMatch(/correctness ledger FAILED: 1 lost/);
    expect(r.stderr).toMatch(/lost: producer \d+ seq \d+ on null-1,null-2,null-3: expected .*index 7/);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { correctness: { ledger: string; lost: number } };
    expect(result.correctness).toMatchObject({ ledger: 'failed', lost: 1 });
  });
});
