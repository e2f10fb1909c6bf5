// `logbench sim`: runs the seeded deterministic simulator over many seeds (on worker threads) or
// replays one seed, optionally printing its event trace. Exit 1 on any invariant violation.

import { boolFlag, intChoiceFlag, intFlag, stringFlag, UsageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { raftNodeFactory } from '../../sim/default-core.js';
import { runSeeds, seedMax } from '../../sim/pool.js';
import { livenessTicksMax, runSeed, simReplicaChoices, simStepsDefault } from '../../sim/simulator.js';
import type { Violation } from '../../sim/violation.js';

const seedsDefault = 1000;
const startSeedDefault = 1;
const workersDefault = 2;
const stepsMax = 10_000_000;
/** Violations listed one by one; the rest are counted. */
const violationsListedMax = 20;
const progressEveryMs = 10_000;

export const simCommand: Command = {
  name: 'sim',
  summary: 'run the seeded deterministic simulator of a replica group with injected faults',
  usage: '[--seeds N] [--start-seed S] [--replicas 3|5] [--steps K] | --seed S [--trace]',
  flags: {
    seeds: { type: 'string', valueName: 'N', description: 'number of seeds to run', defaultText: String(seedsDefault) },
    'start-seed': { type: 'string', valueName: 'S', description: 'first seed of the range', defaultText: String(startSeedDefault) },
    seed: { type: 'string', valueName: 'S', description: 'run (replay) this one seed only' },
    replicas: { type: 'string', valueName: '3|5', description: 'replicas in the simulated group', defaultText: '3' },
    steps: { type: 'string', valueName: 'K', description: 'fault-injection steps per seed (a quiet liveness phase follows)', defaultText: String(simStepsDefault) },
    trace: { type: 'boolean', description: 'with --seed: print the event trace, one line per event' },
    workers: { type: 'string', valueName: 'N', description: 'worker threads for a range of seeds', defaultText: String(workersDefault) },
  },
  examples: [
    'logbench sim --seeds 10000',
    'logbench sim --seeds 500 --replicas 5 --json',
    'logbench sim --seed 42 --replicas 3 --trace',
  ],
  run: runSim,
};

async function runSim(ctx: CommandContext): Promise<number> {
  const { values } = ctx;
  const replicas = intChoiceFlag(values, 'replicas', simReplicaChoices, 3);
  const steps = intFlag(values, 'steps', simStepsDefault, { min: 0, max: stepsMax });
  const trace = boolFlag(values, 'trace');
  const single = stringFlag(values, 'seed');
  if (single !== undefined) {
    for (const other of ['seeds', 'start-seed', 'workers']) {
      if (values[other] !== undefined) throw new UsageError(`logbench sim: flag --${other} cannot be combined with --seed (which runs one seed)`);
    }
    const seed = intFlag(values, 'seed', 0, { min: 0, max: seedMax });
    return runOne(ctx, seed, replicas, steps, trace);
  }
  if (trace) throw new UsageError('logbench sim: flag --trace: expected together with --seed S (a trace is printed for one seed)');
  const seeds = intFlag(values, 'seeds', seedsDefault, { min: 1, max: seedMax });
  const startSeed = intFlag(values, 'start-seed', startSeedDefault, { min: 0, max: seedMax });
  if (startSeed + seeds - 1 > seedMax) throw new UsageError(`logbench sim: flags --start-seed and --seeds: the last seed ${startSeed + seeds - 1} exceeds ${seedMax}`);
  const workers = intFlag(values, 'workers', workersDefault, { min: 0, max: 64 });

  const startedMs = performance.now();
  let lastProgressMs = startedMs;
  const result = await runSeeds({
    startSeed,
    seeds,
    replicas,
    steps,
    workers,
    onProgress: (done, violations) => {
      const nowMs = performance.now();
      if (nowMs - lastProgressMs < progressEveryMs || done === seeds) return;
      lastProgressMs = nowMs;
      ctx.log(`sim: ${done}/${seeds} seeds, ${violations} violation(s), ${((nowMs - startedMs) / 1000).toFixed(0)} s`);
    },
  });
  const wallMs = Math.round(performance.now() - startedMs);
  const failingSeeds = [...new Set(result.violations.map((v) => v.seed))];
  ctx.print(
    `sim: ${result.seeds} seeds (${startSeed}..${startSeed + seeds - 1}), ${replicas} replicas, ${steps} fault steps each: ` +
      `${result.violations.length} violation(s); ${result.steps} steps in ${(wallMs / 1000).toFixed(1)} s; ` +
      `slowest recovery after faults: ${result.livenessTicksWorst} of ${livenessTicksMax} ticks allowed`,
  );
  printViolations(ctx, result.violations, replicas, steps);
  ctx.emitJson({ seeds: result.seeds, violations: result.violations.length, failingSeeds, steps: result.steps, wallMs });
  return result.violations.length === 0 ? 0 : 1;
}

function runOne(ctx: CommandContext, seed: number, replicas: number, steps: number, trace: boolean): number {
  const startedMs = performance.now();
  const result = runSeed({ seed, replicas, steps, factory: raftNodeFactory, ...(trace ? { trace: (line: string) => ctx.print(line) } : {}) });
  const wallMs = Math.round(performance.now() - startedMs);
  const s = result.stats;
  ctx.print(
    `sim: seed ${seed}, ${replicas} replicas: ${result.violation === undefined ? 'ok' : 'VIOLATION'}; ${s.steps} steps, ` +
      `committed through ${s.committedIndexMax}, ${s.leaderTerms} leader term(s), ${s.crashes} crash(es) (${s.tornWrites} torn), ` +
      `${s.partitions} partition(s), ${s.messagesSent} messages sent (${s.messagesLost} lost)` +
      (s.livenessTicks >= 0 ? `, new proposal committed ${s.livenessTicks} ticks after faults stopped` : ''),
  );
  const violations = result.violation === undefined ? [] : [result.violation];
  printViolations(ctx, violations, replicas, steps);
  ctx.emitJson({ seeds: 1, violations: violations.length, failingSeeds: violations.map((v) => v.seed), steps: s.steps, wallMs });
  return violations.length === 0 ? 0 : 1;
}

function printViolations(ctx: CommandContext, violations: readonly Violation[], replicas: number, steps: number): void {
  for (const line of violationLines(violations, replicas, steps)) ctx.print(line);
}

/** What a user sees per violation: seed, invariant, step, description, and how to replay it. */
export function violationLines(violations: readonly Violation[], replicas: number, steps: number): string[] {
  const lines: string[] = [];
  for (const v of violations.slice(0, violationsListedMax)) {
    lines.push(`violation: seed ${v.seed}, invariant ${v.invariant}, step ${v.step}: ${v.description}`);
    lines.push(`  replay: ${replayCommand(v.seed, replicas, steps)}`);
  }
  if (violations.length > violationsListedMax) lines.push(`... and ${violations.length - violationsListedMax} more violation(s)`);
  return lines;
}

export function replayCommand(seed: number, replicas: number, steps: number): string {
  return `logbench sim --seed ${seed} --replicas ${replicas}${steps === simStepsDefault ? '' : ` --steps ${steps}`} --trace`;
}
