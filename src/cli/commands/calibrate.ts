// `logbench calibrate [SCENARIO]`: how trustworthy `logbench compare` is on this machine and
// scenario. It runs pairs of sides of the current build: per pair, two baseline sides (an A/A
// comparison) and one side per slowdown with a spin knob (an A/B comparison against the first
// baseline). A side is `--runs` runs, taken in interleaved rounds (base, slowdowns, base2; the
// next round in reverse order), so `compare` sees run-to-run noise as `logbench ab --rounds`
// gives it. It reports the A/A false-alarm rate, the detection rate per slowdown, and the
// smallest slowdown detected in ≥ 95% of pairs.
//
// Slowdowns are percentages of throughput; the knob is a spin time (group.leaderSpinNsPerEntry
// for the engine: ns busy-spun on the leader per proposed entry; driver.spinUsPerOp for the null
// system: µs per append). A spin per batch (group.leaderSpinUsPerBatch) is no slowdown knob: the
// batches it makes larger amortize it (200 µs a batch raised 3-replica throughput 31k → 35k/s). The translation is measured, not assumed: a probe run with spin P gives
// throughput T(P) against the baseline T0, the effective work per unit of spin is
// w = P / (T0/T(P) − 1), and the spin for a slowdown s is w·s/(1−s) (a fixed cost added to each
// unit of work). On the engine the model is approximate (batching and the disk shift with load), so
// with --search-steps N each spin is verified before the pairs: up to N times, `--runs` base and
// spin runs measure the slowdown it really injects, and a miss (beyond a quarter of the target or
// 2 points) is corrected from the measured points (src/results/knob-search.ts). Each verification
// is as noisy as a side, so it needs the runs a side needs. The report also prints the slowdown
// actually measured over the pairs (mean change) next to each target.
//
// Ctrl-C or SIGTERM stops the run in progress (as `logbench ab` does: SIGTERM to its process
// group, again, then SIGKILL), drops its partial result, keeps the finished runs for --reuse and
// exits 130/143; --out-dir is removed again when this command created it and nothing is in it.

import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { boolFlag, intFlag, listFlag, numberFlag, stringFlag, UsageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { checkOutputPath, makeOutputDir, removeOutputDirIfEmpty } from '../output-path.js';
import { onProcessExit } from '../../cluster/cleanup.js';
import { loadCompareFile, loadSides, type LoadedFile } from '../../results/compare-input.js';
import { buildComparison } from '../../results/compare-report.js';
import { killChildren, runOnce, RunFailedError } from '../../results/compare-runs.js';
import { closeEnough, nextSpin, type KnobPoint } from '../../results/knob-search.js';
import { noiseFloor, runsPerSideToDetect } from '../../results/noise-floor.js';
import type { RunResult } from '../../results/result-types.js';
import { COMPARE_OPTION_FLAGS, readCompareOptions } from './compare.js';
import { round1 } from '../../round.js';

const DETECTION_TARGET = 0.95;

interface Knob {
  path: string;
  probeUs: number;
}

function knobFor(system: string, override: string | undefined): Knob {
  if (override !== undefined) return { path: override, probeUs: 100 };
  // Per entry, not per batch: a spin per batch is amortized by the larger batches it causes.
  if (system === 'engine') return { path: 'group.leaderSpinNsPerEntry', probeUs: 5000 };
  if (system === 'null') return { path: 'driver.spinUsPerOp', probeUs: 5 };
  throw new UsageError(`logbench calibrate: system ${system} has no slowdown knob; give --knob key.path (a numeric scenario field that adds work)`);
}

/** The numeric value at a dotted path of the resolved scenario (0 when absent). */
function knobValue(scenario: Record<string, unknown>, path: string): number {
  let node: unknown = scenario;
  for (const key of path.split('.')) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  return typeof node === 'number' ? node : 0;
}

function parseSlowdowns(values: string[]): number[] {
  const list = (values.length > 0 ? values : ['5,10,20,30']).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  return list.map((text) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0 || value >= 90) throw new UsageError(`flag --slowdowns: expected percentages in (0, 90), got "${text}"`);
    return value;
  });
}

