// `logbench compare`: verdicts on synthetic results with known differences, refusal of
// incomparable files, errors naming the file and field, and determinism of the intervals.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSides } from '../../src/results/compare-input.js';
import { buildComparison } from '../../src/results/compare-report.js';
import type { RunSamples, SampleUnit } from '../../src/results/compare-samples.js';
import { compareGroup, DEFAULT_COMPARE_OPTIONS, type CompareOptions, type GroupSides } from '../../src/results/compare.js';
import { noiseFloor } from '../../src/results/noise-floor.js';
import { Xoshiro128 } from '../../src/prng.js';
import { syntheticResult, tempDir } from './compare-fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** The compiled micro-benchmark runner (`npm run bench:micro`) in a child process. */
function microRunner(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', 'micro', 'run.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = tempDir('logbench-compare-');
let aa1 = '';
let aa2 = '';
let slow = '';

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  aa1 = tmp.write('aa1.json', syntheticResult({ seed: 11 }));
  aa2 = tmp.write('aa2.json', syntheticResult({ seed: 12 }));
  slow = tmp.write('slow.json', syntheticResult({ seed: 13, opsPerSec: 35_000 }));
});

afterAll(() => tmp.cleanup());

describe('verdicts', () => {
  it('an A/A pair from one distribution shows no significant change and exits 0', () => {
    const r = cli(['compare', aa1, aa2, '--fail-on-regression', '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { rows: Array<{ metric: string; verdict: string }> };
    expect(report.rows.length).toBe(7);
    for (const row of report.rows) expect(`${row.metric}: ${row.verdict}`).toBe(`${row.metric}: no significant change`);
  });

  it('a 30% lower throughput is a regression and exits 1 with --fail-on-regression', () => {
    const r = cli(['compare', aa1, slow, '--fail-on-regression']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/closed\s+throughput\s+\S+\s+\S+\s+-(2[5-9]|3\d)\.\d%\s+\[-\d+\.\d%, -\d+\.\d%\]\s+20\/20\s+regressed/);
    expect(r.stdout).toMatch(/closed\s+p50\s.*regressed/);
    expect(r.stdout).toContain('verdict: regressed');
  });

  it('the same regression exits 0 without --fail-on-regression', () => {
    expect(cli(['compare', aa1, slow]).status).toBe(0);
  });

  it('an improvement is reported as improved', () => {
    const r = cli(['compare', slow, aa1, '--metric', 'throughput', '--fail-on-regression']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/throughput.*improved/);
  });

  it('markdown output is one table with plain verdict words', () => {
    const r = cli(['compare', aa1, slow, '--format', 'md', '--metric', 'throughput,p99']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('| phase | metric | base | head | change | 95% CI | verdict |');
    expect(r.stdout).toMatch(/\| closed \| throughput \| .* \| \*\*regressed\*\* \|/);
    expect(r.stdout).not.toMatch(/[\u{1F300}-\u{1FAFF}\u2705\u274C\u26A0]/u);
  });

  it('several files a side are runs: --base a b --head c d and globs', () => {
    const b1 = tmp.write('run-base-1.json', syntheticResult({ seed: 21 }));
    const b2 = tmp.write('run-base-2.json', syntheticResult({ seed: 22 }));
    tmp.write('run-head-1.json', syntheticResult({ seed: 23, opsPerSec: 35_000 }));
    tmp.write('run-head-2.json', syntheticResult({ seed: 24, opsPerSec: 35_000 }));
    const r = cli(['compare', '--base', b1, b2, '--head', join(tmp.dir, 'run-head-*.json'), '--json', '--metric', 'throughput']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { base: { files: string[] }; head: { files: string[] }; rows: Array<{ verdict: string; baseSamples: number }> };
    expect(report.base.files).toEqual([b1, b2]);
    expect(report.head.files).toHaveLength(2);
    expect(report.rows[0]!.baseSamples).toBe(40);
    expect(report.rows[0]!.verdict).toBe('regressed');
  });
});

describe('refusals and bad input', () => {
  it('refuses results from different machines, listing each differing field, with exit 2', () => {
    const other = tmp.write('other-machine.json', syntheticResult({ seed: 12, cpuModel: 'Other CPU', kernel: '6.9.0', fsync: 'none' }));
    const r = cli(['compare', aa1, other]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('environment.cpuModel: ');
    expect(r.stderr).toContain('Test CPU');
    expect(r.stderr).toContain('Other CPU');
    expect(r.stderr).toContain('environment.kernel: ');
    expect(r.stderr).toContain('system.settings.fsync: ');
    expect(r.stderr).toContain('--force');
  });

  it('compares differing results with --force and names the forced fields', () => {
    const other = tmp.write('other-scenario.json', syntheticResult({ seed: 12, scenarioName: 'elsewhere' }));
    const r = cli(['compare', aa1, other, '--force']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('forced: scenario.name differs');
  });

  it('a file that is not JSON exits 2 naming the file', () => {
    const bad = tmp.write('not-json.json', '{"schema": "logbench.result/v1", ');
    const r = cli(['compare', aa1, bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}: not valid JSON`);
  });

  it('a wrong schema id exits 2 naming the file and the schema field', () => {
    const bad = tmp.write('wrong-schema.json', { ...syntheticResult({ seed: 1 }), schema: 'logbench.result/v0' });
    const r = cli(['compare', bad, aa1]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}: schema: expected "logbench.result/v1" or "logbench.micro/v1", got "logbench.result/v0"`);
  });

  it('a field of the wrong type exits 2 naming the file and the field path', () => {
    const value = syntheticResult({ seed: 1 }) as unknown as { phases: Array<{ throughput: Record<string, unknown> }> };
    value.phases[0]!.throughput['opsPerSec'] = 'fast';
    const bad = tmp.write('wrong-field.json', value);
    const r = cli(['compare', aa1, bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}: phases[0].throughput.opsPerSec: expected a non-negative number, got "fast"`);
  });

  it('a histogram that does not decode exits 2 naming the file and field, in every reader', () => {
    const value = syntheticResult({ seed: 1 }) as unknown as { phases: Array<{ name: string; histograms: Record<string, string> }> };
    value.phases[0]!.histograms['corrected'] = Buffer.from('not a histogram at all').toString('base64');
    const bad = tmp.write('bad-histogram.json', value);
    const field = `${bad}: phases[0].histograms.corrected: not a valid HdrHistogram`;
    for (const args of [['compare', aa1, bad], ['export-hgrm', bad, '--phase', value.phases[0]!.name], ['report', bad, '--html', join(tmp.dir, 'bad.html')]]) {
      const r = cli(args);
      expect(r.status, args[0]).toBe(2);
      expect(r.stderr, args[0]).toContain(field);
    }
  });

  it('report and export-hgrm name a wrong schema instead of listing missing fields', () => {
    const micro = tmp.write('schema-micro.json', { schema: 'logbench.micro/v1', tasks: [{ name: 'x', opsPerSec: 1, meanNs: 1 }] });
    const other = tmp.write('schema-other.json', { schema: 'other/v9', phases: [] });
    const expected = [
      [micro, `${micro}: schema: expected "logbench.result/v1", got "logbench.micro/v1" (a micro-benchmark file; compare it with logbench compare)`],
      [other, `${other}: schema: expected "logbench.result/v1", got "other/v9"`],
    ] as const;
    for (const [file, message] of expected) {
      for (const args of [['report', file, '--html', join(tmp.dir, 'schema.html')], ['export-hgrm', file]]) {
        const r = cli(args);
        expect(r.status, args.join(' ')).toBe(2);
        expect(r.stderr, args.join(' ')).toContain(`logbench ${args[0]}: ${message}`);
        expect(r.stderr, args.join(' ')).not.toContain('missing');
      }
    }
  });

  it('a file given twice on one side is refused: it would pass for two runs', () => {
    const r = cli(['compare', '--base', aa1, aa1, '--head', slow]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${aa1}: given twice on the base side`);
  });

  it('a file given twice under another name, or a byte-identical copy, is refused too', () => {
    const relativePath = `./${relative(ROOT, aa1)}`;
    const dotted = cli(['compare', '--base', aa1, relativePath, '--head', slow]);
    expect(dotted.status).toBe(2);
    expect(dotted.stderr).toContain(`${relativePath}: given twice on the base side (the same file as ${aa1})`);
    const copy = tmp.write('aa1-copy.json', readFileSync(aa1, 'utf8'));
    const copied = cli(['compare', '--base', aa2, '--head', slow, copy, aa1]);
    expect(copied.status).toBe(2);
    expect(copied.stderr).toContain(`${aa1}: given twice on the head side (a byte-identical copy of ${copy})`);
  });

  it('a file on both sides (a glob that catches the head file) is refused, naming it', () => {
    const r = cli(['compare', '--base', join(tmp.dir, 'aa?.json'), '--head', aa2]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${aa2}: given on both the base and the head side`);
  });

  it('runs whose generator saturated are left out; a side left with none is not compared and fails a gate', () => {
    const saturate = (seed: number): string => {
      const value = syntheticResult({ seed, opsPerSec: 35_000 }) as unknown as { phases: Array<{ name: string; generator: { saturated: boolean } }> };
      value.phases[0]!.generator.saturated = true;
      return tmp.write(`saturated-${seed}.json`, value);
    };
    const phase = (syntheticResult({ seed: 1 }) as unknown as { phases: Array<{ name: string }> }).phases[0]!.name;
    // One of two head runs saturated: compared on the other, with a warning.
    const partly = cli(['compare', '--base', aa1, aa2, '--head', saturate(14), slow, '--format', 'json']);
    expect(partly.status, partly.stderr).toBe(0);
    const partlyReport = JSON.parse(partly.stdout) as { rows: Array<{ group: string }>; warnings: string[]; skippedPhases: string[] };
    expect(partlyReport.rows.some((row) => row.group === phase)).toBe(true);
    expect(partlyReport.skippedPhases).toEqual([]);
    expect(partlyReport.warnings.join('\n')).toContain(`phase ${phase}: left out the runs whose generator saturated`);
    // Every head run saturated: nothing to judge, and a gate must not pass on it.
    const all = cli(['compare', aa1, saturate(15), '--fail-on-regression', '--format', 'json']);
    expect(all.status).toBe(2);
    const report = JSON.parse(all.stdout) as { rows: Array<{ group: string }>; skippedPhases: string[] };
    expect(report.skippedPhases).toEqual([phase]);
    expect(report.rows.filter((row) => row.group === phase)).toEqual([]);
    expect(all.stderr).toContain('could not be compared');
  });

  it('the saturation warning names the side each saturated file is on', () => {
    const saturate = (seed: number): string => {
      const value = syntheticResult({ seed });
      value.phases[0]!.generator.saturated = true;
      return tmp.write(`sides-saturated-${seed}.json`, value);
    };
    const [b1, b2, h1] = [saturate(61), saturate(62), saturate(63)];
    const warningsOf = (base: string[], head: string[]): string => (JSON.parse(cli(['compare', '--base', ...base, '--head', ...head, '--format', 'json']).stdout) as { warnings: string[] }).warnings.join('\n');
    expect(warningsOf([b1, b2], [h1, aa2])).toContain(`phase closed: not compared: its generator saturated in every run of the base side (${b1}, ${b2}) and in ${h1} on the head side, so`);
    expect(warningsOf([aa1], [h1])).toContain(`saturated in every run of the head side (${h1}), so`);
    expect(warningsOf([b1], [h1])).toContain(`saturated in every run of both sides (base: ${b1}; head: ${h1}), so`);
  });

  it('a failed correctness ledger is warned about on either side and fails a gate on the head side', () => {
    const failed = (seed: number, name: string): string => {
      const value = syntheticResult({ seed }) as unknown as { correctness: Record<string, unknown> };
      value.correctness = { ...value.correctness, ledger: 'failed', reason: 'correctness ledger FAILED: 3 acked entries lost', lost: 3 };
      return tmp.write(name, value);
    };
    const head = failed(12, 'ledger-failed-head.json');
    const gated = cli(['compare', aa1, head, '--fail-on-regression']);
    expect(gated.status).toBe(1);
    expect(gated.stdout).toContain(`${head} (head): correctness ledger "failed" (lost 3)`);
    expect(gated.stdout).toContain('verdict: regressed (correctness ledger failed)');
    expect(gated.stderr).toContain(`the ledger failed in ${head}`);
    expect(cli(['compare', aa1, head]).status).toBe(0);
    const base = failed(11, 'ledger-failed-base.json');
    const onBase = cli(['compare', base, aa2, '--fail-on-regression', '--format', 'json']);
    expect(onBase.status).toBe(0);
    const report = JSON.parse(onBase.stdout) as { warnings: string[]; ledgerFailures: Array<{ side: string; file: string }> };
    expect(report.ledgerFailures).toEqual([{ side: 'base', file: base, reason: 'correctness ledger FAILED: 3 acked entries lost' }]);
    expect(report.warnings.join('\n')).toContain(`${base} (base): correctness ledger "failed" (lost 3)`);
  });

  it('a compared phase with an empty series exits 2 naming the file and field; report and export-hgrm still read the file', () => {
    // What a run stopped before its phase's first second ended, with nothing completed, writes.
    const value = syntheticResult({ seed: 12 });
    value.complete = false;
    value.phases[0]!.interrupted = true;
    value.phases[0]!.series = [];
    const empty = tmp.write('empty-series.json', value);
    const expected = `${empty}: phases[0].series: expected at least one per-second point to compare phase "closed", got an empty series (the phase was interrupted)`;
    for (const args of [['compare', aa1, empty], ['compare', empty, aa1, '--force'], ['compare', '--base', aa1, '--head', slow, empty]]) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(`logbench compare: ${expected}; a phase without per-second samples cannot be compared`);
      expect(r.stdout, args.join(' ')).not.toContain('samples');
    }
    const html = join(tmp.dir, 'empty-series.html');
    const report = cli(['report', aa1, empty, '--html', html]);
    expect(report.status, report.stderr).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('not compared: ' + expected.replaceAll('"', '&quot;'));
    expect(cli(['export-hgrm', empty]).status).toBe(0);
  });

  it('a missing file exits 2 naming it', () => {
    const r = cli(['compare', aa1, join(tmp.dir, 'absent.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('absent.json: file not found');
  });

  it('one file alone is a usage error', () => {
    expect(cli(['compare', aa1]).status).toBe(2);
  });
});

describe('micro-benchmark files', () => {
  const micro = (scale: number): unknown => ({
    schema: 'logbench.micro/v1',
    node: 'v20.20.2',
    tasks: [
      { name: 'crc32 1 KiB', opsPerSec: 1_000_000 * scale, meanNs: 1000 / scale },
      { name: 'ring push/pop', opsPerSec: 5_000_000, meanNs: 200 },
    ],
  });

  it('compares micro-benchmark files task by task', () => {
    const a = tmp.write('micro-a.json', micro(1));
    const b = tmp.write('micro-b.json', micro(0.7));
    const r = cli(['compare', a, b, '--fail-on-regression']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/crc32 1 KiB\s+throughput.*-30\.0%.*regressed/);
    expect(r.stdout).toMatch(/ring push\/pop\s+throughput.*\s0\.0%.*no significant change/);
  });

  it('refuses to mix micro-benchmark and run results', () => {
    const a = tmp.write('micro-c.json', micro(1));
    const r = cli(['compare', a, aa1]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('cannot mix run results and micro-benchmark results');
  });

  it('tasks on one side only are named in a warning; disjoint tasks or latency metrics compare nothing and exit 2', () => {
    const four = tmp.write('micro-four.json', { schema: 'logbench.micro/v1', tasks: ['a', 'b', 'c', 'd'].map((name) => ({ name, opsPerSec: 1000, meanNs: 1e6 })) });
    const one = tmp.write('micro-one.json', { schema: 'logbench.micro/v1', tasks: [{ name: 'a', opsPerSec: 1000, meanNs: 1e6 }, { name: 'e', opsPerSec: 1, meanNs: 1 }] });
    const partial = cli(['compare', four, one]);
    expect(partial.status).toBe(0);
    expect(partial.stdout).toContain(`warning: tasks missing on the head side (from ${one}), not compared: "b", "c", "d"`);
    expect(partial.stdout).toContain(`warning: task missing on the base side (from ${four}), not compared: "e"`);
    expect(partial.stdout).toMatch(/method: one throughput \(ops\/s\) per task and file/);
    expect(partial.stdout).not.toContain('per-second');
    const other = tmp.write('micro-other.json', { schema: 'logbench.micro/v1', tasks: [{ name: 'z', opsPerSec: 1, meanNs: 1 }] });
    const disjoint = cli(['compare', four, other]);
    expect(disjoint.status).toBe(2);
    expect(disjoint.stdout).toContain('warning: no task name is present in every file: nothing to compare');
    expect(disjoint.stdout).toContain('verdict: nothing compared');
    const latency = cli(['compare', four, one, '--metric', 'p99']);
    expect(latency.status).toBe(2);
    expect(latency.stdout).toContain('warning: micro-benchmark files carry throughput (ops/s) only: --metric p99 compares nothing');
  });

  it('the micro-benchmark runner refuses a filter that matches nothing, --out without a file, and prints --help', () => {
    const out = join(tmp.dir, 'nomatch.json');
    const nomatch = microRunner(['nomatch', '--out', out]);
    expect(nomatch.status).toBe(2);
    expect(nomatch.stderr).toMatch(/filter "nomatch" matches no task; the tasks are: ".+"/);
    expect(existsSync(out)).toBe(false);
    const noValue = microRunner(['--out']);
    expect(noValue.status).toBe(2);
    expect(noValue.stderr).toContain('--out: expected a file name');
    const help = microRunner(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: npm run bench:micro -- [FILTER] [--out FILE]');
  });

  it('the micro-benchmark runner parses its flags strictly: exit 2 naming the flag, an unwritable --out before any benchmark runs', () => {
    const file = tmp.write('micro-not-a-dir.json', {});
    for (const [args, message] of [
      [['--bogus'], 'bench:micro: --bogus: unknown flag; expected FILTER, --out FILE or --help'],
      [['-x'], 'bench:micro: -x: unknown flag; expected FILTER, --out FILE or --help'],
      [['--out='], 'bench:micro: --out: expected a file name (--out FILE)'],
      [['--out', '--help'], 'bench:micro: --out: expected a file name (--out FILE)'],
      [['--help=1'], 'bench:micro: --help: takes no value'],
      [['crc', 'encode'], 'bench:micro: "encode": one FILTER only (already "crc")'],
      [['--out', join(file, 'out.json')], `bench:micro: flag --out: cannot write ${join(file, 'out.json')}: ${file} is not a directory; expected a file path in a writable directory`],
    ] as const) {
      const startedMs = Date.now();
      const r = microRunner([...args]);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(message);
      expect(r.stdout).toBe('');
      expect(Date.now() - startedMs, 'refused before the benchmarks run').toBeLessThan(5_000);
    }
    expect(microRunner(['-h']).stdout).toContain('usage: npm run bench:micro -- [FILTER] [--out FILE]');
  });

  it('a micro task without opsPerSec exits 2 naming the field', () => {
    const bad = tmp.write('micro-bad.json', { schema: 'logbench.micro/v1', tasks: [{ name: 'x', meanNs: 1 }] });
    const r = cli(['compare', bad, bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}: tasks[0].opsPerSec: missing`);
  });
});

describe('statistics', () => {
  const options: CompareOptions = { ...DEFAULT_COMPARE_OPTIONS, metrics: ['throughput', 'p99'], resamples: 500 };

  it('the same seed gives the same interval', () => {
    const sides = loadSides([aa1], [slow]);
    const first = buildComparison(sides, options, false).rows;
    const second = buildComparison(sides, options, false).rows;
    expect(second).toEqual(first);
  });

  it('A/A false alarms over 60 synthetic pairs stay within 10%', () => {
    const { dir } = tmp;
    let alarms = 0;
    const pairs = 60;
    for (let i = 0; i < pairs; i++) {
      const a = tmp.write(`fa-${i}-a.json`, syntheticResult({ seed: 1000 + 2 * i, noise: 0.05 }));
      const b = tmp.write(`fa-${i}-b.json`, syntheticResult({ seed: 1001 + 2 * i, noise: 0.05 }));
      const rows = buildComparison(loadSides([a], [b]), { ...options, metrics: ['throughput'], thresholdPercent: 0 }, false).rows;
      if (rows[0]!.verdict !== 'no significant change') alarms++;
    }
    void dir;
    expect(alarms / pairs).toBeLessThanOrEqual(0.1);
  });

  it('a calibrated noise floor keeps A/A false alarms down when runs differ by more than their seconds show', () => {
    // Each run gets its own level (sd 3%) and little noise within (1%): one run a side, the
    // bootstrap of seconds sees only the 1% and calls many A/A pairs changed.
    const levels = new Xoshiro128(77);
    const runLevel = (): number => 50_000 * (1 + 0.03 * Math.sqrt(-2 * Math.log(Math.max(levels.next(), 1e-12))) * Math.cos(2 * Math.PI * levels.next()));
    let file = 0;
    const runOf = (drop = 0): string => tmp.write(`lvl-${file++}.json`, syntheticResult({ seed: 9000 + file, opsPerSec: runLevel() * (1 - drop), noise: 0.01 }));
    const judge = (a: string, b: string, noiseFloorPercent: number): { verdict: string; change: number } => {
      const row = buildComparison(loadSides([a], [b]), { ...options, metrics: ['throughput'], noiseFloorPercent }, false).rows[0]!;
      return { verdict: row.verdict, change: row.changePercent };
    };
    const calibration = Array.from({ length: 30 }, () => judge(runOf(), runOf(), 0).change);
    const floor = noiseFloor(calibration, 0.95);
    expect(floor).toBeGreaterThan(4);
    let alarmsPlain = 0;
    let alarmsFloored = 0;
    let detected = 0;
    const pairs = 40;
    for (let i = 0; i < pairs; i++) {
      const [a, b] = [runOf(), runOf()];
      if (judge(a, b, 0).verdict !== 'no significant change') alarmsPlain++;
      if (judge(a, b, floor).verdict !== 'no significant change') alarmsFloored++;
      if (judge(runOf(), runOf(0.2), floor).verdict === 'regressed') detected++;
    }
    expect(alarmsPlain / pairs).toBeGreaterThan(0.3);
    expect(alarmsFloored / pairs).toBeLessThanOrEqual(0.1);
    expect(detected / pairs).toBeGreaterThanOrEqual(0.9);
  });

  it('the noise floor widens only throughput intervals, and says so', () => {
    const rows = buildComparison(loadSides([aa1], [aa2]), { ...options, metrics: ['throughput', 'p99'], noiseFloorPercent: 25 }, false).rows;
    const throughput = rows.find((r) => r.metric === 'throughput')!;
    expect(throughput.ciHighPercent! - throughput.changePercent).toBeGreaterThanOrEqual(25);
    expect(throughput.changePercent - throughput.ciLowPercent!).toBeGreaterThanOrEqual(25);
    expect(throughput.note).toMatch(/noise floor ±25%/);
    const p99 = rows.find((r) => r.metric === 'p99')!;
    expect(p99.ciHighPercent! - p99.changePercent).toBeLessThan(25);
    expect(noiseFloor([1, -1, 2], 0.95)).toBeGreaterThan(0);
    expect(noiseFloor([1, -1], 0.95)).toBeNaN();
  });

  it('a 10% throughput drop with 3% noise is detected in at least 95% of 40 synthetic pairs', () => {
    let detected = 0;
    const pairs = 40;
    for (let i = 0; i < pairs; i++) {
      const a = tmp.write(`pw-${i}-a.json`, syntheticResult({ seed: 5000 + 2 * i }));
      const b = tmp.write(`pw-${i}-b.json`, syntheticResult({ seed: 5001 + 2 * i, opsPerSec: 45_000 }));
      const rows = buildComparison(loadSides([a], [b]), { ...options, metrics: ['throughput'] }, false).rows;
      if (rows[0]!.verdict === 'regressed') detected++;
    }
    expect(detected / pairs).toBeGreaterThanOrEqual(0.95);
  });
});

describe('intervals of large changes', () => {
  const options: CompareOptions = { ...DEFAULT_COMPARE_OPTIONS, resamples: 500 };

  it('no interval bound is below -100%, however different the runs', () => {
    const rows = [
      ...buildComparison(loadSides([tmp.write('wide-base.json', syntheticResult({ seed: 31, seconds: 3, noise: 0.6 }))], [tmp.write('wide-head.json', syntheticResult({ seed: 32, seconds: 3, opsPerSec: 3_000, noise: 0.6 }))]), options, false).rows,
      ...buildComparison(loadSides([aa1], [slow]), { ...options, noiseFloorPercent: 99 }, false).rows,
    ];
    for (const row of rows) {
      expect(row.ciLowPercent, `${row.metric}`).not.toBeNull();
      expect(row.ciLowPercent!, `${row.metric}`).toBeGreaterThanOrEqual(-100);
      expect(row.ciLowPercent!, `${row.metric}`).toBeLessThanOrEqual(row.changePercent);
      expect(row.ciHighPercent!, `${row.metric}`).toBeGreaterThanOrEqual(row.changePercent);
    }
  });

  it('a 100x latency regression with 3 seconds a side is regressed, though its seconds differ', () => {
    // Every head second is 50-150x slower than every base second; the bootstrap's ratios are
    // skewed (50x..150x), which a widening on the linear scale turned into [-7000%, ...].
    const second = (latencyUs: number): SampleUnit => ({ opsPerSec: 1000, valuesUs: Float64Array.of(latencyUs), midsUs: Float64Array.of(latencyUs), counts: Float64Array.of(1000) });
    const run = (path: string, latenciesUs: number[]): RunSamples => ({ path, unitKind: 'series', units: latenciesUs.map(second) });
    const sides: GroupSides = { group: 'open', base: [run('base.json', [100, 100, 100])], head: [run('head.json', [5_000, 10_000, 15_000])], withoutInterval: 'inconclusive' };
    const p99 = compareGroup(sides, { ...options, metrics: ['p99'] })[0]!;
    expect(p99.changePercent).toBeCloseTo(14_900, 0);
    expect(p99.ciLowPercent!).toBeGreaterThan(0);
    expect(p99.verdict).toBe('regressed');
  });
});
