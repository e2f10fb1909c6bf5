// `logbench calibrate [SCENARIO]`: how trustworthy `logbench compare` is on this machine and
// scenario. It runs pairs of sides of the current build: per pair, two baseline sides (an A/A
// comparison) and one side per slowdown with a spin knob (an A/B comparison against the first
// baseline). A side is `--runs` runs, taken in interleaved rounds (base, slowdowns, base2; the
// next round in reverse order), so `compare` sees run-to-run noise as `logbench ab --rounds`
// gives it. It reports the A/A false-alarm rate, the detection rate per slowdown, and the
// smallest slowdown detected in ≥ 95% of pairs.
//
// Slowdowns are percentages of throughput; the knob is a spin time (group.leaderSpinUsPerBatch
// for the engine: µs busy-spun on the leader per proposed batch; driver.spinUsPerOp for the null
// system: µs per append). The translation is measured, not assumed: a probe run with spin P gives
// throughput T(P) against the baseline T0, the effective work per unit of spin is
// w = P / (T0/T(P) − 1), and the spin for a slowdown s is w·s/(1−s) (a fixed cost added to each
// unit of work). On the engine, batches grow when the leader slows, so the model is approximate:
// the report therefore prints the slowdown actually measured (mean change over the pairs) next to
// each target.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { intFlag, listFlag, numberFlag, stringFlag, UsageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { loadSides } from '../../results/compare-input.js';
import { buildComparison } from '../../results/compare-report.js';
import { runOnce, RunFailedError } from '../../results/compare-runs.js';
import { readResultFile } from '../../results/validate.js';
import { COMPARE_OPTION_FLAGS, readCompareOptions } from './compare.js';

const DETECTION_TARGET = 0.95;

interface Knob {
  path: string;
  probeUs: number;
}

function knobFor(system: string, override: string | undefined): Knob {
  if (override !== undefined) return { path: override, probeUs: 100 };
  if (system === 'engine') return { path: 'group.leaderSpinUsPerBatch', probeUs: 200 };
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
  usage: '[SCENARIO] [--pairs N] [--runs N] [--slowdowns 5,10,20,30] [--phase NAME] [--knob key.path] [--set k=v ...]',
  positionals: { min: 0, max: 1, names: 'at most one SCENARIO file' },
  flags: {
    pairs: { type: 'string', valueName: 'N', description: 'pairs (each: 2 baseline sides + 1 side per slowdown)', defaultText: '20' },
    runs: { type: 'string', valueName: 'N', description: 'runs per side, in interleaved rounds (as ab --rounds)', defaultText: '1' },
    slowdowns: { type: 'string', multiple: true, valueName: 'PCTS', description: 'throughput slowdowns to inject, percent', defaultText: '5,10,20,30' },
    phase: { type: 'string', valueName: 'NAME', description: 'phase whose throughput is calibrated', defaultText: 'the first phase' },
    knob: { type: 'string', valueName: 'KEY', description: 'scenario field that adds work (spin µs)', defaultText: 'group.leaderSpinUsPerBatch (engine), driver.spinUsPerOp (null)' },
    set: { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'scenario override for every run (repeatable)' },
    'out-dir': { type: 'string', valueName: 'DIR', description: 'where runs and the summary go', defaultText: 'results/calibrate-<UTC time>' },
    'probe-us': { type: 'string', valueName: 'US', description: 'spin of the probe run that measures the knob', defaultText: '200 (engine), 5 (null)' },
    ...COMPARE_OPTION_FLAGS,
  },
  examples: ['logbench calibrate bench/scenarios/quick.yaml --pairs 20', 'logbench calibrate bench/scenarios/quick.yaml --pairs 20 --runs 3 --slowdowns 10', 'logbench calibrate bench/scenarios/default.yaml --pairs 10 --slowdowns 10,30'],
  async run(ctx) {
    const pairs = intFlag(ctx.values, 'pairs', 20, { min: 1, max: 500 });
    const runs = intFlag(ctx.values, 'runs', 1, { min: 1, max: 50 });
    const slowdowns = parseSlowdowns(listFlag(ctx.values, 'slowdowns'));
    const sets = listFlag(ctx.values, 'set');
    const options = { ...readCompareOptions(ctx.values), metrics: ['throughput'] as const };
    const scenario = ctx.positionals[0] !== undefined ? resolve(ctx.positionals[0]) : undefined;
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const outDir = resolve(stringFlag(ctx.values, 'out-dir') ?? join('results', `calibrate-${stamp}`));
    mkdirSync(outDir, { recursive: true });
    const main = resolve(import.meta.dirname, '..', 'main.js');
    const run = (name: string, extra: string[]): string => {
      const outPath = join(outDir, `${name}.json`);
      runOnce({ main, cwd: process.cwd(), scenario, sets: [...sets, ...extra], outPath }, ctx.log);
      return outPath;
    };
    try {
      return calibrate(ctx, { pairs, runs, slowdowns, options, outDir, run });
    } catch (error) {
      if (error instanceof RunFailedError) {
        ctx.log(`logbench calibrate: ${error.message}`);
        return 1;
      }
      throw error;
    }
  },
};