export const calibrateCommand: Command = {
  name: 'calibrate',
  summary: 'measure the A/A false-alarm rate and the smallest slowdown compare detects on this machine',
  usage: '[SCENARIO] [--pairs N] [--runs N] [--slowdowns 5,10,20,30] [--search-steps N] [--phase NAME] [--knob key.path] [--set k=v ...]',
  positionals: { min: 0, max: 1, names: 'at most one SCENARIO file' },
  flags: {
    pairs: { type: 'string', valueName: 'N', description: 'pairs (each: 2 baseline sides + 1 side per slowdown)', defaultText: '20' },
    runs: { type: 'string', valueName: 'N', description: 'runs per side, in interleaved rounds (as ab --rounds)', defaultText: '1' },
    slowdowns: { type: 'string', multiple: true, valueName: 'PCTS', description: 'throughput slowdowns to inject, percent', defaultText: '5,10,20,30' },
    phase: { type: 'string', valueName: 'NAME', description: 'phase whose throughput is calibrated', defaultText: 'the first phase' },
    knob: { type: 'string', valueName: 'KEY', description: 'scenario field that adds work (a spin)', defaultText: 'group.leaderSpinNsPerEntry (engine), driver.spinUsPerOp (null)' },
    set: { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'scenario override for every run (repeatable)' },
    'out-dir': { type: 'string', valueName: 'DIR', description: 'where runs and the summary go', defaultText: 'results/calibrate-<UTC time>' },
    reuse: { type: 'boolean', description: 'use result files already in --out-dir (an earlier or interrupted calibration with the same flags) instead of running them again; a partial result is run again' },
    'probe-us': { type: 'string', valueName: 'N', description: 'spin of the probe run that measures the knob, in the knob\'s unit', defaultText: '5000 (engine, ns per entry), 5 (null, µs per op)' },
    'search-steps': { type: 'string', valueName: 'N', description: 'times each slowdown\'s knob value is verified (--runs base and spin runs) and corrected before the pairs, for a system the linear model misses; 0 = trust the model', defaultText: '0' },
    ...COMPARE_OPTION_FLAGS,
  },
  examples: ['logbench calibrate bench/scenarios/quick.yaml --pairs 20', 'logbench calibrate bench/scenarios/quick.yaml --pairs 20 --runs 3 --slowdowns 10', 'logbench calibrate bench/scenarios/default.yaml --pairs 10 --slowdowns 10,30'],
  async run(ctx) {
    const pairs = intFlag(ctx.values, 'pairs', 20, { min: 1, max: 500 });
    const runs = intFlag(ctx.values, 'runs', 1, { min: 1, max: 50 });
    const slowdowns = parseSlowdowns(listFlag(ctx.values, 'slowdowns'));
    const searchSteps = intFlag(ctx.values, 'search-steps', 0, { min: 0, max: 6 });
    const sets = listFlag(ctx.values, 'set');
    const options = { ...readCompareOptions(ctx.values), metrics: ['throughput'] as const };
    const scenario = ctx.positionals[0] !== undefined ? resolve(ctx.positionals[0]) : undefined;
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const outDir = resolve(stringFlag(ctx.values, 'out-dir') ?? join('results', `calibrate-${stamp}`));
    checkOutputPath('out-dir', join(outDir, 'calibration.json'));
    const out = makeOutputDir('out-dir', outDir);
    const main = resolve(import.meta.dirname, '..', 'main.js');
    const reuse = boolFlag(ctx.values, 'reuse');
    let finished = 0;
    /** The result file of the run in progress: an interrupted run writes a partial one, which is no run to reuse. */
    let current: string | undefined;
    // Every result file is read once (a reused one when checked, a new one when first compared) and kept.
    const files = new Map<string, LoadedFile>();
    const load = (path: string): LoadedFile => {
      const file = files.get(path) ?? loadCompareFile(path);
      files.set(path, file);
      return file;
    };
    const run = async (name: string, extra: string[]): Promise<string> => {
      const outPath = join(outDir, `${name}.json`);
      if (reuse && isCompleteResult(outPath, load)) return outPath;
      files.delete(outPath);
      current = outPath;
      await runOnce({ main, cwd: process.cwd(), scenario, sets: [...sets, ...extra], outPath }, ctx.log);
      current = undefined;
      finished++;
      return outPath;
    };
    // Ctrl-C or SIGTERM: the process exits from the signal handler, so this is the only cleanup.
    const unregister = onProcessExit(() => {
      const inProgress = current;
      ctx.log(`logbench calibrate: interrupted; stopping the run in progress${inProgress !== undefined ? ` (${inProgress})` : ''}`);
      killChildren();
      if (inProgress !== undefined) rmSync(inProgress, { force: true });
      removeOutputDirIfEmpty(out);
      ctx.log(`logbench calibrate: ${finished} run(s) finished${finished > 0 ? `, kept in ${outDir} (the same flags with --reuse continue from them)` : ''}; no calibration written`);
    });
    try {
      return await calibrate(ctx, { pairs, runs, slowdowns, searchSteps, options, outDir, run, load });
    } catch (error) {
      if (error instanceof RunFailedError) {
        ctx.log(`logbench calibrate: ${error.message}`);
        return 1;
      }
      throw error;
    } finally {
      unregister();
      removeOutputDirIfEmpty(out);
    }
  },
};

