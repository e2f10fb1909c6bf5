// Builds a whole comparison from loaded files: checks that the files may be compared (the
// environment fingerprint, compare-fingerprint.ts; every compared phase has a per-second series),
// turns each phase (or micro task) present on both sides into samples, and runs compareGroup on
// it. The result is plain data that compare-format.ts prints as text, markdown or JSON.

import { describeDifferences, fingerprintDifferences, type FingerprintDifference } from './compare-fingerprint.js';
import { CompareInputError, type LoadedSides } from './compare-input.js';
import { commonPhases, emptySeriesProblem, findPhase, phaseSamples, type RunSamples } from './compare-samples.js';
import { compareGroup, type CompareOptions, type GroupSides, type MetricRow } from './compare.js';

export class FingerprintMismatchError extends Error {
  override name = 'FingerprintMismatchError';
  constructor(
    message: string,
    readonly differences: FingerprintDifference[],
  ) {
    super(message);
  }
}

export interface CompareReport {
  schema: 'logbench.compare/v1';
  kind: 'result' | 'micro';
  method: string;
  options: { resamples: number; seed: number; confidence: number; thresholdPercent: number; noiseFloorPercent: number };
  base: { files: string[] };
  head: { files: string[] };
  /** Differences between files (refused ones only appear when --force was given). */
  differences: Array<FingerprintDifference & { baseFile: string; headFile: string }>;
  warnings: string[];
  /** Phases present in every file but not compared (every run of a side saturated its generator). */
  skippedPhases: string[];
  rows: MetricRow[];
  /** Files whose correctness ledger failed (acked writes lost, duplicated or divergent). */
  ledgerFailures: Array<{ side: 'base' | 'head'; file: string; reason: string | null }>;
  regressed: boolean;
  improved: boolean;
}

/**
 * Exit status of a comparison: under --fail-on-regression 1 when a head run failed its
 * correctness ledger; 2 when nothing could be judged (no metric compared, or a phase skipped while
 * gating on regressions); 1 for a regression under --fail-on-regression; else 0.
 */
export function comparisonExitCode(report: CompareReport, failOnRegression: boolean): { code: number; why?: string } {
  // A head that loses acked writes has regressed whatever its speed: that is decided, not unjudged.
  const headLedger = report.ledgerFailures.filter((f) => f.side === 'head').map((f) => f.file);
  if (failOnRegression && headLedger.length > 0) return { code: 1, why: `correctness regression: the ledger failed in ${headLedger.join(', ')}` };
  if (report.skippedPhases.length > 0 && (failOnRegression || report.rows.length === 0)) {
    return { code: 2, why: `phase${report.skippedPhases.length === 1 ? '' : 's'} ${report.skippedPhases.join(', ')} could not be compared (see the warnings above)` };
  }
  if (report.rows.length === 0) return { code: 2, why: 'nothing was compared (see the warnings above)' };
  return { code: failOnRegression && report.regressed ? 1 : 0 };
}

export const METHOD_TEXT =
  'hierarchical circular block bootstrap of per-second samples (runs drawn with replacement when a side has several, then blocks of consecutive seconds within each run); percentile interval of head/base, widened by t(df)/z on the log scale, shown as the relative change head/base - 1';

export const MICRO_METHOD_TEXT =
  'one throughput (ops/s) per task and file; with 3 or more files a side, a bootstrap of the files (drawn with replacement), percentile interval of head/base widened by t(df)/z on the log scale, shown as the relative change head/base - 1; with fewer, the verdict is the threshold alone';

/**
 * Warnings for the groups (phases, tasks) left out because some file lacks them: one line per
 * side, naming the groups and the files of that side that lack them.
 */
function missingGroupWarnings(label: string, sides: { base: Array<{ path: string; names: string[] }>; head: Array<{ path: string; names: string[] }> }, common: readonly string[]): string[] {
  const all = [...sides.base, ...sides.head];
  const union = [...new Set(all.flatMap((f) => f.names))].filter((n) => !common.includes(n));
  const warnings: string[] = [];
  for (const [side, files] of [['base', sides.base], ['head', sides.head]] as const) {
    const missing = union.filter((n) => files.some((f) => !f.names.includes(n)));
    if (missing.length === 0) continue;
    const lacking = files.filter((f) => missing.some((n) => !f.names.includes(n))).map((f) => f.path);
    warnings.push(`${label}${missing.length === 1 ? '' : 's'} missing on the ${side} side (from ${lacking.join(', ')}), not compared: ${missing.map((n) => JSON.stringify(n)).join(', ')}`);
  }
  return warnings;
}

