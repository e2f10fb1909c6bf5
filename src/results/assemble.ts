// Builds the result object of a run from the runner's phase outcomes, the correctness outcome
// and the environment. Pure assembly: no I/O besides what its inputs already hold.

import type { Scenario } from '../load/scenario.js';
import type { PhaseOutcome } from '../load/run-scenario.js';
import type { Driver } from '../drivers/types.js';
import { buildPhaseResult } from './phase-result.js';
import { RESULT_SCHEMA_ID } from './result-schema.js';
import { unsteadyPhaseWarnings } from './steadiness.js';
import type { FailoverSection } from './failover-section.js';
import type { CorrectnessSummary, Environment, FindMaxSection, RunResult } from './result-types.js';

export interface AssembleInput {
  scenario: Scenario;
  driver: Driver;
  outcomes: readonly PhaseOutcome[];
  correctness: CorrectnessSummary;
  environment: Environment;
  startedAt: Date;
  finishedAt: Date;
  complete: boolean;
  command: string[];
  findMax?: FindMaxSection | null;
  failover?: FailoverSection | null;
  warnings?: string[];
  diagnostics?: Record<string, number>;
}

export function assembleResult(input: AssembleInput): RunResult {
  const { scenario } = input;
  const phases = input.outcomes.map((o) => buildPhaseResult(o, scenario.generator, scenario.payload.sizeBytes, input.environment, input.correctness.ledger));
  const unsteady = unsteadyPhaseWarnings(phases, scenario.faults.length > 0);
  return {
    schema: RESULT_SCHEMA_ID,
    complete: input.complete,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    wallSeconds: Math.max(0, (input.finishedAt.getTime() - input.startedAt.getTime()) / 1000),
    command: input.command,
    // A JSON round trip drops undefined fields, which the schema's closed objects would reject.
    scenario: JSON.parse(JSON.stringify(scenario)) as Scenario,
    system: { name: input.driver.system, durability: input.driver.durability, settings: { ...input.driver.settings }, ...(input.diagnostics !== undefined ? { diagnostics: { ...input.diagnostics } } : {}) },
    environment: input.environment,
    phases,
    correctness: input.correctness,
    failover: input.failover ?? null,
    findMax: input.findMax ?? null,
    warnings: [...(input.warnings ?? []), ...unsteady],
  };
}

/** The phase whose numbers stand for the run in one-line outputs: the first closed-loop phase, else the first. */
export function headlinePhase(result: RunResult): RunResult['phases'][number] | undefined {
  return result.phases.find((p) => p.type === 'closed') ?? result.phases[0];
}

/** The `--json` object of `logbench run` (the engine issue's fields plus the result path). */
export function runJson(result: RunResult, resultPath: string): Record<string, unknown> {
  const head = headlinePhase(result);
  const saturated = head?.generator.saturated ?? false;
  // A saturated phase measured the generator: its numbers are withheld, not passed off.
  const n = (value: number | undefined): number | null => (head === undefined || saturated || value === undefined ? null : value);
  const c = result.correctness;
  return {
    system: result.system.name,
    // What the system ran with (an external engine says mode "external"), else what the scenario asked.
    mode: (result.system.settings['mode'] as string | undefined) ?? (result.scenario.group['mode'] as string | undefined) ?? null,
    replicas: (result.system.settings['replicas'] as number | undefined) ?? (result.scenario.group['replicas'] as number | undefined) ?? null,
    conc: head?.target.concurrency ?? null,
    sizeBytes: result.scenario.payload.sizeBytes,
    seconds: head?.measuredSeconds ?? 0,
    opsPerSec: n(head?.throughput.opsPerSec),
    p50Us: n(head?.latencyUs.corrected.p50Us),
    p99Us: n(head?.latencyUs.corrected.p99Us),
    p999Us: n(head?.latencyUs.corrected.p999Us),
    maxUs: n(head?.latencyUs.corrected.maxUs),
    acked: c.acked,
    lost: c.lost,
    duplicated: c.duplicated,
    divergent: c.divergent,
    ledger: c.ledger,
    ledgerReason: c.reason,
    generatorSaturated: saturated,
    complete: result.complete,
    scenario: result.scenario.name,
    settings: result.system.settings,
    phases: result.phases.map((p) => ({
      name: p.name,
      type: p.type,
      opsPerSec: p.generator.saturated ? null : p.throughput.opsPerSec,
      p50Us: p.generator.saturated ? null : p.latencyUs.corrected.p50Us,
      p99Us: p.generator.saturated ? null : p.latencyUs.corrected.p99Us,
      p999Us: p.generator.saturated ? null : p.latencyUs.corrected.p999Us,
      maxUs: p.generator.saturated ? null : p.latencyUs.corrected.maxUs,
      serviceTimeP99Us: p.latencyUs.serviceTime.p99Us,
      errors: p.ops.errors,
      generatorSaturated: p.generator.saturated,
      coordinatedOmissionCorrected: p.generator.coordinatedOmissionCorrected,
    })),
    findMax: result.findMax === null ? null : { slo: result.findMax.slo, kneeRate: result.findMax.kneeRate, kneeOpsPerSec: result.findMax.kneeOpsPerSec },
    resultPath,
  };
}
