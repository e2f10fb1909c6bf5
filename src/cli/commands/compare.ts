// `logbench compare BASE.json HEAD.json`: the change of throughput and of each latency
// percentile with a bootstrap confidence interval and a verdict (src/results/compare.ts explains
// the method). Exit codes: 0 compared, 1 a regression with --fail-on-regression, 2 bad input or
// results that must not be compared (their differing fields are listed; --force overrides).

import { boolFlag, choiceFlag, intFlag, listFlag, numberFlag, stringFlag, UsageError, type FlagSpecs, type FlagValues } from '../args.js';
import { checkOutputPath, writeOutputFile } from '../output-path.js';
import type { Command, CommandContext } from '../command.js';
import { assignSides, expandGlob, FileListError } from '../../results/compare-files.js';
import { COMPARE_FORMATS, formatReport, formatText } from '../../results/compare-format.js';
import { CompareInputError, loadSides } from '../../results/compare-input.js';
import { buildComparison, comparisonExitCode, FingerprintMismatchError, type CompareReport } from '../../results/compare-report.js';
import { DEFAULT_COMPARE_OPTIONS, METRICS, type CompareOptions, type MetricName } from '../../results/compare.js';

/** The statistics flags, shared by compare, ab and calibrate. */
export const COMPARE_OPTION_FLAGS: FlagSpecs = {
  metric: { type: 'string', multiple: true, valueName: 'M', description: `metrics to compare (repeatable or comma-separated): ${METRICS.join(', ')}`, defaultText: 'all' },
  threshold: { type: 'string', valueName: 'PCT', description: 'smallest change (%) that can be a regression or an improvement', defaultText: String(DEFAULT_COMPARE_OPTIONS.thresholdPercent) },
  confidence: { type: 'string', valueName: 'C', description: 'confidence of the interval', defaultText: String(DEFAULT_COMPARE_OPTIONS.confidence) },
  resamples: { type: 'string', valueName: 'N', description: 'bootstrap resamples', defaultText: String(DEFAULT_COMPARE_OPTIONS.resamples) },
  seed: { type: 'string', valueName: 'N', description: 'seed of the resampling (same seed, same interval)', defaultText: String(DEFAULT_COMPARE_OPTIONS.seed) },
  'noise-floor': { type: 'string', valueName: 'PCT', description: 'smallest half-width (%) of the throughput interval: the run-to-run noise `logbench calibrate` measured', defaultText: '0' },
};

export function readCompareOptions(values: FlagValues): CompareOptions {
  const requested = listFlag(values, 'metric').flatMap((m) => m.split(',')).map((m) => m.trim()).filter((m) => m !== '');
  for (const metric of requested) {
    if (!(METRICS as readonly string[]).includes(metric)) throw new UsageError(`flag --metric: expected one of ${METRICS.join(', ')}, got "${metric}"`);
  }
  return {
    metrics: requested.length > 0 ? METRICS.filter((m) => requested.includes(m)) : DEFAULT_COMPARE_OPTIONS.metrics,
    thresholdPercent: numberFlag(values, 'threshold', DEFAULT_COMPARE_OPTIONS.thresholdPercent, { min: 0, max: 1000 }),
    confidence: numberFlag(values, 'confidence', DEFAULT_COMPARE_OPTIONS.confidence, { min: 0.5, max: 0.999 }),
    resamples: intFlag(values, 'resamples', DEFAULT_COMPARE_OPTIONS.resamples, { min: 100, max: 100_000 }),
    seed: intFlag(values, 'seed', DEFAULT_COMPARE_OPTIONS.seed, { min: 0, max: 0xffffffff }),
    noiseFloorPercent: numberFlag(values, 'noise-floor', DEFAULT_COMPARE_OPTIONS.noiseFloorPercent, { min: 0, max: 100 }),
  };
}

/**
 * Runs a comparison of files already chosen. Throws UsageError (exit 2) for unreadable,
 * malformed or incomparable files.
 */
export function compareFiles(basePaths: string[], headPaths: string[], options: CompareOptions, force: boolean): CompareReport {
  try {
    return buildComparison(loadSides(basePaths, headPaths), options, force);
  } catch (error) {
    if (error instanceof CompareInputError || error instanceof FingerprintMismatchError) throw new UsageError(`logbench compare: ${error.message}`);
    throw error;
  }
}