/** A result file an earlier calibration finished (not a run cut short: its result is partial). */
function isCompleteResult(path: string, load: (path: string) => LoadedFile): boolean {
  if (!existsSync(path)) return false;
  try {
    const file = load(path);
    return file.kind === 'result' && file.result.complete;
  } catch {
    return false;
  }
}

function percentOrNone(value: number | null): string {
  return value === null ? 'none of those tested' : `${value}%`;
}

interface Judged {
  aa: Array<{ verdict: string; change: number }>;
  slow: Map<number, Array<{ verdict: string; change: number }>>;
}

/**
 * Slowdowns whose measured mean change is less than half or more than twice the target: the
 * knob, extrapolated linearly from one probe, did not inject what was asked (a spin that fits in
 * idle time costs less than its share). Their detection rates are for the measured change.
 */
export function knobMismatchNotes(rows: ReadonlyArray<Pick<SlowdownRow, 'slowdownPercent' | 'measuredChangePercentMean'>>, searchSteps = 0): string[] {
  const advice = searchSteps === 0 ? '--search-steps 2 verifies and corrects the knob value first' : 'the knob search could not pin it down at this noise: give each step more --runs';
  const notes: string[] = [];
  for (const row of rows) {
    const measured = -row.measuredChangePercentMean;
    if (!Number.isFinite(measured) || (measured >= row.slowdownPercent / 2 && measured <= row.slowdownPercent * 2)) continue;
    notes.push(
      `note: the ${row.slowdownPercent}% slowdown measured ${row.measuredChangePercentMean > 0 ? '+' : ''}${row.measuredChangePercentMean}%: the knob's effect is not linear here ` +
        `(the system is not bound by the CPU it spins on), so its detection rate is for a ${row.measuredChangePercentMean}% change; ${advice}`,
    );
  }
  return notes;
}

interface SlowdownRow {
  slowdownPercent: number;
  spin: number;
  detected: number;
  pairs: number;
  detectionRate: number;
  measuredChangePercentMean: number;
}

interface CalibrateParams {
  pairs: number;
  /** Runs per side of each comparison. */
  runs: number;
  slowdowns: number[];
  /** Verification rounds of each slowdown's knob value (0 = the linear model's value as is). */
  searchSteps: number;
  options: ReturnType<typeof readCompareOptions>;
  outDir: string;
  run: (name: string, extra: string[]) => Promise<string>;
  /** Reads a result file, or gives back the one already read. */
  load: (path: string) => LoadedFile;
}

