// Resolved phase and generator settings: what one generator runs, after the scenario file's
// sugar (rate steps, rateOfPhase, CLI overrides) has been resolved. Plain data: it is sent to
// piscina workers as is.

import type { Arrival } from './schedule.js';

interface PhaseCommon {
  name: string;
  /** Unmeasured prefix of the phase. */
  warmupSeconds: number;
  /** Measured length after warm-up; with `ops`, a cap on the measured length. */
  seconds?: number;
  /** Measured op count (issued after warm-up); the phase ends when this many were issued. */
  ops?: number;
}

export interface ClosedPhaseSpec extends PhaseCommon {
  type: 'closed';
  /** Ops outstanding at all times (each issued when one completes). */
  concurrency: number;
}

export interface OpenPhaseSpec extends PhaseCommon {
  type: 'open';
  /** Target ops per second (after the ramp). */
  rate: number;
  arrival: Arrival;
  rampFromRate?: number;
  rampSeconds?: number;
}

export type PhaseSpec = ClosedPhaseSpec | OpenPhaseSpec;

export interface GeneratorSettings {
  /** Load threads (piscina workers); 0 = generate on the main thread. */
  workers: number;
  /**
   * Open loop: ops in flight at most. An arrival that finds every slot busy waits in the generator
   * (its latency still counts from its intended time) — the stall is charged to the system.
   */
  outstandingMax: number;
  /** Open loop: arrivals more than this many ops behind schedule are dropped and counted as omitted. */
  backlogMax: number;
  /** Open loop: an op issued later than this after it was ready (due, slot free) is "late". */
  scheduleLagMsMax: number;
  /** Open loop: more late ops than this fraction marks the phase generatorSaturated. */
  scheduleLagFractionMax: number;
  /** After the load stops, wait this long for outstanding acks; the rest count as errors. */
  drainSeconds: number;
  /** Closed loop: a completion gap longer than this is reported as a stall the percentiles hide. */
  stallWarnMs: number;
  /** Phases given by op count stop after this many measured seconds at most. */
  opsPhaseSecondsMax: number;
  /** Bound on the acks kept for the correctness ledger (per run). */
  acksMax: number;
  /** Keep acks for the ledger: auto = when the system can read its log back. */
  recordAcks: 'auto' | 'always' | 'never';
  seed: number;
}

export const GENERATOR_DEFAULTS: GeneratorSettings = {
  workers: 0,
  outstandingMax: 4096,
  backlogMax: 1_000_000,
  scheduleLagMsMax: 10,
  scheduleLagFractionMax: 0.01,
  drainSeconds: 10,
  stallWarnMs: 200,
  opsPhaseSecondsMax: 600,
  acksMax: 8_388_608,
  recordAcks: 'auto',
  seed: 1,
};

/** Total wall length of a phase when it is time-bounded (warm-up + measured). */
export function phaseSecondsTotal(phase: PhaseSpec, settings: GeneratorSettings): number {
  return phase.warmupSeconds + (phase.seconds ?? settings.opsPhaseSecondsMax);
}
