// `logbench failover`: N trials of one fault against one group (started once), under a steady
// open-loop load, and the median / p99 / max of the recovery metrics over the trials.
// Each trial is one phase of `--trial-seconds`: steady load, the fault at `--fault-at-seconds`,
// recovery; a killed replica is restarted 1 s after the kill, a paused one resumed and a
// partition healed after `--fault-ms`, so the next trial starts on a whole group. The correctness
// ledger reads every replica back at the end; any lost / duplicated / reordered / divergent entry
// makes the command exit 1. A result file is written like `logbench run`'s.

import { choiceFlag, intFlag, numberFlag, stringFlag, UsageError } from '../args.js';
import { checkResultOutput } from '../output-path.js';
import type { Command } from '../command.js';
import { DriverUnavailableError, lookupDriver } from '../../drivers/registry.js';
import type { FaultKind } from '../../cluster/fault-spec.js';
import { ScenarioRunner } from '../../load/run-scenario.js';
import { resolveScenario, ScenarioError, type Scenario } from '../../load/scenario.js';
import { assembleResult } from '../../results/assemble.js';
import { runLedger } from '../../results/correctness.js';
import { collectEnvironment } from '../../results/environment.js';
import { buildFailoverSection, isSkipped, summarizeValues, type FailoverSection, type TrialSummary } from '../../results/failover-section.js';
import { summaryLines } from '../../results/summary.js';
import { defaultResultsDir, writeResult } from '../../results/write-result.js';

export const FAILOVER_FAULTS = ['kill-leader', 'pause-leader', 'partition-leader'] as const satisfies readonly FaultKind[];
export type FailoverFault = (typeof FAILOVER_FAULTS)[number];

export interface FailoverPlan {
  system: string;
  mode: string;
  trials: number;
  fault: FailoverFault;
  rate: number;
  sizeBytes: number;
  trialSeconds: number;
  faultAtSeconds: number;
  faultMs: number;
  restartAfterMs: number;
  seed: number;
}

/** The scenario of a failover run: one open-loop phase per trial, the fault anchored on each. */
export function failoverScenario(plan: FailoverPlan): Scenario {
  const phases = Array.from({ length: plan.trials }, (_, i) => ({ type: 'open', name: `trial-${i + 1}`, rate: plan.rate, arrival: 'constant', warmupSeconds: 0, seconds: plan.trialSeconds }));
  const faults = phases.map((p) => ({
    kind: plan.fault,
    phase: p.name,
    atSeconds: plan.faultAtSeconds,
    ...(plan.fault === 'kill-leader' ? { restartAfterMs: plan.restartAfterMs } : { durationMs: plan.faultMs }),
  }));
  const raw: Record<string, unknown> = {
    name: `failover-${plan.fault}`,
    description: `${plan.trials} trials of ${plan.fault} under ${plan.rate} ops/s`,
    system: plan.system,
    ...(plan.system === 'engine' ? { group: { replicas: 3, mode: plan.mode } } : {}),
    payload: { sizeBytes: plan.sizeBytes },
    // A short drain: the next trial must not start while the last one's ops are still pending.
    generator: { workers: 0, seed: plan.seed, drainSeconds: 5 },
    phases,
    faults,
  };
  return resolveScenario(raw, null);
}

export interface FailoverJson {
  trials: number;
  /** Scheduled faults the nemesis could not inject (not counted as trials). */
  skipped: number;
  fault: string;
  unavailableMs: Omit<TrialSummary, 'count'>;
  leaderElectedMs: Omit<TrialSummary, 'count'>;
  recoverTo90Ms: Omit<TrialSummary, 'count'>;
  lost: number | null;
  duplicated: number | null;
  divergent: number | null;
}

function trio(summary: TrialSummary): Omit<TrialSummary, 'count'> {
  return { median: summary.median, p99: summary.p99, max: summary.max };
}

