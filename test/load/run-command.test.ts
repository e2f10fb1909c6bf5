import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultProblems } from '../../src/results/validate.js';
import { ensureBuild, MAIN, ROOT, runCli, spawn } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'logbench-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => ensureBuild());

const QUICK = ['--set', 'phases[0].seconds=0.5', '--set', 'phases[0].warmupSeconds=0.2', '--set', 'phases[1].seconds=0.5', '--set', 'phases[1].warmupSeconds=0.2', '--set', 'phases[1].rateOfPhase.fraction=0.02'];

describe('logbench run', () => {
  it('--json prints one object with the engine-issue fields and the result path', () => {
    const out = join(dir, 'json.json');
    const r = runCli(['run', 'bench/scenarios/null.yaml', ...QUICK, '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['system', 'mode', 'replicas', 'conc', 'sizeBytes', 'seconds', 'opsPerSec', 'p50Us', 'p99Us', 'p999Us', 'maxUs', 'acked', 'lost', 'duplicated', 'divergent', 'resultPath']) {
      expect(json, key).toHaveProperty(key);
    }
    expect(json).toMatchObject({ system: 'null', conc: 64, sizeBytes: 1024, resultPath: out, ledger: 'not-run', lost: null, complete: true });
    expect(json['opsPerSec'] as number).toBeGreaterThan(1000);
    expect(json['ledgerReason']).toMatch(/cannot read its log back/);
    expect(json['settings']).toMatchObject({ spinUsPerOp: 0 });
  });

  it('writes a result that validates against the schema', () => {
    const out = join(dir, 'valid.json');
    const r = runCli(['run', 'bench/scenarios/null.yaml', ...QUICK, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`result: ${out}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { complete: boolean; phases: Array<{ name: string; series: unknown[]; generator: { coordinatedOmissionCorrected: boolean } }> };
    expect(resultProblems(result)).toEqual([]);
    expect(result.complete).toBe(true);
    expect(result.phases.map((p) => p.name)).toEqual(['closed', 'open']);
    expect(result.phases[1]!.generator.coordinatedOmissionCorrected).toBe(true);
    const hgrm = runCli(['export-hgrm', out, '--phase', 'open']);
    expect(hgrm.status, hgrm.stderr).toBe(0);
    expect(hgrm.stdout).toMatch(/Value\s+Percentile\s+TotalCount 1\/\(1-Percentile\)/);
    expect(hgrm.stdout).toMatch(/#\[Max\s+=/);
  });

  it('an engine run records where its batches spent their time (system.diagnostics) and prints it', () => {
    const out = join(dir, 'engine-diagnostics.json');
    const r = runCli(['run', '--system', 'engine', '--conc', '16', '--seconds', '1', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { system: { diagnostics?: Record<string, number> } };
    expect(resultProblems(result)).toEqual([]);
    const d = result.system.diagnostics!;
    expect(d['leaderBatches']).toBeGreaterThan(0);
    expect(d['leaderEntriesPerBatch']).toBeGreaterThanOrEqual(1);
    expect(d['leaderProposeToCommitUsMean']).toBeGreaterThan(0);
    expect(d['fsyncs']).toBeGreaterThanOrEqual(d['leaderBatches']! / 2);
    expect(d['fsyncUsMean']).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/engine, per leader batch \([\d.]+ entries, \d+ batches\): own fdatasync done .* and committed .* after proposal/);
    expect(r.stdout).toMatch(/fdatasync on all replicas: \d+ calls, mean /);
    // Every knob with the value it ran with, defaults included (issue: "each with a default that is printed with results").
    expect(r.stdout).toMatch(/^settings: replicas=3 mode=threads fsync=always tickMs=5 electionTicks=12 .*segmentBytes=67108864/m);
  });

  it('a scenario group.dataDir gets a fresh directory per run there, removed afterwards', () => {
    const dataDir = join(dir, 'engine-data');
    mkdirSync(dataDir);
    const scenario = join(dir, 'engine-data.yaml');
    writeFileSync(
      scenario,
      [
        'name: engine-data',
        'system: engine',
        'group: { replicas: 3, mode: threads, fsync: always, dataDir: ' + JSON.stringify(dataDir) + ' }',
        'payload: { sizeBytes: 256 }',
        'phases:',
        '  - { name: closed, type: closed, concurrency: 16, warmupSeconds: 0.2, seconds: 0.6 }',
      ].join('\n') + '\n',
    );
    // Twice on the same directory: the second run must not start from the first run's log (its
    // producers would repeat sequence numbers that log already holds).
    for (const run of [1, 2]) {
      const r = runCli(['run', scenario, '--out', join(dir, `engine-data-${run}.json`), '--json']);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout), `run ${run}`).toMatchObject({ ledger: 'ok', lost: 0, duplicated: 0, divergent: 0 });
      expect(readdirSync(dataDir), `run ${run} left data behind`).toEqual([]);
      const result = JSON.parse(readFileSync(join(dir, `engine-data-${run}.json`), 'utf8')) as { environment: { dataDir: string | null } };
      expect(result.environment.dataDir).toBe(dataDir);
    }
    // A directory that does not exist is a typo, not something to create: exit 2, nothing made.
    const missing = join(dir, 'no-such-dir', 'deeper');
    const r = runCli(['run', scenario, '--set', `group.dataDir=${missing}`, '--out', join(dir, 'engine-data-missing.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`group.dataDir: ${missing} does not exist; expected an existing, writable directory`);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  });

  it('checks --out before the run: a directory is refused with exit 2 and nothing is left behind', () => {
    const before = readdirSync(dir).sort();
    const r = runCli(['run', 'bench/scenarios/null.yaml', ...QUICK, '--out', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`flag --out: ${dir} is a directory; expected a file path`);
    expect(r.stderr).not.toMatch(/\[\d+s\]/); // no load ran
    expect(readdirSync(dir).sort()).toEqual(before);
    // Without --out the default results/ directory is checked before the run as well.
    const cwd = mkdtempSync(join(tmpdir(), 'logbench-cwd-'));
    writeFileSync(join(cwd, 'results'), 'a file where the results directory would go\n');
    const blocked = spawnSync(process.execPath, [MAIN, 'run', join(ROOT, 'bench/scenarios/null.yaml'), ...QUICK], { cwd, encoding: 'utf8', timeout: 30_000 });
    rmSync(cwd, { recursive: true, force: true });
    expect(blocked.status).toBe(2);
    expect(blocked.stderr).toContain(`results directory ${join(cwd, 'results')}: not writable`);
    expect(blocked.stderr).toContain('pass --out FILE');
    // A path ending in a separator is refused too, and the check creates nothing.
    const trailing = runCli(['run', 'bench/scenarios/null.yaml', ...QUICK, '--out', `${join(dir, 'new-dir')}/`]);
    expect(trailing.status).toBe(2);
    expect(trailing.stderr).toContain('ends in a separator; expected a file path');
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('flags that would not apply are refused with exit 2 instead of ignored', () => {
    const cases: Array<[string[], string]> = [
      [['bench/scenarios/quick.yaml', '--rate', '5000'], 'flag --rate: the scenario has no open-loop phase to apply it to'],
      [['bench/scenarios/quick.yaml', '--start-rate', '50'], '--start-rate is only used with --find-max'],
      [['bench/scenarios/quick.yaml', '--mode', 'process'], 'flag --mode: system null has no replica group'],
      [['--system', 'null', '--replicas', '5', '--seconds', '1'], 'flag --replicas: system null has no replica group'],
      [['bench/scenarios/quick.yaml', '--endpoints', '1=127.0.0.1:1'], 'flag --endpoints: system null runs in this process and has no endpoints'],
      [['--system', 'null', '--rate', '1000', '--conc', '64', '--seconds', '1'], 'flags --rate and --conc: a run built from flags is one open-loop phase'],
      [['bench/scenarios/default.yaml', '--endpoints', '1=127.0.0.1:1'], 'group.replicas: with driver.endpoints the engine group runs elsewhere'],
      [['bench/scenarios/null.yaml', '--find-max', '--slo', 'p99<10ms', '--rate', '100'], '--rate does not apply with --find-max'],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['run', ...args, '--out', join(dir, 'not-applied.json')]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
  });

  it('--endpoints with a port out of range, a replica id twice or an unparsable URL exits 2 naming the item', () => {
    const cases: Array<[string[], string]> = [
      [['--system', 'engine', '--endpoints', '1=127.0.0.1:99999'], 'driver.endpoints: "1=127.0.0.1:99999": port 99999: expected 1..65535'],
      [['--system', 'engine', '--endpoints', '1=127.0.0.1:0'], 'port 0: expected 1..65535'],
      [['--system', 'engine', '--endpoints', '1=127.0.0.1:8001,2=127.0.0.1:8002,2=127.0.0.1:8003'], 'replica 2 listed twice'],
      [['--system', 'http', '--endpoints', 'http://127.0.0.1:99999'], 'driver.endpoints: "http://127.0.0.1:99999": not a valid URL'],
      [['--system', 'etcd', '--endpoints', 'http://127.0.0.1:2379,http://127.0.0.1:99999'], '"http://127.0.0.1:99999": not a valid URL'],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['run', ...args, '--conc', '1', '--seconds', '1', '--out', join(dir, 'bad-endpoints.json')]);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });

  it('without a scenario, the engine flags build a one-phase closed-loop run', () => {
    const out = join(dir, 'flags.json');
    const r = runCli(['run', '--system', 'null', '--conc', '8', '--size', '128', '--seconds', '0.5', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ system: 'null', conc: 8, sizeBytes: 128, seconds: 0.5 });
  });

  it('Ctrl-C stops the load, still writes the result marked complete: false, and exits 130', async () => {
    const out = join(dir, 'interrupted.json');
    const { code, stderr } = await interruptRun(['bench/scenarios/null.yaml', '--set', 'phases[0].seconds=60', '--out', out], false);
    expect(code, stderr).toBe(130);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { complete: boolean; phases: Array<{ interrupted: boolean }> };
    expect(resultProblems(result)).toEqual([]);
    expect(result.complete).toBe(false);
    expect(result.phases).toHaveLength(1);
    expect(result.phases[0]!.interrupted).toBe(true);
  });

  /** Starts `run` in its own process group, waits for the first progress line, sends SIGINT as a terminal would. */
  async function interruptRun(args: string[], toProcessGroup: boolean, signal: NodeJS.Signals = 'SIGINT'): Promise<{ code: number | null; stderr: string; elapsedMs: number }> {
    const child = spawn(process.execPath, [MAIN, 'run', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: toProcessGroup });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress line: ${stderr}`)), 30_000);
      child.stderr.on('data', () => {
        if (/\[\d+s\] closed/.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const sentAt = performance.now();
    // A terminal's Ctrl-C signals every process of the foreground group: the replicas too.
    if (toProcessGroup) process.kill(-child.pid!, signal);
    else child.kill(signal);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    return { code, stderr, elapsedMs: performance.now() - sentAt };
  }

  it('SIGTERM (a cancelled CI job) also writes the partial result, and exits 143', async () => {
    const out = join(dir, 'terminated.json');
    const { code, stderr } = await interruptRun(['bench/scenarios/null.yaml', '--set', 'phases[0].seconds=60', '--out', out], false, 'SIGTERM');
    expect(code, stderr).toBe(143);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { complete: boolean; phases: Array<{ interrupted: boolean }> };
    expect(resultProblems(result)).toEqual([]);
    expect(result.complete).toBe(false);
    expect(result.phases[0]!.interrupted).toBe(true);
  });

  for (const mode of ['threads', 'process'] as const) {
    it(`Ctrl-C on an engine run (${mode}) still reads the replicas back: ledger ok, nothing left in group.dataDir`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), `logbench-sigint-${mode}-`));
      try {
        const out = join(dir, `interrupted-engine-${mode}.json`);
        const r = await interruptRun(['--system', 'engine', '--mode', mode, '--conc', '16', '--seconds', '30', '--set', `group.dataDir=${dataDir}`, '--out', out], mode === 'process');
        expect(r.code, r.stderr).toBe(130);
        expect(r.stderr).not.toMatch(/ledger FAILED/);
        // The replicas were not killed under the run: no wait for acks that can never come.
        expect(r.elapsedMs, r.stderr).toBeLessThan(8000);
        const result = JSON.parse(readFileSync(out, 'utf8')) as { complete: boolean; correctness: { ledger: string; lost: number | null; acked: number } };
        expect(result.complete).toBe(false);
        expect(result.correctness.ledger, r.stderr).toBe('ok');
        expect(result.correctness.lost).toBe(0);
        expect(result.correctness.acked).toBeGreaterThan(0);
        expect(readdirSync(dataDir)).toEqual([]);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }

  it('load workers: a phase split over 2 piscina threads is merged into one result', () => {
    const out = join(dir, 'workers.json');
    const r = runCli(['run', 'bench/scenarios/null.yaml', ...QUICK, '--workers', '2', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { phases: Array<{ workers: number; ops: { acked: number }; latencyUs: { corrected: { count: number } }; series: Array<{ ops: number; warmup: boolean }> }> };
    const closed = result.phases[0]!;
    expect(closed.workers).toBe(2);
    expect(closed.latencyUs.corrected.count).toBe(closed.ops.acked);
    expect(closed.ops.acked).toBeGreaterThan(0);
  });

  it('--find-max walks rates and reports the highest meeting the SLO', () => {
    const out = join(dir, 'findmax.json');
    const r = runCli(['run', 'bench/scenarios/null.yaml', '--find-max', '--slo', 'p99<50ms', '--start-rate', '500', '--steps-max', '3', '--step-seconds', '0.5', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/rate\(target\)\s+achieved ops\/s\s+p50\s+p99\s+p99\.9\s+saturated/);
    const json = JSON.parse(r.stdout) as { findMax: { kneeRate: number | null } };
    const result = JSON.parse(readFileSync(out, 'utf8')) as { findMax: { kneeRate: number | null; curve: Array<{ rate: number; meetsSlo: boolean }> }; phases: unknown[] };
    // Which rates pass depends on the machine's noise; the walk's shape does not.
    const curve = result.findMax.curve;
    expect(curve).toHaveLength(3);
    expect(result.phases).toHaveLength(3);
    expect(curve[0]!.rate).toBe(500);
    expect(curve[1]!.rate).toBe(curve[0]!.meetsSlo ? 1000 : 250);
    const passing = curve.filter((p) => p.meetsSlo).map((p) => p.rate);
    expect(json.findMax.kneeRate).toBe(passing.length > 0 ? Math.max(...passing) : null);
  });
});