interface CalibrateParams {
  pairs: number;
  /** Runs per side of each comparison. */
  runs: number;
  slowdowns: number[];
  options: ReturnType<typeof readCompareOptions>;
  outDir: string;
  run: (name: string, extra: string[]) => string;
}

function calibrate(ctx: CommandContext, p: CalibrateParams): number {
  const { run } = p;
  const throughputOf = (path: string, phaseName: string): number => readResultFile(path).phases.find((ph) => ph.name === phaseName)?.throughput.opsPerSec ?? 0;
  const probeBase = run('probe-base', []);
  const first = readResultFile(probeBase);
  const phaseName = stringFlag(ctx.values, 'phase') ?? first.phases[0]?.name;
  if (phaseName === undefined || !first.phases.some((ph) => ph.name === phaseName)) throw new UsageError(`flag --phase: no phase "${phaseName ?? ''}" in the scenario; phases: ${first.phases.map((ph) => ph.name).join(', ')}`);
  const knob = knobFor(first.system.name, stringFlag(ctx.values, 'knob'));
  const probeUs = numberFlag(ctx.values, 'probe-us', knob.probeUs, { min: 0.001 });
  // The scenario may already set the knob (quick.yaml: 10 µs of work per append): spins add to it.
  const baseSpin = knobValue(first.scenario as unknown as Record<string, unknown>, knob.path);
  const t0 = throughputOf(probeBase, phaseName);
  const probe = run('probe-spin', [`${knob.path}=${baseSpin + probeUs}`]);
  const tProbe = throughputOf(probe, phaseName);
  if (!(t0 > 0 && tProbe > 0 && tProbe < t0)) throw new RunFailedError(`the probe with ${knob.path}=${probeUs} did not lower throughput (${Math.round(t0)} → ${Math.round(tProbe)} ops/s); raise --probe-us or pick another --knob`);
  const workUs = probeUs / (t0 / tProbe - 1);
  const integerKnob = knob.path === 'group.leaderSpinUsPerBatch';
  const spinFor = (s: number): number => {
    const spin = baseSpin + (workUs * (s / 100)) / (1 - s / 100);
    return integerKnob ? Math.max(1, Math.round(spin)) : Math.round(spin * 1000) / 1000;
  };
  ctx.print(`calibrate: phase ${phaseName}; baseline ${knob.path}=${baseSpin}: ${Math.round(t0)} ops/s; probe ${knob.path}=${baseSpin + probeUs} → ${Math.round(tProbe)} ops/s (−${((1 - tProbe / t0) * 100).toFixed(1)}%): ${workUs.toFixed(3)} µs of work per unit of spin`);
  for (const s of p.slowdowns) ctx.print(`  slowdown ${s}% → ${knob.path}=${spinFor(s)}`);

  const aaVerdicts: string[] = [];
  const ab = new Map<number, { verdicts: string[]; changes: number[] }>(p.slowdowns.map((s) => [s, { verdicts: [], changes: [] }]));
  const compare = (a: string[], b: string[]): { verdict: string; change: number } => {
    const row = buildComparison(loadSides(a, b), p.options, false).rows.find((r) => r.group === phaseName && r.metric === 'throughput');
    return { verdict: row?.verdict ?? 'inconclusive', change: row?.changePercent ?? Number.NaN };
  };
  const sideNames = ['base', ...p.slowdowns.map((s) => `slow${s}`), 'base2'];
  const extraOf = (side: string): string[] => (side.startsWith('slow') ? [`${knob.path}=${spinFor(Number(side.slice(4)))}`] : []);
  for (let i = 0; i < p.pairs; i++) {
    ctx.log(`calibrate: pair ${i + 1}/${p.pairs}${p.runs > 1 ? ` (${p.runs} rounds)` : ''}`);
    const paths = new Map<string, string[]>(sideNames.map((side) => [side, []]));
    for (let r = 0; r < p.runs; r++) {
      // Alternate the order every round so drift over a pair favours no side.
      const order = (i * p.runs + r) % 2 === 1 ? [...sideNames].reverse() : sideNames;
      for (const side of order) paths.get(side)!.push(run(`pair${i + 1}-${side}${p.runs > 1 ? `-r${r + 1}` : ''}`, extraOf(side)));
    }
    const base = paths.get('base')!;
    aaVerdicts.push(compare(base, paths.get('base2')!).verdict);
    for (const s of p.slowdowns) {
      const { verdict, change } = compare(base, paths.get(`slow${s}`)!);
      ab.get(s)!.verdicts.push(verdict);
      ab.get(s)!.changes.push(change);
    }
  }
  const falseAlarms = aaVerdicts.filter((v) => v !== 'no significant change' && v !== 'inconclusive').length;
  const inconclusiveAa = aaVerdicts.filter((v) => v === 'inconclusive').length;
  const rows = p.slowdowns.map((s) => {
    const entry = ab.get(s)!;
    const detected = entry.verdicts.filter((v) => v === 'regressed').length;
    const finite = entry.changes.filter(Number.isFinite);
    const meanChange = finite.length > 0 ? finite.reduce((x, y) => x + y, 0) / finite.length : Number.NaN;
    return { slowdownPercent: s, spin: spinFor(s), detected, pairs: p.pairs, detectionRate: detected / p.pairs, measuredChangePercentMean: Math.round(meanChange * 10) / 10 };
  });
  const smallest = rows.filter((r) => r.detectionRate >= DETECTION_TARGET).map((r) => r.slowdownPercent).sort((a, b) => a - b)[0] ?? null;
  const lines = [
    `A/A: ${falseAlarms} false alarm(s) in ${p.pairs} pairs (${((falseAlarms / p.pairs) * 100).toFixed(1)}%)${inconclusiveAa > 0 ? `; ${inconclusiveAa} inconclusive (too few seconds a run)` : ''}`,
    'slowdown  knob spin  measured change  detected',
    ...rows.map((r) => `${`${r.slowdownPercent}%`.padStart(8)}  ${String(r.spin).padStart(9)}  ${`${r.measuredChangePercentMean > 0 ? '+' : ''}${r.measuredChangePercentMean}%`.padStart(15)}  ${r.detected}/${r.pairs} (${(r.detectionRate * 100).toFixed(0)}%)`),
    smallest !== null ? `smallest slowdown detected in >= 95% of pairs: ${smallest}%` : 'no tested slowdown was detected in >= 95% of pairs',
    `method: throughput of phase ${phaseName}, ${p.runs === 1 ? 'one run' : `${p.runs} interleaved runs`} a side, ${Math.round(p.options.confidence * 100)}% interval, threshold ${p.options.thresholdPercent}%; runs in ${p.outDir}`,
  ];
  for (const line of lines) ctx.print(line);
  const summary = { phase: phaseName, knob: knob.path, baselineOpsPerSec: t0, probe: { spin: probeUs, opsPerSec: tProbe }, workUsPerSpinUnit: workUs, pairs: p.pairs, runsPerSide: p.runs, aa: { falseAlarms, inconclusive: inconclusiveAa, rate: falseAlarms / p.pairs, verdicts: aaVerdicts }, slowdowns: rows, smallestDetectedPercent: smallest, options: p.options };
  writeFileSync(join(p.outDir, 'calibration.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(p.outDir, 'calibration.txt'), lines.join('\n') + '\n');
  ctx.emitJson(summary);
  return 0;
}