const FLAGS: FlagSpecs = {
  base: { type: 'string', multiple: true, valueName: 'FILE', description: 'base result file(s) or glob; files after --base belong to it' },
  head: { type: 'string', multiple: true, valueName: 'FILE', description: 'head result file(s) or glob; files after --head belong to it' },
  format: { type: 'string', valueName: 'F', description: `output format: ${COMPARE_FORMATS.join(', ')}`, defaultText: 'text' },
  out: { type: 'string', valueName: 'FILE', description: 'also write the formatted comparison to FILE' },
  force: { type: 'boolean', description: 'compare even when environments or scenarios differ' },
  'fail-on-regression': { type: 'boolean', description: 'exit 1 when any metric regressed' },
  ...COMPARE_OPTION_FLAGS,
};

function chooseFiles(ctx: CommandContext): { base: string[]; head: string[] } {
  const flagBase = listFlag(ctx.values, 'base');
  const flagHead = listFlag(ctx.values, 'head');
  let base: string[];
  let head: string[];
  if (flagBase.length === 0 && flagHead.length === 0) {
    if (ctx.positionals.length !== 2) throw new UsageError(`logbench compare: expected BASE.json HEAD.json (or --base FILE... --head FILE...), got ${ctx.positionals.length} file(s)`);
    base = [ctx.positionals[0]!];
    head = [ctx.positionals[1]!];
  } else {
    const raw = process.argv.slice(2);
    const own = raw[0] === 'compare' ? raw.slice(1) : raw;
    const valueFlags = new Set(Object.entries(FLAGS).filter(([, s]) => s.type === 'string').map(([n]) => n));
    const assigned = assignSides(own, valueFlags);
    const sameAsParsed = flagBase.every((f) => assigned.base.includes(f)) && flagHead.every((f) => assigned.head.includes(f));
    base = sameAsParsed ? assigned.base : flagBase;
    head = sameAsParsed ? assigned.head : flagHead;
    const loose = sameAsParsed ? assigned.loose : ctx.positionals;
    if (loose.length > 0) throw new UsageError(`logbench compare: ${loose.map((f) => `"${f}"`).join(' ')}: not after --base or --head; put every file after the flag of its side`);
    if (base.length === 0) throw new UsageError('logbench compare: --head given without --base');
    if (head.length === 0) throw new UsageError('logbench compare: --base given without --head');
  }
  try {
    return { base: base.flatMap((f) => expandGlob(f, '--base')), head: head.flatMap((f) => expandGlob(f, '--head')) };
  } catch (error) {
    if (error instanceof FileListError) throw new UsageError(`logbench compare: ${error.message}`);
    throw error;
  }
}

export const compareCommand: Command = {
  name: 'compare',
  summary: 'compare result files (throughput, latency percentiles) with confidence intervals and verdicts',
  usage: 'BASE.json HEAD.json | --base FILE... --head FILE... [--metric M] [--format text|md|json] [--force] [--fail-on-regression]',
  positionals: { min: 0, max: 1000, names: 'BASE.json HEAD.json' },
  flags: FLAGS,
  examples: [
    'logbench compare results/base.json results/head.json',
    'logbench compare --base results/ab/base-*.json --head results/ab/head-*.json --format md --fail-on-regression',
    'logbench compare old-micro.json new-micro.json --metric throughput',
  ],
  async run(ctx) {
    const options = readCompareOptions(ctx.values);
    const format = choiceFlag(ctx.values, 'format', COMPARE_FORMATS, 'text');
    const force = boolFlag(ctx.values, 'force');
    const failOnRegression = boolFlag(ctx.values, 'fail-on-regression');
    const outPath = stringFlag(ctx.values, 'out');
    if (outPath !== undefined) checkOutputPath('out', outPath);
    const files = chooseFiles(ctx);
    const report = compareFiles(files.base, files.head, options, force);
    const text = formatReport(report, format);
    if (outPath !== undefined) writeOutputFile(outPath, text + '\n');
    if (ctx.json) {
      ctx.print(format === 'json' ? formatText(report) : text);
      ctx.emitJson(report);
    } else {
      ctx.print(text);
    }
    const exit = comparisonExitCode(report, failOnRegression);
    if (exit.why !== undefined) ctx.log(`logbench compare: ${exit.why}`);
    return exit.code;
  },
};

export type { MetricName };
