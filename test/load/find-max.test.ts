import { describe, expect, it } from 'vitest';
import { findMax, parseSlo, SloError, type ProbeOutcome } from '../../src/load/find-max.js';

/** A system whose p99 is 1 ms up to 10,000 ops/s and grows steeply beyond. */
function model(rate: number, step: number): Promise<ProbeOutcome> {
  const p99Us = rate <= 10_000 ? 1000 : 1000 * (rate / 10_000) ** 6;
  const latency = { count: 1, meanUs: 0, p50Us: p99Us / 4, p90Us: p99Us / 2, p99Us, p999Us: p99Us * 2, p9999Us: p99Us * 3, maxUs: p99Us * 4 };
  return Promise.resolve({ rate, opsPerSec: rate, latency, saturated: false, errors: 0, phase: `p${step}` });
}

describe('--find-max', () => {
  it('finds the knee: the highest rate whose p99 meets the SLO, within the resolution', async () => {
    const outcome = await findMax({ slo: parseSlo('p99<2ms'), startRate: 1000, stepsMax: 20, resolution: 0.05, probe: model });
    // p99 < 2 ms holds up to 10,000 * 2^(1/6) ≈ 11,225 ops/s.
    expect(outcome.knee!.rate).toBeGreaterThan(11_225 / 1.05);
    expect(outcome.knee!.rate).toBeLessThanOrEqual(11_225);
    expect(outcome.curve.slice(0, 5).map((p) => p.rate)).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it('probes at most stepsMax rates', async () => {
    const outcome = await findMax({ slo: parseSlo('p99<2ms'), startRate: 1000, stepsMax: 6, resolution: 0.01, probe: model });
    expect(outcome.curve).toHaveLength(6);
  });

  it('a saturated generator never counts as meeting the SLO', async () => {
    const outcome = await findMax({
      slo: parseSlo('p99<2ms'),
      startRate: 1000,
      stepsMax: 8,
      resolution: 0.05,
      probe: async (rate, step) => ({ ...(await model(rate, step)), saturated: rate > 3000 }),
    });
    expect(outcome.knee!.rate).toBeLessThanOrEqual(3000);
    expect(outcome.curve.filter((p) => p.saturated).every((p) => !p.meetsSlo)).toBe(true);
  });

  it('parses SLO terms and rejects malformed ones naming the flag', () => {
    expect(parseSlo('p99<10ms,p50<=500us')).toEqual([
      { percentile: 'p99', limitUs: 10_000, text: 'p99<10ms' },
      { percentile: 'p50', limitUs: 500, text: 'p50<=500us' },
    ]);
    expect(() => parseSlo('p98<1ms')).toThrow(SloError);
    expect(() => parseSlo('p99<fast')).toThrow(/flag --slo: expected .* got "p99<fast"/);
  });
});
