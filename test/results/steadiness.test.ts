import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/prng.js';
import { kendallTwoSidedP, POINTS_MAX, steadiness, steadinessWarning, unsteadyPhaseWarnings } from '../../src/results/steadiness.js';
import type { SeriesPhase } from '../../src/results/steadiness.js';

describe('steadiness of a closed phase', () => {
  it('gives the exact Mann–Kendall p for small n', () => {
    // n = 5, strictly increasing: 1 of the 120 orders has S = 10; two-sided doubles it.
    expect(kendallTwoSidedP(10, 5)).toBeCloseTo(2 / 120, 12);
    // n = 4, S = 4 (one inversion): orders with <= 1 inversion are 1 + 3 of 24.
    expect(kendallTwoSidedP(4, 4)).toBeCloseTo((2 * 4) / 24, 12);
    expect(kendallTwoSidedP(0, 6)).toBe(1);
    expect(kendallTwoSidedP(-10, 5)).toBe(kendallTwoSidedP(10, 5));
    expect(() => kendallTwoSidedP(11, 5)).toThrow(/S must be an integer in \[-10, 10\]/);
    expect(() => kendallTwoSidedP(0, 1)).toThrow(/n must be an integer >= 2/);
  });

  it('agrees with the normal approximation where both apply', () => {
    // n = 60 is the last exact size; n = 61 uses the approximation. Same standardized S.
    const sd = (n: number): number => Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
    const exact = kendallTwoSidedP(Math.round(2 * sd(60)) + 1, 60);
    const approx = kendallTwoSidedP(Math.round(2 * sd(61)) + 1, 61);
    expect(exact).toBeGreaterThan(0.03);
    expect(exact).toBeLessThan(0.06);
    expect(Math.abs(exact - approx)).toBeLessThan(0.01);
  });

  it('flags a warm-up ramp, with how much it rose', () => {
    const ramp = [25_000, 44_700, 55_100, 65_000, 57_700, 65_700, 81_000, 64_700, 80_700, 77_800];
    const result = steadiness(ramp)!;
    expect(result.steady).toBe(false);
    expect(result.driftPercent).toBeGreaterThan(40);
    expect(result.trendP).toBeLessThan(0.05);
    expect(steadinessWarning('closed', ramp)).toMatch(/^phase closed: throughput rose \d+% across its 10 measured seconds .*\(still warming up: lengthen the phase's warmupSeconds\)$/);
  });

  it('flags a decline as slowing down', () => {
    const decline = [52_000, 51_000, 50_500, 47_000, 46_000, 44_000, 41_000, 40_000];
    expect(steadinessWarning('closed', decline)).toMatch(/throughput fell \d+% .*\(slowing down as it ran\)$/);
  });

  it('raises at most its 5% false alarms on noisy but level series', () => {
    const rng = seededRng(7);
    let alarms = 0;
    const trials = 400;
    for (let trial = 0; trial < trials; trial++) {
      const level = Array.from({ length: 12 }, () => 60_000 * (0.8 + 0.4 * rng.next()));
      if (!steadiness(level)!.steady) alarms++;
    }
    // Mann–Kendall alone rejects 5% of level series; the drift threshold only removes alarms.
    expect(alarms / trials).toBeLessThanOrEqual(0.05);
    expect(alarms).toBeGreaterThan(0); // ±20% noise does sometimes drift 10% by chance
  });

  it('does not warn about a consistent drift smaller than the threshold', () => {
    const creep = [100, 101, 102, 103, 104, 105, 106];
    const result = steadiness(creep)!;
    expect(result.trendP).toBeLessThan(0.05);
    expect(result.driftPercent).toBeCloseTo(6 / 1.03, 0);
    expect(result.steady).toBe(true);
  });

  it('says nothing about fewer than 5 seconds or an idle phase', () => {
    expect(steadiness([1, 2, 3, 4])).toBeUndefined();
    expect(steadiness([0, 0, 0, 0, 0])).toBeUndefined();
  });

  it('bins a long series, so a day-long phase costs bounded work and is judged on its trend', () => {
    const rng = seededRng(11);
    const level = Array.from({ length: 20_000 }, () => 50_000 * (0.9 + 0.2 * rng.next()));
    const started = performance.now();
    const flat = steadiness(level)!;
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(flat).toMatchObject({ seconds: 20_000, steady: true });
    const sinking = level.map((v, i) => v * (1 - (0.3 * i) / level.length));
    const result = steadiness(sinking)!;
    expect(result.steady).toBe(false);
    expect(result.driftPercent).toBeLessThan(-20);
    expect(POINTS_MAX).toBeLessThan(level.length);
  });
});

describe('unsteadyPhaseWarnings', () => {
  // 2 s warm-up (ramping), 6 measured seconds, then a partial seventh: only the measured six count.
  const phase = (type: string, measured: number[]): SeriesPhase => ({
    name: type === 'closed' ? 'closed' : 'open',
    type,
    warmupSeconds: 2,
    measuredSeconds: 6,
    series: [
      { second: 0, warmup: true, ops: 5_000 },
      { second: 1, warmup: true, ops: 20_000 },
      ...measured.map((ops, i) => ({ second: 2 + i, warmup: false, ops })),
      { second: 8, warmup: false, ops: 300 },
    ],
  });
  const level = [50_000, 51_000, 49_500, 50_500, 49_800, 50_200];
  const rising = [30_000, 36_000, 41_000, 45_000, 48_000, 52_000];

  it('judges only the whole measured seconds of closed phases', () => {
    expect(unsteadyPhaseWarnings([phase('closed', level)], false)).toEqual([]);
    const warnings = unsteadyPhaseWarnings([phase('closed', rising), phase('open', rising)], false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^phase closed: throughput rose \d+% across its 6 measured seconds/);
  });

  it('says nothing for a run with faults', () => {
    expect(unsteadyPhaseWarnings([phase('closed', rising)], true)).toEqual([]);
  });
});