async function calibrate(ctx: CommandContext, p: CalibrateParams): Promise<number> {
  const { run } = p;
  const throughputIn = (result: RunResult, phaseName: string): number => result.phases.find((ph) => ph.name === phaseName)?.throughput.opsPerSec ?? 0;
  const resultOf = (path: string): RunResult => {
    const file = p.load(path);
    if (file.kind !== 'result') throw new UsageError(`${path}: a micro-benchmark result, expected a run's result`);
    return file.result;
  };
  const throughputOf = (path: string, phaseName: string): number => throughputIn(resultOf(path), phaseName);
  const probeBase = await run('probe-base', []);
  const first = resultOf(probeBase);
  const phaseName = stringFlag(ctx.values, 'phase') ?? first.phases[0]?.name;
  if (phaseName === undefined || !first.phases.some((ph) => ph.name === phaseName)) throw new UsageError(`flag --phase: no phase "${phaseName ?? ''}" in the scenario; phases: ${first.phases.map((ph) => ph.name).join(', ')}`);
  const knob = knobFor(first.system.name, stringFlag(ctx.values, 'knob'));
  const probeUs = numberFlag(ctx.values, 'probe-us', knob.probeUs, { min: 0.001 });
  // The scenario may already set the knob (quick.yaml: 10 µs of work per append): spins add to it.
  const baseSpin = knobValue(first.scenario as unknown as Record<string, unknown>, knob.path);
  // The probe is as long as a side: --runs pairs of runs (base, spin), averaged, so one noisy run
  // does not mistranslate every slowdown.
  const mean = (values: number[]): number => values.reduce((x, y) => x + y, 0) / values.length;
  const baseThroughputs = [throughputIn(first, phaseName)];
  const spinThroughputs: number[] = [];
  for (let r = 0; r < p.runs; r++) {
    if (r > 0) baseThroughputs.push(throughputOf(await run(`probe-base-r${r + 1}`, []), phaseName));
    spinThroughputs.push(throughputOf(await run(r === 0 ? 'probe-spin' : `probe-spin-r${r + 1}`, [`${knob.path}=${baseSpin + probeUs}`]), phaseName));
  }
  const t0 = mean(baseThroughputs);
  const tProbe = mean(spinThroughputs);
  if (!(t0 > 0 && tProbe > 0 && tProbe < t0)) throw new RunFailedError(`the probe with ${knob.path}=${probeUs} did not lower throughput (${Math.round(t0)} → ${Math.round(tProbe)} ops/s); raise --probe-us or pick another --knob`);
  const workUs = probeUs / (t0 / tProbe - 1);
  const integerKnob = knob.path === 'group.leaderSpinUsPerBatch' || knob.path === 'group.leaderSpinNsPerEntry';
  const knobValueOf = (extra: number): number => {
    const spin = baseSpin + extra;
    return integerKnob ? Math.max(1, Math.round(spin)) : Math.round(spin * 1000) / 1000;
  };
  ctx.print(`calibrate: phase ${phaseName}; baseline ${knob.path}=${baseSpin}: ${Math.round(t0)} ops/s; probe ${knob.path}=${baseSpin + probeUs} → ${Math.round(tProbe)} ops/s (−${((1 - tProbe / t0) * 100).toFixed(1)}%): the work per op equals ${workUs.toFixed(3)} units of ${knob.path}`);
  const signed = (percent: number): string => `${percent > 0 ? '+' : percent < 0 ? '−' : ''}${Math.abs(percent)}%`;
  const chosen = new Map<number, number>();
  const searches = new Map<number, Array<{ spin: number; measuredPercent: number }>>();
  for (const s of p.slowdowns) {
    const target = s / 100;
    const points: KnobPoint[] = [{ spin: probeUs, slowdown: 1 - tProbe / t0 }];
    // The probe lowered throughput (checked above), so the model through it gives a value.
    let extra = nextSpin(points, target)!;
    const steps: Array<{ spin: number; measuredPercent: number }> = [];
    let verified = false;
    for (let k = 1; k <= p.searchSteps; k++) {
      const value = knobValueOf(extra);
      const bases: number[] = [];
      const spins: number[] = [];
      for (let r = 0; r < p.runs; r++) {
        // Alternate the order so drift favours neither.
        const measureBase = async (): Promise<number> => throughputOf(await run(`search${s}-step${k}-base-r${r + 1}`, []), phaseName);
        const measureSpin = async (): Promise<number> => throughputOf(await run(`search${s}-step${k}-spin-r${r + 1}`, [`${knob.path}=${value}`]), phaseName);
        if (r % 2 === 0) {
          bases.push(await measureBase());
          spins.push(await measureSpin());
        } else {
          spins.push(await measureSpin());
          bases.push(await measureBase());
        }
      }
      const measured = 1 - mean(spins) / mean(bases);
      const step = { spin: value, measuredPercent: Math.round(-measured * 1000) / 10 };
      steps.push(step);
      verified = closeEnough(measured, target);
      ctx.print(`  search ${s}%: ${knob.path}=${value} → ${signed(step.measuredPercent)}${verified ? ' (close enough)' : ''}`);
      if (verified) break;
      points.push({ spin: value - baseSpin, slowdown: measured });
      const next = nextSpin(points, target);
      if (next === undefined) break;
      // One step moves the knob by at most 8x either way: a noisy point must not throw it far.
      extra = Math.min(Math.max(next, extra / 8), extra * 8);
    }
    chosen.set(s, knobValueOf(extra));
    searches.set(s, steps);
    const last = steps[steps.length - 1];
    const how = last === undefined ? '' : verified ? ` (measured ${signed(last.measuredPercent)})` : ` (from the measured points; not verified: the last step measured ${signed(last.measuredPercent)} at ${last.spin})`;
    ctx.print(`  slowdown ${s}% → ${knob.path}=${chosen.get(s)}${how}`);
  }
  const spinFor = (s: number): number => chosen.get(s)!;

  const sideNames = ['base', ...p.slowdowns.map((s) => `slow${s}`), 'base2'];
  const extraOf = (side: string): string[] => (side.startsWith('slow') ? [`${knob.path}=${spinFor(Number(side.slice(4)))}`] : []);
  const pairPaths: Array<Map<string, string[]>> = [];
  for (let i = 0; i < p.pairs; i++) {
    ctx.log(`calibrate: pair ${i + 1}/${p.pairs}${p.runs > 1 ? ` (${p.runs} rounds)` : ''}`);
    const paths = new Map<string, string[]>(sideNames.map((side) => [side, []]));
    for (let r = 0; r < p.runs; r++) {
      // Alternate the order every round so drift over a pair favours no side.
      const order = (i * p.runs + r) % 2 === 1 ? [...sideNames].reverse() : sideNames;
      for (const side of order) paths.get(side)!.push(await run(`pair${i + 1}-${side}${p.runs > 1 ? `-r${r + 1}` : ''}`, extraOf(side)));
    }
    pairPaths.push(paths);
  }

  // A pair's files are compared several times (A/A, each slowdown, with and without the floor): p.load reads each once.
  const compare = (a: string[], b: string[], noiseFloorPercent: number): { verdict: string; change: number } => {
    const row = buildComparison(loadSides(a, b, p.load), { ...p.options, noiseFloorPercent }, false).rows.find((r) => r.group === phaseName && r.metric === 'throughput');
    return { verdict: row?.verdict ?? 'inconclusive', change: row?.changePercent ?? Number.NaN };
  };
  /** Every pair judged with the floor `floorOf(pair)`: A/A verdicts and changes, and per slowdown. */
  const judge = (floorOf: (pair: number) => number): Judged => {
    const aa = pairPaths.map((paths, i) => compare(paths.get('base')!, paths.get('base2')!, floorOf(i)));
    const slow = new Map(p.slowdowns.map((s) => [s, pairPaths.map((paths, i) => compare(paths.get('base')!, paths.get(`slow${s}`)!, floorOf(i)))]));
    return { aa, slow };
  };
  const plain = judge(() => p.options.noiseFloorPercent);
  // The machine's noise: a prediction interval for the change of a new A/A pair from the A/A
  // changes measured. Each pair is judged with the floor of the other pairs (leave one out), so
  // the false-alarm rate reported with the floor is not fitted to the pairs it counts.
  const aaChanges = plain.aa.map((r) => r.change);
  const floorFrom = (changes: number[]): number => noiseFloor(changes, p.options.confidence);
  const recommendedFloor = floorFrom(aaChanges);
  const leaveOneOutFloors = aaChanges.map((_, i) => Math.max(p.options.noiseFloorPercent, floorFrom(aaChanges.filter((_, j) => j !== i))));
  const floored = aaChanges.filter(Number.isFinite).length >= 4 ? judge((i) => leaveOneOutFloors[i]!) : undefined;

  const rates = (judged: Judged): { falseAlarms: number; inconclusive: number; rows: SlowdownRow[] } => {
    const rows = p.slowdowns.map((s) => {
      const results = judged.slow.get(s)!;
      const detected = results.filter((r) => r.verdict === 'regressed').length;
      const finite = results.map((r) => r.change).filter(Number.isFinite);
      const meanChange = finite.length > 0 ? mean(finite) : Number.NaN;
      return { slowdownPercent: s, spin: spinFor(s), detected, pairs: p.pairs, detectionRate: detected / p.pairs, measuredChangePercentMean: round1(meanChange) };
    });
    return { falseAlarms: judged.aa.filter((r) => r.verdict === 'regressed' || r.verdict === 'improved').length, inconclusive: judged.aa.filter((r) => r.verdict === 'inconclusive').length, rows };
  };
  const plainRates = rates(plain);
  const flooredRates = floored !== undefined ? rates(floored) : undefined;
  const runsNeeded = new Map(p.slowdowns.map((s) => [s, runsPerSideToDetect(aaChanges, p.runs, s, p.options.confidence, DETECTION_TARGET)]));
  const smallestOf = (rows: SlowdownRow[]): number | null => rows.filter((r) => r.detectionRate >= DETECTION_TARGET).map((r) => r.slowdownPercent).sort((a, b) => a - b)[0] ?? null;
  const pct = (n: number): string => `${n}/${p.pairs} (${((n / p.pairs) * 100).toFixed(0)}%)`;
  const userFloor = p.options.noiseFloorPercent > 0 ? ` and the given noise floor ±${p.options.noiseFloorPercent}%` : '';
  const lines = [
    `A/A: ${plainRates.falseAlarms} false alarm(s) in ${p.pairs} pairs (${((plainRates.falseAlarms / p.pairs) * 100).toFixed(1)}%) with the bootstrap intervals${userFloor}${plainRates.inconclusive > 0 ? `; ${plainRates.inconclusive} inconclusive (too few seconds a run)` : ''}`,
    ...(flooredRates !== undefined ? [`A/A: ${flooredRates.falseAlarms} false alarm(s) in ${p.pairs} pairs (${((flooredRates.falseAlarms / p.pairs) * 100).toFixed(1)}%) with the noise floor (each pair judged by the floor of the other pairs)`] : []),
    `slowdown  knob spin  measured change  detected${flooredRates !== undefined ? '        with the noise floor' : ''}`,
    ...plainRates.rows.map((r, k) => `${`${r.slowdownPercent}%`.padStart(8)}  ${String(r.spin).padStart(9)}  ${`${r.measuredChangePercentMean > 0 ? '+' : ''}${r.measuredChangePercentMean}%`.padStart(15)}  ${pct(r.detected).padEnd(15)}${flooredRates !== undefined ? ` ${pct(flooredRates.rows[k]!.detected)}` : ''}`),
    ...knobMismatchNotes(plainRates.rows, p.searchSteps),
    `smallest slowdown detected in >= 95% of pairs: ${percentOrNone(smallestOf(plainRates.rows))}${flooredRates !== undefined ? `; with the noise floor: ${percentOrNone(smallestOf(flooredRates.rows))}` : ''}`,
    ...runsNeededLines(plainRates.rows, runsNeeded, p.runs),
    Number.isFinite(recommendedFloor)
      ? `noise floor of this machine and scenario: ±${recommendedFloor}% (from ${aaChanges.filter(Number.isFinite).length} A/A changes); compare with \`logbench compare --noise-floor ${recommendedFloor}\` and ${p.runs} run(s) a side`
      : 'noise floor: too few A/A pairs to estimate',
    `method: throughput of phase ${phaseName}, ${p.runs === 1 ? 'one run' : `${p.runs} interleaved runs`} a side, ${Math.round(p.options.confidence * 100)}% interval, threshold ${p.options.thresholdPercent}%; knob values verified up to ${p.searchSteps} time(s); runs in ${p.outDir}`,
  ];
  for (const line of lines) ctx.print(line);
  const summary = {
    phase: phaseName,
    knob: knob.path,
    baselineOpsPerSec: t0,
    probe: { spin: probeUs, opsPerSec: tProbe },
    workUsPerSpinUnit: workUs,
    knobSearch: Object.fromEntries([...searches].map(([s, steps]) => [`${s}`, steps])),
    pairs: p.pairs,
    runsPerSide: p.runs,
    aa: { falseAlarms: plainRates.falseAlarms, inconclusive: plainRates.inconclusive, rate: plainRates.falseAlarms / p.pairs, verdicts: plain.aa.map((r) => r.verdict), changesPercent: aaChanges },
    slowdowns: plainRates.rows,
    smallestDetectedPercent: smallestOf(plainRates.rows),
    noiseFloorPercent: Number.isFinite(recommendedFloor) ? recommendedFloor : null,
    runsPerSideToDetect: Object.fromEntries([...runsNeeded].map(([s, k]) => [`${s}`, Number.isFinite(k) ? k : null])),
    withNoiseFloor:
      flooredRates !== undefined
        ? { aa: { falseAlarms: flooredRates.falseAlarms, rate: flooredRates.falseAlarms / p.pairs, verdicts: floored!.aa.map((r) => r.verdict) }, slowdowns: flooredRates.rows, smallestDetectedPercent: smallestOf(flooredRates.rows) }
        : null,
    options: p.options,
  };
  writeFileSync(join(p.outDir, 'calibration.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(p.outDir, 'calibration.txt'), lines.join('\n') + '\n');
  ctx.emitJson(summary);
  return 0;
}

/**
 * For each slowdown detected in fewer than 95% of pairs: about how many runs a side would detect
 * it here (runsPerSideToDetect), so a noisy machine's calibration says what would be needed.
 */
export function runsNeededLines(rows: readonly { slowdownPercent: number; detectionRate: number }[], runsNeeded: ReadonlyMap<number, number>, runsPerSide: number): string[] {
  return rows
    .filter((r) => r.detectionRate < DETECTION_TARGET && Number.isFinite(runsNeeded.get(r.slowdownPercent) ?? Number.NaN))
    .map((r) => {
      const k = runsNeeded.get(r.slowdownPercent)!;
      return `to detect ${r.slowdownPercent}% in >= 95% of pairs here: about ${k} run(s) a side, against ${runsPerSide} now (estimated from the A/A spread, if a side's noise falls as 1/sqrt(runs))`;
    });
}
