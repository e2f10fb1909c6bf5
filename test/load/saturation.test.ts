// Generator saturation on real time: the null driver burns 200 µs of the generator's own CPU in
// every append, so one thread cannot issue more than 5,000 ops/s; at 20,000 ops/s the schedule
// slips by seconds, far beyond any scheduling noise of a loaded machine.

import { describe, expect, it } from 'vitest';
import { FakeClock, RealClock } from '../../src/load/clock.js';
import { GENERATOR_DEFAULTS, type OpenPhaseSpec } from '../../src/load/phase-spec.js';
import { buildPhaseResult } from '../../src/results/phase-result.js';
import { collectEnvironment } from '../../src/results/environment.js';
import { runNullPhase } from './helpers.js';

const env = collectEnvironment(null);

describe('generator saturation', () => {
  it('is flagged when the generator cannot keep its schedule', async () => {
    const spec: OpenPhaseSpec = { type: 'open', name: 'open', rate: 20_000, arrival: 'constant', warmupSeconds: 0, seconds: 1 };
    const { recording } = await runNullPhase(new RealClock(), spec, { spinUsPerOp: 200 });
    const phase = buildPhaseResult({ index: 0, spec, workers: 0, startedAt: new Date().toISOString(), wallSeconds: 1, recording, interrupted: false }, GENERATOR_DEFAULTS, 64, env, 'not-run');
    expect(phase.generator.saturated).toBe(true);
    expect(phase.generator.lateOpsFraction).toBeGreaterThan(0.5);
    expect(phase.generator.warnings.join('\n')).toMatch(/generator saturated/);
  });

  it('is not flagged when the system is slow but the generator keeps its schedule', async () => {
    // 5 ms per ack and 4 outstanding slots: at 1000 ops/s ops queue for slots (system-bound).
    const spec: OpenPhaseSpec = { type: 'open', name: 'open', rate: 1000, arrival: 'constant', warmupSeconds: 0, seconds: 5 };
    const { recording } = await runNullPhase(new FakeClock(), spec, { latencyUs: 5000 }, { outstandingMax: 4 });
    const phase = buildPhaseResult({ index: 0, spec, workers: 0, startedAt: new Date().toISOString(), wallSeconds: 5, recording, interrupted: false }, { ...GENERATOR_DEFAULTS, outstandingMax: 4 }, 64, env, 'not-run');
    expect(phase.generator.saturated).toBe(false);
    expect(phase.generator.delayedByOutstandingLimitFraction).toBeGreaterThan(0.5);
    // Offered 1000/s, served 4 per 5 ms = 800/s: latency from the intended time keeps growing.
    expect(phase.latencyUs.corrected.p99Us).toBeGreaterThan(500_000);
    expect(phase.latencyUs.serviceTime.p99Us).toBeLessThan(6000);
  });
});

describe('generator saturation after a system stall', () => {
  it('is not flagged for the catch-up burst that follows a stall of the system', async () => {
    // Real time: the null system freezes for 1 s at 20,000 ops/s. About 20,000 ops come due while
    // every one of the 1,024 slots is busy; when the stall ends the generator issues them as fast
    // as one thread can, which takes longer than the 10 ms lag bound for most of them. That delay
    // follows from the system's stall (whose cost the corrected latencies carry), not from a
    // generator that cannot keep its schedule.
    const spec: OpenPhaseSpec = { type: 'open', name: 'open', rate: 20_000, arrival: 'constant', warmupSeconds: 0, seconds: 3 };
    const settings = { outstandingMax: 1024 };
    const { recording } = await runNullPhase(new RealClock(), spec, { stallAtMs: 1000, stallMs: 1000 }, settings);
    const phase = buildPhaseResult({ index: 0, spec, workers: 0, startedAt: new Date().toISOString(), wallSeconds: 3, recording, interrupted: false }, { ...GENERATOR_DEFAULTS, ...settings }, 64, env, 'not-run');
    expect(phase.generator.delayedByOutstandingLimitFraction).toBeGreaterThan(0.2);
    expect(phase.generator.saturated).toBe(false);
    expect(phase.latencyUs.corrected.maxUs).toBeGreaterThan(900_000);
  });
});
