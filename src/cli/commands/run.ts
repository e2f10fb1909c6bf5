// `logbench run [SCENARIO]`: runs a scenario file (or a one-phase scenario built from flags)
// against a system, shows live progress, prints a summary table, writes the result file.
// Exit codes: 0 ok, 1 failure (error, or the ledger found a problem), 2 bad input, 130 Ctrl-C
// (the result is still written, marked "complete": false).

import { choiceFlag, intFlag, listFlag, boolFlag, numberFlag, stringFlag, UsageError } from '../args.js';
import { checkResultOutput } from '../output-path.js';
import type { Command, CommandContext } from '../command.js';
import { DriverUnavailableError, KNOWN_SYSTEMS, lookupDriver } from '../../drivers/registry.js';
import type { Driver } from '../../drivers/types.js';
import { findMax, parseSlo, SloError, type CurvePoint } from '../../load/find-max.js';
import { percentilesOf, decodeHistogram } from '../../load/histogram.js';
import type { OpenPhaseSpec } from '../../load/phase-spec.js';
import { ProgressPrinter } from '../../load/progress.js';
import { achievedOpsPerSec, ScenarioRunner, type PhaseOutcome } from '../../load/run-scenario.js';
import { AgentRunner, parseAgents } from '../../load/agent-controller.js';
import { AutocannonRunner } from '../../load/autocannon-runner.js';
import { loadScenarioWithOverrides, scenarioFromFlags, ScenarioError, type CliOverrides, type Scenario } from '../../load/scenario.js';
import { assembleResult, runJson } from '../../results/assemble.js';
import { runLedger } from '../../results/correctness.js';
import { buildFailoverSection, failoverSummaryLines, type FailoverSection } from '../../results/failover-section.js';
import { collectEnvironment } from '../../results/environment.js';
import type { FindMaxSection } from '../../results/result-types.js';
import { summaryLines } from '../../results/summary.js';
import { defaultResultsDir, writeResult } from '../../results/write-result.js';
import { round1 } from '../../round.js';

/** Exit codes of a run stopped by a signal (128 + its number), after the partial result is written. */
const EXIT_ON_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;
const GENERATORS = ['logbench', 'autocannon'] as const;

/** What run needs of a runner: the local one, the agents' controller, or the autocannon one. */
type Runner = Pick<ScenarioRunner, 'driver' | 'ackLog' | 'outcomes' | 'connect' | 'runAll' | 'runPhase' | 'live' | 'close'>;

