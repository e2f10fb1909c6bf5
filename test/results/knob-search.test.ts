import { describe, expect, it } from 'vitest';
import { closeEnough, nextSpin, type KnobPoint } from '../../src/results/knob-search.js';

/** A system that waits on a disk: the first `idle` units of spin per op cost nothing (fitted to the engine on this project's machine: 5,000 → 21.1%, 2,082 → 2.8%). */
function idleThenLinear(spin: number, idle = 1730, work = 12227): number {
  const cost = Math.max(0, spin - idle);
  return cost / (cost + work);
}

describe('knob search', () => {
  it('on a CPU-bound system (the model holds) goes straight to the target from one point', () => {
    const work = 1000;
    const model = (spin: number): number => spin / (spin + work);
    const spin = nextSpin([{ spin: 500, slowdown: model(500) }], 0.1)!;
    expect(model(spin)).toBeCloseTo(0.1, 6);
  });

  it('converges on a system whose small spins hide in idle time, where the linear model misses', () => {
    const target = 0.1;
    const points: KnobPoint[] = [{ spin: 5000, slowdown: idleThenLinear(5000) }];
    // The model fitted to the probe alone: what calibrate used to inject.
    let spin = nextSpin(points, target)!;
    expect(idleThenLinear(spin)).toBeLessThan(target / 2);
    for (let step = 0; step < 3 && !closeEnough(idleThenLinear(spin), target); step++) {
      points.push({ spin, slowdown: idleThenLinear(spin) });
      spin = nextSpin(points, target)!;
    }
    expect(closeEnough(idleThenLinear(spin), target)).toBe(true);
  });

  it('interpolates between the points that bracket the target and skips points noise made useless', () => {
    const points: KnobPoint[] = [
      { spin: 1000, slowdown: 0.05 },
      { spin: 3000, slowdown: 0.15 },
      { spin: 2000, slowdown: -0.01 }, // a noisy speed-up: says nothing about the curve
    ];
    expect(nextSpin(points, 0.1)).toBeCloseTo(2000, 6);
    expect(nextSpin([{ spin: 100, slowdown: -0.02 }], 0.1)).toBeUndefined();
    expect(() => nextSpin(points, 1)).toThrow('not in (0, 1)');
  });

  it('calls a slowdown close enough within a quarter of the target or 2 points', () => {
    expect(closeEnough(0.08, 0.1)).toBe(true);
    expect(closeEnough(0.07, 0.1)).toBe(false);
    expect(closeEnough(0.035, 0.05)).toBe(true);
    expect(closeEnough(0.25, 0.3)).toBe(true);
    expect(closeEnough(0.2, 0.3)).toBe(false);
  });
});