export const failoverCommand: Command = {
  name: 'failover',
  summary: 'measure failover: N trials of a fault under load; median / p99 / max recovery times and a clean ledger',
  usage: '[--system engine] [--mode process|threads] [--kills N] [--fault kill-leader|pause-leader|partition-leader] [--rate OPS] [--json]',
  flags: {
    system: { type: 'string', valueName: 'S', description: 'system: engine, etcd, nats (etcd/nats: kill-leader and pause-leader)', defaultText: 'engine' },
    mode: { type: 'string', valueName: 'M', description: 'engine replicas in process (SIGKILL/SIGSTOP) or threads', defaultText: 'process' },
    kills: { type: 'string', valueName: 'N', description: 'trials (faults injected), 1..200', defaultText: '5' },
    fault: { type: 'string', valueName: 'F', description: 'kill-leader, pause-leader or partition-leader', defaultText: 'kill-leader' },
    rate: { type: 'string', valueName: 'OPS', description: 'steady open-loop load during the trials', defaultText: '1000' },
    size: { type: 'string', valueName: 'BYTES', description: 'payload size', defaultText: '1024' },
    'trial-seconds': { type: 'string', valueName: 'S', description: 'length of one trial (load before, during and after the fault)', defaultText: '3' },
    'fault-at-seconds': { type: 'string', valueName: 'S', description: 'when the fault hits within a trial', defaultText: '1' },
    'fault-ms': { type: 'string', valueName: 'MS', description: 'pause / partition length', defaultText: '1000' },
    seed: { type: 'string', valueName: 'N', description: 'seed of the group and the load', defaultText: '1' },
    out: { type: 'string', valueName: 'FILE', description: 'result file path', defaultText: 'results/<UTC time>-<commit>-failover-<fault>.json' },
  },
  examples: ['logbench failover --mode process --kills 20', 'logbench failover --fault partition-leader --kills 3 --json', 'logbench failover --mode threads --fault pause-leader --kills 5'],
  async run(ctx) {
    const v = ctx.values;
    const outPath = stringFlag(v, 'out');
    checkResultOutput(outPath, defaultResultsDir());
    const fault = choiceFlag(v, 'fault', FAILOVER_FAULTS, 'kill-leader');
    const plan: FailoverPlan = {
      system: stringFlag(v, 'system') ?? 'engine',
      mode: choiceFlag(v, 'mode', ['process', 'threads'] as const, 'process'),
      trials: intFlag(v, 'kills', 5, { min: 1, max: 200 }),
      fault,
      rate: numberFlag(v, 'rate', 1000, { min: 1 }),
      sizeBytes: intFlag(v, 'size', 1024, { min: 16 }),
      trialSeconds: numberFlag(v, 'trial-seconds', 3, { min: 0.5 }),
      faultAtSeconds: numberFlag(v, 'fault-at-seconds', 1, { min: 0.1 }),
      faultMs: intFlag(v, 'fault-ms', 1000, { min: 1, max: 600_000 }),
      restartAfterMs: 1000,
      seed: intFlag(v, 'seed', 1, { min: 0 }),
    };
    if (plan.faultAtSeconds >= plan.trialSeconds) throw new UsageError(`--fault-at-seconds: expected less than --trial-seconds (${plan.trialSeconds}), got ${plan.faultAtSeconds}`);
    let scenario: Scenario;
    try {
      lookupDriver(plan.system);
      scenario = failoverScenario(plan);
    } catch (error) {
      if (error instanceof ScenarioError || error instanceof DriverUnavailableError) throw new UsageError(`logbench failover: ${error.message}`);
      throw error;
    }
    if (!['engine', 'etcd', 'nats'].includes(plan.system)) throw new UsageError(`flag --system: failover needs a system it can kill and pause (engine, etcd, nats); got ${plan.system}`);
    if (plan.system !== 'engine' && plan.fault === 'partition-leader') throw new UsageError(`--fault partition-leader: system ${plan.system} has no network fault layer; expected kill-leader or pause-leader`);

    const startedAt = new Date();
    const environment = collectEnvironment(null);
    const runner = new ScenarioRunner({ scenario, shouldStop: () => false, log: (line) => ctx.log(line) });
    try {
      ctx.log(`failover: ${plan.trials} x ${plan.fault} on ${plan.system}${plan.system === 'engine' ? ` (${plan.mode}, 3 replicas)` : ''} under ${plan.rate} ops/s; ${plan.trialSeconds} s a trial`);
      await runner.connect();
      let failure: unknown;
      try {
        await runner.runAll();
      } catch (error) {
        failure = error;
      }
      const record = await runner.stopFaults();
      if (record === undefined) throw new Error('failover: the run recorded no faults');
      const section = buildFailoverSection({ completions: record.completions, clockToWallMs: record.clockToWallMs, markers: record.nemesis.markers, leaderEvents: record.nemesis.leaderEvents() });
      const acked = runner.outcomes.reduce((s, o) => s + o.recording.counters.acked + o.recording.counters.warmupAcked, 0);
      const ledger = await runLedger({ driver: runner.driver, acks: runner.ackLog, acked });
      const warnings = failure === undefined ? [] : [`run failed: ${failure instanceof Error ? failure.message : String(failure)}`];
      const result = assembleResult({
        scenario,
        driver: runner.driver,
        outcomes: runner.outcomes,
        correctness: ledger.summary,
        environment,
        startedAt,
        finishedAt: new Date(),
        complete: failure === undefined && runner.outcomes.length === scenario.phases.length,
        command: ['logbench', 'failover', ...process.argv.slice(3)],
        failover: section,
        warnings,
      });
      // Everything on screen first: should the file not be writable after all, nothing is lost.
      for (const line of trialLines(section)) ctx.print(line);
      for (const line of summaryLines(result)) if (line.startsWith('correctness') || line.startsWith('warning')) ctx.print(line);
      if (ledger.failureText !== undefined) ctx.log(ledger.failureText);
      const path = writeResult(result, outPath);
      ctx.print(`result: ${path}`);
      // Faults the nemesis skipped (no leader, no live follower) did not happen: not trials.
      const kinds = section.faults.filter((f) => f.kind === plan.fault && !isSkipped(f));
      const json: FailoverJson = {
        trials: kinds.length,
        skipped: section.faults.filter(isSkipped).length,
        fault: plan.fault,
        unavailableMs: trio(summarizeValues(kinds.map((f) => f.unavailableMs))),
        leaderElectedMs: trio(summarizeValues(kinds.map((f) => f.leaderElectedMs))),
        recoverTo90Ms: trio(summarizeValues(kinds.map((f) => f.recoverTo90Ms))),
        lost: ledger.summary.lost,
        duplicated: ledger.summary.duplicated,
        divergent: ledger.summary.divergent,
      };
      ctx.emitJson(json);
      if (failure !== undefined) throw failure;
      return ledger.summary.ledger === 'failed' ? 1 : 0;
    } finally {
      await runner.close();
    }
  },
};

