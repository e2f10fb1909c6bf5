import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenarioWithOverrides, scenarioFromFlags, ScenarioError } from '../../src/load/scenario.js';
import { ensureBuild, ROOT, runCli } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'logbench-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => ensureBuild());

const GOOD = `name: t
system: "null"
phases:
  - { type: closed, concurrency: 4, seconds: 1 }
  - { type: open, rate: 100, seconds: 1 }
`;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('bad scenario files exit 2 naming the file, the field and what was expected', () => {
  it('wrong type', () => {
    const path = file('type.yaml', GOOD.replace('rate: 100', 'rate: fast'));
    const r = runCli(['run', path]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`${path}: phases[1].rate: expected a positive number, got "fast"`);
  });

  it('negative rate', () => {
    const path = file('negative.yaml', GOOD.replace('rate: 100', 'rate: -5'));
    const r = runCli(['run', path]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`${path}: phases[1].rate: expected a positive number, got -5`);
  });

  it('an empty phase list and a size out of range say what is expected, in words', () => {
    const empty = file('no-phases.yaml', 'system: "null"\nphases: []\n');
    const r = runCli(['run', empty]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`${empty}: phases: expected a list of at least 1 item, got []`);
    const small = runCli(['run', '--system', 'null', '--size', '8', '--seconds', '1']);
    expect(small.status).toBe(2);
    expect(small.stderr.trim()).toBe('command line: payload.sizeBytes: expected an integer >= 16 and <= 67108864, got 8');
  });

  it('--set past the end of a list names the list and its length instead of leaving a hole', () => {
    const r = runCli(['run', 'bench/scenarios/default.yaml', '--set', 'phases[5].seconds=1']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('--set phases[5].seconds=1: phases has 2 items (phases[0]..phases[1]); expected an index up to 2 (2 adds one)');
    // Adding a phase without its type: one line for the field, not one per schema rule.
    const added = runCli(['run', 'bench/scenarios/quick.yaml', '--set', 'phases[1].seconds=1']);
    expect(added.status).toBe(2);
    expect(added.stderr.trim()).toBe('bench/scenarios/quick.yaml: phases[1].type: missing; expected one of closed, open');
    // A non-finite number is shown as such (JSON would print it as null).
    const infinite = runCli(['run', 'bench/scenarios/quick.yaml', '--set', 'phases[0].seconds=.inf']);
    expect(infinite.status).toBe(2);
    expect(infinite.stderr.trim()).toBe('bench/scenarios/quick.yaml: phases[0].seconds: expected a positive number, got Infinity (from --set)');
  });

  it('unknown field', () => {
    const path = file('unknown.yaml', GOOD.replace('concurrency: 4', 'concurrency: 4, concurency: 8'));
    const r = runCli(['run', path]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`${path}: phases[0].concurency: unknown field; expected one of: type, name, warmupSeconds, seconds, ops, concurrency`);
  });

  it('missing file', () => {
    const path = join(dir, 'nope.yaml');
    const r = runCli(['run', path]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`${path}: scenario file not found`);
  });

  it('an unknown system exits 2 naming the systems there are', () => {
    const r = runCli(['run', '--system', 'kafka', '--seconds', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('kafka');
    expect(r.stderr).toMatch(/engine.*etcd.*nats.*null/);
  });
});

describe('scenario loading', () => {
  it('--set overrides a field, with YAML scalar typing', () => {
    const path = file('set.yaml', GOOD);
    const s = loadScenarioWithOverrides(path, ['phases[0].concurrency=16', 'generator.seed=9', 'payload.sizeBytes=256'], {});
    expect(s.phases[0]).toMatchObject({ type: 'closed', concurrency: 16 });
    expect(s.generator.seed).toBe(9);
    expect(s.payload.sizeBytes).toBe(256);
    expect(s.overrides).toEqual(['phases[0].concurrency=16', 'generator.seed=9', 'payload.sizeBytes=256']);
  });

  it('a bad --set value is reported at its field and marked as coming from --set', () => {
    const path = file('badset.yaml', GOOD);
    expect(() => loadScenarioWithOverrides(path, ['phases[1].rate=fast'], {})).toThrow(`${path}: phases[1].rate: expected a positive number, got "fast" (from --set)`);
  });

  it('an fsync interval out of range is refused with the scenario, not when a replica starts', () => {
    const path = file('fsync.yaml', GOOD.replace('system: "null"', 'system: engine'));
    const expected = 'expected always, none or interval:<ms> with 1 <= ms <= 60000';
    expect(() => loadScenarioWithOverrides(path, ['group.fsync=interval:0'], {})).toThrow(`${path}: group.fsync: ${expected}, got "interval:0"`);
    expect(() => loadScenarioWithOverrides(path, ['group.fsync=interval:60001'], {})).toThrow(`${path}: group.fsync: ${expected}, got "interval:60001"`);
    expect(() => loadScenarioWithOverrides(path, ['group.fsync=sometimes'], {})).toThrow(`${path}: group.fsync: ${expected}, got "sometimes"`);
    expect(loadScenarioWithOverrides(path, ['group.fsync=interval:60000'], {}).group['fsync']).toBe('interval:60000');
  });

  it('CLI flags override the file and --set', () => {
    const path = file('flags.yaml', GOOD);
    const s = loadScenarioWithOverrides(path, ['phases[0].concurrency=16'], { conc: 32, seconds: 2, sizeBytes: 512 });
    expect(s.phases[0]).toMatchObject({ concurrency: 32, seconds: 2 });
    expect(s.phases[1]).toMatchObject({ seconds: 2 });
    expect(s.payload.sizeBytes).toBe(512);
  });

  it('an engine behind --endpoints gets no group defaults: the result must not describe a group logbench did not start', () => {
    expect(scenarioFromFlags({ system: 'engine' }, []).group).toEqual({ replicas: 3, mode: 'threads', fsync: 'always' });
    expect(scenarioFromFlags({ system: 'engine', endpoints: ['1=127.0.0.1:8001'] }, []).group).toEqual({});
    expect(() => scenarioFromFlags({ system: 'engine', endpoints: ['1=127.0.0.1:8001'], replicas: 3 }, [])).toThrow('flag --replicas: the engine group behind --endpoints runs elsewhere');
  });

  it('rateOfPhase must name an earlier phase', () => {
    const path = file('ref.yaml', GOOD.replace('rate: 100', 'rateOfPhase: { phase: later, fraction: 0.5 }'));
    expect(() => loadScenarioWithOverrides(path, [], {})).toThrow(ScenarioError);
    expect(() => loadScenarioWithOverrides(path, [], {})).toThrow(`${path}: phases[1].rateOfPhase.phase: expected the name of an earlier phase (closed), got "later"`);
  });

  it('rate steps expand into consecutive phases, warm-up on the first only', () => {
    const s = loadScenarioWithOverrides(join(ROOT, 'bench', 'scenarios', 'null-steps.yaml'), [], {});
    expect(s.phases.map((p) => p.name)).toEqual(['ramp', 'step.1', 'step.2', 'step.3']);
    expect(s.phases[2]).toMatchObject({ type: 'open', rate: 40_000, seconds: 2, warmupSeconds: 0, arrival: 'poisson' });
    expect(s.phases[0]).toMatchObject({ rampFromRate: 2000, rampSeconds: 2 });
  });

  it('the shipped scenarios are valid', () => {
    for (const name of ['default', 'null', 'null-steps']) {
      const s = loadScenarioWithOverrides(join(ROOT, 'bench', 'scenarios', `${name}.yaml`), [], {});
      expect(s.name).toBe(name);
    }
    const d = loadScenarioWithOverrides(join(ROOT, 'bench', 'scenarios', 'default.yaml'), [], {});
    expect(d.group).toMatchObject({ replicas: 3, mode: 'threads', fsync: 'always' });
    expect(d.payload.sizeBytes).toBe(1024);
    const total = d.phases.reduce((sum, p) => sum + p.warmupSeconds + (p.seconds ?? 0), 0);
    expect(total).toBeLessThan(45);
  });
});
