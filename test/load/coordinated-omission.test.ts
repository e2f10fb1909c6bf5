// Coordinated omission, on virtual time (deterministic on any machine): the null system
// freezes for 1 s in the middle of a 10 s open-loop run at 1000 ops/s.

import { describe, expect, it } from 'vitest';
import hdr from 'hdr-histogram-js';
import { FakeClock } from '../../src/load/clock.js';
import { decodeHistogram, percentilesOf } from '../../src/load/histogram.js';
import { GENERATOR_DEFAULTS } from '../../src/load/phase-spec.js';
import { buildPhaseResult } from '../../src/results/phase-result.js';
import { collectEnvironment } from '../../src/results/environment.js';
import { runNullPhase } from './helpers.js';

const RATE = 1000;
const SECONDS = 10;
const STALL = { stallAtMs: 5000, stallMs: 1000 };
const INTERVAL_US = 1e6 / RATE;

/** What HdrHistogram's expected-interval correction predicts for a sender blocked by the stall. */
function predictedByExpectedInterval(): ReturnType<typeof percentilesOf> {
  const h = hdr.build({ bitBucketSize: 64, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  // A synchronous sender at 1000/s: 9000 ops outside the stall acked at once (virtual time), one
  // op that waited out the 1 s stall; the correction back-fills the 999 ops it could not send.
  h.recordValueWithCount(0, RATE * SECONDS - RATE);
  h.recordValueWithExpectedInterval(STALL.stallMs * 1000, INTERVAL_US);
  return percentilesOf(h);
}

describe('coordinated omission', () => {
  it('open loop: corrected p99 reflects the stall as the expected-interval correction predicts', async () => {
    const { recording } = await runNullPhase(new FakeClock(), { type: 'open', name: 'open', rate: RATE, arrival: 'constant', warmupSeconds: 0, seconds: SECONDS }, STALL, { outstandingMax: 1 });
    const corrected = percentilesOf(decodeHistogram(recording.corrected));
    const predicted = predictedByExpectedInterval();
    expect(corrected.count).toBe(RATE * SECONDS);
    expect(predicted.p99Us).toBeGreaterThan(850_000);
    expect(Math.abs(corrected.p99Us - predicted.p99Us) / predicted.p99Us).toBeLessThan(0.02);
    expect(Math.abs(corrected.p999Us - predicted.p999Us) / predicted.p999Us).toBeLessThan(0.02);
    expect(corrected.maxUs).toBeGreaterThanOrEqual(999_000);
  });

  it('open loop: raw service-time p99 does not reflect the stall', async () => {
    const { recording } = await runNullPhase(new FakeClock(), { type: 'open', name: 'open', rate: RATE, arrival: 'constant', warmupSeconds: 0, seconds: SECONDS }, STALL, { outstandingMax: 1 });
    const service = percentilesOf(decodeHistogram(recording.serviceTime));
    expect(service.p99Us).toBeLessThan(1000);
    // Only the one op that met the stall was slow to serve.
    expect(service.maxUs).toBeGreaterThanOrEqual(999_000);
  });

  it('open loop: waiting for the stalled slot is charged to the system, not flagged as generator saturation', async () => {
    const { recording } = await runNullPhase(new FakeClock(), { type: 'open', name: 'open', rate: RATE, arrival: 'constant', warmupSeconds: 0, seconds: SECONDS }, STALL, { outstandingMax: 1 });
    const phase = buildPhaseResult({ index: 0, spec: { type: 'open', name: 'open', rate: RATE, arrival: 'constant', warmupSeconds: 0, seconds: SECONDS }, workers: 0, startedAt: new Date().toISOString(), wallSeconds: 0, recording, interrupted: false }, { ...GENERATOR_DEFAULTS, outstandingMax: 1 }, 64, collectEnvironment(null), 'not-run');
    expect(phase.generator.coordinatedOmissionCorrected).toBe(true);
    expect(phase.generator.saturated).toBe(false);
    expect(phase.generator.delayedByOutstandingLimitFraction).toBeGreaterThan(0.09);
    expect(phase.throughput.opsPerSec).toBeCloseTo(RATE, 0);
  });

  it('closed loop: percentiles hide the stall, and the result flags it', async () => {
    const spec = { type: 'closed', name: 'closed', concurrency: 1, warmupSeconds: 0, seconds: SECONDS } as const;
    // 1 ms per op so the closed loop paces itself at about 1000/s like the open-loop run.
    const { recording } = await runNullPhase(new FakeClock(), spec, { ...STALL, latencyUs: INTERVAL_US });
    const latency = percentilesOf(decodeHistogram(recording.corrected));
    expect(latency.p99Us).toBeLessThan(2 * INTERVAL_US);
    expect(latency.maxUs).toBeGreaterThanOrEqual(999_000);
    const phase = buildPhaseResult({ index: 0, spec, workers: 0, startedAt: new Date().toISOString(), wallSeconds: 0, recording, interrupted: false }, GENERATOR_DEFAULTS, 64, collectEnvironment(null), 'not-run');
    expect(phase.generator.coordinatedOmissionCorrected).toBe(false);
    expect(phase.generator.completionGapMsMax).toBeGreaterThanOrEqual(999);
    expect(phase.generator.warnings.join('\n')).toMatch(/closed loop hid a stall: no op completed for 1000 ms/);
  });
});
