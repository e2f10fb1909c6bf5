// Runs one phase share on the current thread: builds the generator for the phase type and
// returns its recording. Used directly (workers: 0) and inside each piscina worker.

import { unreachable } from '../assert.js';
import type { Driver } from '../drivers/types.js';
import type { AckLog } from './ack-log.js';
import type { Clock } from './clock.js';
import type { CompletionLog } from './completion-log.js';
import { ClosedLoopGenerator } from './closed-loop.js';
import type { SlotGenerator } from './generator.js';
import { OpenLoopGenerator } from './open-loop.js';
import type { GeneratorSettings, PhaseSpec } from './phase-spec.js';

export interface PhaseShare {
  driver: Driver;
  clock: Clock;
  phase: PhaseSpec;
  phaseIndex: number;
  workerIndex: number;
  settings: GeneratorSettings;
  sizeBytes: number;
  ackLog: AckLog | undefined;
  /** Per-op completion times (runs with faults); undefined = not kept. */
  completions?: CompletionLog | undefined;
  shouldStop: () => boolean;
}

export function createGenerator(share: PhaseShare): SlotGenerator {
  const env = {
    driver: share.driver,
    clock: share.clock,
    settings: share.settings,
    phaseIndex: share.phaseIndex,
    workerIndex: share.workerIndex,
    sizeBytes: share.sizeBytes,
    ackLog: share.ackLog,
    completions: share.completions,
    shouldStop: share.shouldStop,
  };
  const phase = share.phase;
  switch (phase.type) {
    case 'closed':
      return new ClosedLoopGenerator(env, phase);
    case 'open':
      return new OpenLoopGenerator(env, phase);
    default:
      return unreachable(phase, 'phase type');
  }
}

/** Splits a phase between `workers` generators (concurrency, rate, op count and outstanding slots). */
export function splitPhase(phase: PhaseSpec, settings: GeneratorSettings, workers: number, workerIndex: number): { phase: PhaseSpec; settings: GeneratorSettings } {
  const share = (total: number): number => Math.floor(total / workers) + (workerIndex < total % workers ? 1 : 0);
  const ops = phase.ops !== undefined ? { ops: share(phase.ops) } : {};
  const outstandingMax = Math.max(1, Math.ceil(settings.outstandingMax / workers));
  const split = { ...settings, outstandingMax };
  if (phase.type === 'closed') return { phase: { ...phase, ...ops, concurrency: share(phase.concurrency) }, settings: split };
  const ramp = phase.rampFromRate !== undefined ? { rampFromRate: phase.rampFromRate / workers } : {};
  return { phase: { ...phase, ...ops, ...ramp, rate: phase.rate / workers }, settings: split };
}
