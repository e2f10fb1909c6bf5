import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/load/clock.js';
import { loadScenarioWithOverrides } from '../../src/load/scenario.js';
import { ScenarioRunner } from '../../src/load/run-scenario.js';
import { NullDriver } from '../../src/drivers/null-driver.js';
import { assembleResult } from '../../src/results/assemble.js';
import { checkCorrectness } from '../../src/results/correctness.js';
import { collectEnvironment } from '../../src/results/environment.js';
import { RESULT_SCHEMA } from '../../src/results/result-schema.js';
import type { RunResult } from '../../src/results/result-types.js';
import { assertValidResult, resultProblems } from '../../src/results/validate.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SCHEMA_FILE = join(ROOT, 'src', 'results', 'result.schema.json');

/** A real result of the null scenario, on virtual time (fast and deterministic). */
async function nullResult(): Promise<RunResult> {
  const scenario = loadScenarioWithOverrides(join(ROOT, 'bench', 'scenarios', 'null.yaml'), [], {});
  const clock = new FakeClock();
  const runner = new ScenarioRunner({ scenario, clock, shouldStop: () => false, createDriver: (c) => new NullDriver({ latencyUs: 500 }, c.clock) });
  await runner.connect();
  await runner.runAll();
  const correctness = await checkCorrectness({ driver: runner.driver, acks: runner.ackLog, acked: 1 });
  await runner.close();
  return assembleResult({ scenario, driver: runner.driver, outcomes: runner.outcomes, correctness, environment: collectEnvironment(null), startedAt: new Date(), finishedAt: new Date(), complete: true, command: ['logbench', 'run'] });
}

describe('result file schema', () => {
  it('a run result validates', async () => {
    const result = await nullResult();
    expect(resultProblems(result)).toEqual([]);
    expect(result.phases[1]!.target.rateRule).toMatchObject({ phase: 'closed', fraction: 0.5 });
  });

  it('a corrupted result fails validation naming the field', async () => {
    const result = JSON.parse(JSON.stringify(await nullResult())) as Record<string, unknown> & { phases: Array<{ throughput: Record<string, unknown> }> };
    result.phases[0]!.throughput['opsPerSec'] = 'fast';
    expect(() => assertValidResult(result, 'r.json')).toThrow('r.json: phases[0].throughput.opsPerSec: expected a non-negative number, got "fast"');
  });

  it('a result missing a field or with an unknown one is rejected', async () => {
    const result = JSON.parse(JSON.stringify(await nullResult())) as Record<string, unknown>;
    delete result['complete'];
    result['extra'] = 1;
    const problems = resultProblems(result);
    expect(problems).toContain('complete: missing; expected true or false');
    expect(problems.some((p) => p.startsWith('extra: unknown field'))).toBe(true);
  });

  it('src/results/result.schema.json is the TypeScript schema written out', () => {
    const text = JSON.stringify(RESULT_SCHEMA, null, 2) + '\n';
    if (process.env['UPDATE_RESULT_SCHEMA'] === '1') writeFileSync(SCHEMA_FILE, text);
    expect(existsSync(SCHEMA_FILE)).toBe(true);
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(text);
  });
});