/** The system's own figures after the load (Driver.diagnostics); a failure to get them is a warning, not a failed run. */
async function systemDiagnostics(driver: Driver, warnings: string[]): Promise<Record<string, number> | undefined> {
  if (driver.diagnostics === undefined) return undefined;
  try {
    return await driver.diagnostics();
  } catch (error) {
    warnings.push(`system diagnostics unavailable: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function cliOverrides(ctx: CommandContext): CliOverrides {
  const v = ctx.values;
  const num = (name: string): number | undefined => (stringFlag(v, name) === undefined ? undefined : intFlag(v, name, 0, { min: 1 }));
  return {
    system: stringFlag(v, 'system'),
    mode: stringFlag(v, 'mode'),
    replicas: num('replicas'),
    conc: num('conc'),
    sizeBytes: num('size'),
    seconds: stringFlag(v, 'seconds') === undefined ? undefined : numberFlag(v, 'seconds', 0, { min: 0.001 }),
    rate: stringFlag(v, 'rate') === undefined ? undefined : numberFlag(v, 'rate', 0, { min: 0.001 }),
    workers: stringFlag(v, 'workers') === undefined ? undefined : intFlag(v, 'workers', 0, { min: 0, max: 64 }),
    endpoints: stringFlag(v, 'endpoints')?.split(',').map((s) => s.trim()).filter((s) => s !== ''),
  };
}

/**
 * The scenario `logbench run [FILE] --set ...` would run, or a UsageError naming what is wrong; also
 * for the commands that start `run` as a child (profile, ab), to refuse bad input before they start
 * anything (`command` then prefixes the message with `logbench COMMAND: `).
 */
export function scenarioForRun(file: string | undefined, sets: readonly string[], flags: CliOverrides = {}, command?: string): Scenario {
  try {
    const scenario = file !== undefined ? loadScenarioWithOverrides(file, sets, flags) : scenarioFromFlags(flags, sets);
    lookupDriver(scenario.system);
    return scenario;
  } catch (error) {
    if (error instanceof ScenarioError || error instanceof DriverUnavailableError) throw new UsageError(`${command !== undefined ? `logbench ${command}: ` : ''}${error.message}`);
    throw error;
  }
}

function buildScenario(ctx: CommandContext): Scenario {
  const flags = cliOverrides(ctx);
  const sets = listFlag(ctx.values, 'set');
  const file = ctx.positionals[0];
  // Without a file, --generator autocannon runs autocannon's closed loop, then logbench's open
  // loop at half its rate on the same gateway.
  const autocannonDefaults = file === undefined && stringFlag(ctx.values, 'generator') === 'autocannon' && flags.rate === undefined
    ? ['phases[1].type=open', 'phases[1].name=open', 'phases[1].rateOfPhase.phase=closed', 'phases[1].rateOfPhase.fraction=0.5', `phases[1].seconds=${flags.seconds ?? 10}`, `phases[1].warmupSeconds=${(flags.seconds ?? 10) >= 5 ? 1 : 0}`]
    : [];
  return scenarioForRun(file, [...autocannonDefaults, ...sets], flags);
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run a load scenario against a system and write a result file',
  usage: '[SCENARIO] [--set key.path=value ...] [--out FILE] [--system S] [--conc N] [--seconds S] [--find-max --slo "p99<10ms"] [--json]',
  positionals: { min: 0, max: 1, names: 'at most one SCENARIO file' },
  flags: {
    set: { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'override a scenario field, e.g. phases[1].rate=5000 (repeatable)' },
    out: { type: 'string', valueName: 'FILE', description: 'result file path', defaultText: 'results/<UTC time>-<commit>-<scenario>.json' },
    system: { type: 'string', valueName: 'S', description: `system to measure: ${KNOWN_SYSTEMS.join(', ')} (overrides the scenario)` },
    mode: { type: 'string', valueName: 'M', description: 'engine replicas in threads or process (group.mode)' },
    replicas: { type: 'string', valueName: 'N', description: 'replicas: 1, 3, 5, 7 (group.replicas)' },
    conc: { type: 'string', valueName: 'N', description: 'closed-loop concurrency (every closed phase)', defaultText: '256 without a scenario' },
    size: { type: 'string', valueName: 'BYTES', description: 'payload size in bytes (payload.sizeBytes)', defaultText: '1024' },
    seconds: { type: 'string', valueName: 'S', description: 'measured seconds of every phase', defaultText: '10 without a scenario' },
    rate: { type: 'string', valueName: 'OPS', description: 'open-loop rate (every open phase; without a scenario: one open phase)' },
    workers: { type: 'string', valueName: 'N', description: 'load threads (generator.workers; 0 = main thread)' },
    'find-max': { type: 'boolean', description: 'search the highest open-loop rate meeting --slo and print the curve' },
    slo: { type: 'string', valueName: 'SLO', description: 'latency objective for --find-max, e.g. "p99<10ms" or "p50<2ms,p99.9<50ms"' },
    'start-rate': { type: 'string', valueName: 'OPS', description: '--find-max: first rate probed', defaultText: '1000' },
    'steps-max': { type: 'string', valueName: 'N', description: '--find-max: probes at most', defaultText: '12' },
    'step-seconds': { type: 'string', valueName: 'S', description: '--find-max: measured seconds per probe (after 1 s warm-up)', defaultText: '5' },
    endpoints: { type: 'string', valueName: 'LIST', description: 'use a running system (driver.endpoints): engine ID=HOST:PORT client ports; etcd/nats client URLs; http the gateway URL' },
    generator: { type: 'string', valueName: 'G', description: 'logbench, or autocannon (closed phases by autocannon against --system http; open phases by logbench)', defaultText: 'logbench' },
    agents: { type: 'string', valueName: 'LIST', description: 'load agents HOST:PORT,... (`logbench agent`) that share the load; needs --endpoints' },
    token: { type: 'string', valueName: 'T', description: 'token of the agents and of a remote engine group (or LOGBENCH_TOKEN)' },
  },
  examples: [
    'logbench run bench/scenarios/default.yaml',
    'logbench run bench/scenarios/null.yaml --set phases[0].concurrency=64 --json',
    'logbench run --system engine --mode threads --replicas 3 --conc 256 --size 1024 --seconds 10 --json',
    'logbench run bench/scenarios/null.yaml --find-max --slo "p99<10ms"',
    'logbench run --system etcd --conc 64 --seconds 10',
    'logbench run --system nats --endpoints nats://10.0.0.5:4222 --conc 64',
    'logbench run --generator autocannon --system http --endpoints http://127.0.0.1:8080 --conc 64 --seconds 10',
    'logbench run --agents 10.0.0.11:7400,10.0.0.12:7400 --token T --system engine --endpoints 1=10.0.0.1:8001,2=10.0.0.2:8001,3=10.0.0.3:8001',
  ],
  async run(ctx) {
    const scenario = buildScenario(ctx);
    const findMaxWanted = boolFlag(ctx.values, 'find-max');
    const sloText = stringFlag(ctx.values, 'slo');
    if (findMaxWanted && sloText === undefined) throw new UsageError('logbench run: --find-max needs --slo, e.g. --slo "p99<10ms"');
    if (!findMaxWanted && sloText !== undefined) throw new UsageError('logbench run: --slo is only used with --find-max');
    if (findMaxWanted && ctx.values['rate'] !== undefined) throw new UsageError('logbench run: --rate does not apply with --find-max, which chooses the rates (give the first one with --start-rate)');
    for (const flag of ['start-rate', 'steps-max', 'step-seconds']) {
      if (!findMaxWanted && ctx.values[flag] !== undefined) throw new UsageError(`logbench run: --${flag} is only used with --find-max`);
    }
    let slo: ReturnType<typeof parseSlo> = [];
    try {
      if (sloText !== undefined) slo = parseSlo(sloText);
    } catch (error) {
      if (error instanceof SloError) throw new UsageError(error.message);
      throw error;
    }
    const startRate = numberFlag(ctx.values, 'start-rate', 1000, { min: 1 });
    const stepsMax = intFlag(ctx.values, 'steps-max', 12, { min: 1, max: 100 });
    const stepSeconds = numberFlag(ctx.values, 'step-seconds', 5, { min: 0.1 });
    const outPath = stringFlag(ctx.values, 'out');
    checkResultOutput(outPath, defaultResultsDir());
    const generatorName = choiceFlag(ctx.values, 'generator', GENERATORS, 'logbench');
    const agentsText = stringFlag(ctx.values, 'agents');
    const token = stringFlag(ctx.values, 'token') ?? process.env['LOGBENCH_TOKEN'] ?? '';
    // The remote engine driver (here and in load workers) reads the group's token from LOGBENCH_TOKEN;
    // without it, the group is assumed to share the agents' token.
    if (token !== '' && process.env['LOGBENCH_TOKEN'] === undefined) process.env['LOGBENCH_TOKEN'] = token;
    if (agentsText !== undefined && generatorName === 'autocannon') throw new UsageError('logbench run: --generator autocannon runs on this host; it cannot be combined with --agents');

    // Ctrl-C, or a CI job cancelled (SIGTERM): stop the load, check and write what was measured.
    let stopRequested = false;
    let stopSignal: keyof typeof EXIT_ON_SIGNAL = 'SIGINT';
    const onStopSignal = (signal: keyof typeof EXIT_ON_SIGNAL): void => {
      if (stopRequested) process.exit(EXIT_ON_SIGNAL[signal]);
      stopRequested = true;
      stopSignal = signal;
      ctx.log(`logbench run: ${signal}: stopping (again to quit at once); writing the partial result`);
    };
    process.on('SIGINT', onStopSignal);
    process.on('SIGTERM', onStopSignal);
    const startedAt = new Date();
    const environment = collectEnvironment(typeof scenario.group['dataDir'] === 'string' ? scenario.group['dataDir'] : null);
    let runner: Runner | undefined;
    let autocannonRunner: AutocannonRunner | undefined;
    const progress = new ProgressPrinter({ isTTY: process.stderr.isTTY === true, write: (t) => process.stderr.write(t) }, () => runner?.live());
    const warnings: string[] = [];
    let findMaxSection: FindMaxSection | null = null;
    let failure: unknown;
    try {
      try {
        const shouldStop = (): boolean => stopRequested;
        if (agentsText !== undefined) {
          runner = new AgentRunner(scenario, parseAgents(agentsText), token, shouldStop, (line) => ctx.log(line));
          warnings.push(`load generated by ${agentsText.split(',').length} agents (${agentsText}); their recordings were merged`);
        } else if (generatorName === 'autocannon') {
          runner = autocannonRunner = new AutocannonRunner(scenario, shouldStop);
        } else {
          runner = new ScenarioRunner({ scenario, shouldStop, log: (line) => progress.message(line) });
        }
      } catch (error) {
        if (error instanceof ScenarioError) throw new UsageError(error.message);
        throw error;
      }
      await runner.connect();
      progress.start();
      try {
        if (findMaxWanted) findMaxSection = await runFindMax(ctx, runner, scenario, slo, { startRate, stepsMax, stepSeconds }, () => stopRequested, (line) => progress.message(line));
        else await runner.runAll();
      } catch (error) {
        if (error instanceof ScenarioError) throw new UsageError(error.message);
        failure = error;
      } finally {
        progress.stop();
      }
      if (runner.outcomes.length === 0 && failure !== undefined) throw failure;
      const acked = runner.outcomes.reduce((s, o) => s + o.recording.counters.acked + o.recording.counters.warmupAcked, 0);
      // Faults end (and are undone) before the ledger reads the replicas back.
      const faultRecord = runner instanceof ScenarioRunner ? await runner.stopFaults() : undefined;
      const failover: FailoverSection | null =
        faultRecord === undefined
          ? null
          : buildFailoverSection({ completions: faultRecord.completions, clockToWallMs: faultRecord.clockToWallMs, markers: faultRecord.nemesis.markers, leaderEvents: faultRecord.nemesis.leaderEvents() });
      const diagnostics = await systemDiagnostics(runner.driver, warnings);
      const ledger = await runLedger({ driver: runner.driver, acks: runner.ackLog, acked });
      const correctness = ledger.summary;
      if (autocannonRunner !== undefined) warnings.push(...autocannonRunner.notes);
      if (failure !== undefined) warnings.push(`run failed: ${failure instanceof Error ? failure.message : String(failure)}`);
      // Complete = every planned phase ran to its end (a find-max walk plans its own phases).
      const complete = !stopRequested && failure === undefined && (findMaxWanted || runner.outcomes.length === scenario.phases.length);
      const result = assembleResult({
        scenario,
        driver: runner.driver,
        outcomes: runner.outcomes,
        correctness,
        environment,
        startedAt,
        finishedAt: new Date(),
        complete,
        command: ['logbench', 'run', ...process.argv.slice(3)],
        findMax: findMaxSection,
        failover,
        warnings,
        ...(diagnostics !== undefined ? { diagnostics } : {}),
      });
      // Everything on screen first: should the file not be writable after all, nothing is lost.
      for (const line of summaryLines(result)) ctx.print(line);
      if (failover !== null) for (const line of failoverSummaryLines(failover)) ctx.print(line);
      if (ledger.failureText !== undefined) ctx.log(ledger.failureText);
      const path = writeResult(result, outPath);
      ctx.print(`result: ${path}`);
      ctx.emitJson(runJson(result, path));
      if (failure !== undefined) throw failure;
      if (stopRequested) return EXIT_ON_SIGNAL[stopSignal];
      return correctness.ledger === 'failed' ? 1 : 0;
    } finally {
      process.off('SIGINT', onStopSignal);
      process.off('SIGTERM', onStopSignal);
      await runner?.close();
    }
  },
};

interface FindMaxParams {
  startRate: number;
  stepsMax: number;
  stepSeconds: number;
}

async function runFindMax(
  ctx: CommandContext,
  runner: Runner,
  scenario: Scenario,
  slo: ReturnType<typeof parseSlo>,
  params: FindMaxParams,
  shouldStop: () => boolean,
  message: (line: string) => void,
): Promise<FindMaxSection> {
  const template = scenario.phases.find((p) => p.type === 'open');
  const arrival = template?.type === 'open' ? template.arrival : 'constant';
  const sloText = slo.map((t) => t.text).join(',');
  message(`find-max: SLO ${sloText}; doubling from ${params.startRate} ops/s, then bisecting; at most ${params.stepsMax} probes of ${params.stepSeconds} s`);
  message('  rate(target)  achieved ops/s       p50       p99     p99.9  saturated  verdict');
  const outcome = await findMax({
    slo,
    startRate: params.startRate,
    stepsMax: params.stepsMax,
    resolution: 0.05,
    async probe(rate, step) {
      if (shouldStop()) return undefined;
      const spec: OpenPhaseSpec = { type: 'open', name: `findmax-${step + 1}`, rate, arrival, warmupSeconds: 1, seconds: params.stepSeconds };
      const result: PhaseOutcome = await runner.runPhase(spec, step);
      if (result.interrupted) return undefined;
      const counters = result.recording.counters;
      const settings = scenario.generator;
      const lateFraction = counters.scheduledOps > 0 ? counters.lateOps / counters.scheduledOps : 0;
      return {
        rate,
        opsPerSec: achievedOpsPerSec(result.recording),
        latency: percentilesOf(decodeHistogram(result.recording.corrected)),
        saturated: lateFraction > settings.scheduleLagFractionMax,
        errors: counters.errors + counters.omitted,
        phase: spec.name,
      };
    },
    onPoint(p: CurvePoint) {
      const f = (us: number): string => `${(us / 1000).toFixed(2)}ms`.padStart(9);
      message(`  ${String(Math.round(p.rate)).padStart(12)}  ${String(Math.round(p.opsPerSec)).padStart(14)}  ${f(p.latency.p50Us)} ${f(p.latency.p99Us)} ${f(p.latency.p999Us)}  ${(p.saturated ? 'yes' : 'no').padStart(9)}  ${p.verdict}`);
    },
  });
  const knee = outcome.knee;
  message(knee !== undefined ? `find-max: highest rate meeting ${sloText}: ${Math.round(knee.rate)} ops/s (achieved ${Math.round(knee.opsPerSec)})` : `find-max: no probed rate met ${sloText}`);
  void ctx;
  return {
    slo: sloText,
    kneeRate: knee?.rate ?? null,
    kneeOpsPerSec: knee !== undefined ? round1(knee.opsPerSec) : null,
    curve: outcome.curve.map((p) => ({ rate: p.rate, opsPerSec: round1(p.opsPerSec), p50Us: p.latency.p50Us, p99Us: p.latency.p99Us, p999Us: p.latency.p999Us, saturated: p.saturated, meetsSlo: p.meetsSlo, phase: p.phase })),
  };
}