/** One row per trial, then median / p99 / max of each metric. */
function trialLines(section: FailoverSection): string[] {
  const ms = (x: number | null): string => (x === null ? '-' : `${Math.round(x)}`);
  const us = (x: number | null): string => (x === null ? '-' : `${(x / 1000).toFixed(1)}`);
  const rows: string[][] = [['trial', 'fault', 'target', 'leader ms', 'unavail ms', 'gap ms', 'to 90% ms', 'dip', 'old steps down ms', 'p99 before', 'p99 during', 'p99 after (ms)']];
  const trials = section.faults.filter((f) => !isSkipped(f));
  trials.forEach((f, i) => {
    rows.push([String(i + 1), f.kind, f.target, ms(f.leaderElectedMs), ms(f.unavailableMs), ms(f.longestGapMs), ms(f.recoverTo90Ms), f.dipFraction === null ? '-' : f.dipFraction.toFixed(2), ms(f.oldLeaderSteppedDownMs), us(f.p99UsBefore), us(f.p99UsDuring), us(f.p99UsAfter)]);
  });
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  const stat = (name: string, values: Array<number | null>): string => {
    const s = summarizeValues(values);
    return `${name.padEnd(22)} median ${ms(s.median).padStart(6)}  p99 ${ms(s.p99).padStart(6)}  max ${ms(s.max).padStart(6)}  (${s.count} trials)`;
  };
  lines.push(
    '',
    stat('leader elected ms', trials.map((f) => f.leaderElectedMs)),
    stat('unavailable ms', trials.map((f) => f.unavailableMs)),
    stat('longest gap ms', trials.map((f) => f.longestGapMs)),
    stat('back to 90% ms', trials.map((f) => f.recoverTo90Ms)),
  );
  const skipped = section.faults.length - trials.length;
  if (skipped > 0) lines.push(`${skipped} scheduled fault${skipped === 1 ? ' was' : 's were'} skipped (not trials; see the notes)`);
  for (const f of section.faults) if (f.note !== null) lines.push(`note: ${f.kind}: ${f.note}`);
  return lines;
}