export function buildComparison(sides: LoadedSides, options: CompareOptions, force: boolean): CompareReport {
  const warnings: string[] = [];
  const skippedPhases: string[] = [];
  const differences: CompareReport['differences'] = [];
  const ledgerFailures: CompareReport['ledgerFailures'] = [];
  const groups: GroupSides[] = [];
  /** Files of compared phases that have no sample at all: refused once every phase is checked. */
  const unsampled: string[] = [];

  if (sides.kind === 'result') {
    const reference = sides.base[0]!;
    const refused: string[] = [];
    for (const other of [...sides.base.slice(1), ...sides.head]) {
      const found = fingerprintDifferences(reference.result, other.result);
      for (const d of found) differences.push({ ...d, baseFile: reference.path, headFile: other.path });
      const lines = describeDifferences(found.filter((d) => d.refuse), reference.path, other.path);
      refused.push(...lines);
    }
    if (refused.length > 0 && !force) {
      throw new FingerprintMismatchError(
        `refusing to compare results from different environments or scenarios (use --force to compare anyway):\n${refused.join('\n')}`,
        differences.filter((d) => d.refuse),
      );
    }
    if (refused.length > 0) warnings.push(`compared despite differing ${[...new Set(differences.filter((d) => d.refuse).map((d) => d.field))].join(', ')} (--force)`);
    for (const file of [...sides.base, ...sides.head]) {
      if (!file.result.complete) warnings.push(`${file.path}: the run is incomplete ("complete": false)`);
    }
    for (const [side, files] of [['base', sides.base], ['head', sides.head]] as const) {
      for (const file of files) {
        const c = file.result.correctness;
        if (c.ledger !== 'failed') continue;
        ledgerFailures.push({ side, file: file.path, reason: c.reason });
        const counts = (['lost', 'duplicated', 'divergent', 'reordered'] as const).filter((k) => (c[k] ?? 0) > 0).map((k) => `${k} ${c[k]}`);
        const detail = counts.length > 0 ? counts.join(', ') : (c.reason?.split('\n')[0] ?? 'no reason recorded');
        warnings.push(`${file.path} (${side}): correctness ledger "failed" (${detail})${side === 'head' ? ': a correctness regression, whatever the speed' : ''}`);
      }
    }
    const all = [...sides.base, ...sides.head].map((f) => f.result);
    const names = commonPhases(all);
    const phaseNames = (files: typeof sides.base): Array<{ path: string; names: string[] }> => files.map((f) => ({ path: f.path, names: f.result.phases.map((p) => p.name) }));
    warnings.push(...missingGroupWarnings('phase', { base: phaseNames(sides.base), head: phaseNames(sides.head) }, names));
    if (names.length === 0) warnings.push('no phase name is present in every file: nothing to compare');
    for (const name of names) {
      // A run whose generator saturated measured the generator, not the system: it is left out.
      // A phase is compared while each side keeps at least one run; otherwise it is reported as
      // skipped (which `--fail-on-regression` treats as a failure: a head that costs more CPU can
      // saturate the generator that shares the machine, and must not hide that way).
      const saturatedIn = (f: (typeof sides.base)[number]): boolean => findPhase(f.result, name).generator.saturated;
      const baseFiles = sides.base.filter((f) => !saturatedIn(f));
      const headFiles = sides.head.filter((f) => !saturatedIn(f));
      const baseSaturated = sides.base.filter(saturatedIn).map((f) => f.path);
      const headSaturated = sides.head.filter(saturatedIn).map((f) => f.path);
      const saturated = [...baseSaturated, ...headSaturated];
      if (baseFiles.length === 0 || headFiles.length === 0) {
        skippedPhases.push(name);
        const where =
          baseFiles.length === 0 && headFiles.length === 0
            ? `every run of both sides (base: ${baseSaturated.join(', ')}; head: ${headSaturated.join(', ')})`
            : baseFiles.length === 0
              ? `every run of the base side (${baseSaturated.join(', ')})${headSaturated.length > 0 ? ` and in ${headSaturated.join(', ')} on the head side` : ''}`
              : `every run of the head side (${headSaturated.join(', ')})${baseSaturated.length > 0 ? ` and in ${baseSaturated.join(', ')} on the base side` : ''}`;
        warnings.push(`phase ${name}: not compared: its generator saturated in ${where}, so those numbers describe the load generator, not the system`);
        continue;
      }
      if (saturated.length > 0) warnings.push(`phase ${name}: left out the runs whose generator saturated: ${saturated.join(', ')}`);
      const empty = [...baseFiles, ...headFiles].map((f) => emptySeriesProblem(f.path, f.result, name)).filter((p): p is string => p !== null);
      if (empty.length > 0) {
        unsampled.push(...empty);
        continue;
      }
      const base = baseFiles.map((f) => phaseSamples(f, name));
      const head = headFiles.map((f) => phaseSamples(f, name));
      for (const run of [...base, ...head]) {
        if (run.unitKind === 'phase') warnings.push(`${run.path}: phase ${name} has no whole measured second in its series; the phase is used as one sample`);
      }
      groups.push({ group: name, base, head, withoutInterval: 'inconclusive' });
    }
  } else {
    const empty = { valuesUs: new Float64Array(0), midsUs: new Float64Array(0), counts: new Float64Array(0) };
    const names = sides.base[0]!.micro.tasks.map((t) => t.name).filter((n) => [...sides.base, ...sides.head].every((f) => f.micro.tasks.some((t) => t.name === n)));
    const toRuns = (files: typeof sides.base, name: string): RunSamples[] =>
      files.map((f) => ({ path: f.path, unitKind: 'phase', units: [{ opsPerSec: f.micro.tasks.find((t) => t.name === name)!.opsPerSec, ...empty }] }));
    const taskNames = (files: typeof sides.base): Array<{ path: string; names: string[] }> => files.map((f) => ({ path: f.path, names: f.micro.tasks.map((t) => t.name) }));
    warnings.push(...missingGroupWarnings('task', { base: taskNames(sides.base), head: taskNames(sides.head) }, names));
    if (names.length === 0) warnings.push('no task name is present in every file: nothing to compare');
    else if (!options.metrics.includes('throughput')) {
      warnings.push(`micro-benchmark files carry throughput (ops/s) only: --metric ${options.metrics.join(',')} compares nothing; use --metric throughput`);
    }
    for (const name of names) groups.push({ group: name, base: toRuns(sides.base, name), head: toRuns(sides.head, name), withoutInterval: 'threshold' });
    const nodes = new Set([...sides.base, ...sides.head].map((f) => f.micro.node ?? '(unknown)'));
    if (nodes.size > 1) warnings.push(`micro-benchmark files come from different Node versions: ${[...nodes].join(', ')}`);
  }

  if (unsampled.length > 0) throw new CompareInputError(unsampled.join('\n'));

  const baseRuns = sides.base.length;
  const headRuns = sides.head.length;
  if (baseRuns === 1 || headRuns === 1) {
    warnings.push(
      sides.kind === 'result'
        ? 'one run on a side: the interval covers second-to-second noise within a run, not run-to-run variation; give several runs a side (logbench ab --rounds N) for a verdict that covers it'
        : 'one file on a side: micro-benchmark verdicts use the threshold alone; give 3 or more files a side for an interval',
    );
  }
  const rows = groups.flatMap((g) => compareGroup(g, options));
  return {
    schema: 'logbench.compare/v1',
    kind: sides.kind,
    method: sides.kind === 'micro' ? MICRO_METHOD_TEXT : METHOD_TEXT,
    options: { resamples: options.resamples, seed: options.seed, confidence: options.confidence, thresholdPercent: options.thresholdPercent, noiseFloorPercent: options.noiseFloorPercent },
    base: { files: sides.base.map((f) => f.path) },
    head: { files: sides.head.map((f) => f.path) },
    differences,
    warnings,
    skippedPhases,
    rows,
    ledgerFailures,
    regressed: rows.some((r) => r.verdict === 'regressed'),
    improved: rows.some((r) => r.verdict === 'improved'),
  };
}
