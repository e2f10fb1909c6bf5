import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/prng.js';
import { kendallTwoSidedP, steadiness, steadinessWarning } from '../../src/results/steadiness.js';

describe('steadiness of a closed phase', () => {
  it('gives the exact Mann–Kendall p for small n', () => {
    // n = 5, strictly increasing: 1 of the 120 orders has S = 10; two-sided doubles it.
    expect(kendallTwoSidedP(10, 5)).toBeCloseTo(2 / 120, 12);
    // n = 4, S = 4 (one inversion): orders with <= 1 inversion are 1 + 3 of 24.
    expect(kendallTwoSidedP(4, 4)).toBeCloseTo((2 * 4) / 24, 12);
    expect(kendallTwoSidedP(0, 6)).toBe(1);
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
    expect(steadinessWarning('closed', 0, ramp)).toMatch(/^phase closed: throughput rose \d+% across its 10 measured seconds .*\(still warming up: lengthen its warm-up, --set phases\[0\]\.warmupSeconds=S\)$/);
  });

  it('flags a decline as slowing down', () => {
    const decline = [52_000, 51_000, 50_500, 47_000, 46_000, 44_000, 41_000, 40_000];
    expect(steadinessWarning('closed', 0, decline)).toMatch(/throughput fell \d+% .*\(slowing down as it ran\)$/);
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
});
