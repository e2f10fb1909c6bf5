// Open-loop arrival schedule: the intended start time of every op, independent of how the
// system responds (that independence is what makes latency-from-intended-time honest).
// Constant arrivals are evenly spaced at 1/rate; Poisson arrivals have exponential gaps drawn
// from a seeded generator (same seed, same schedule). During a ramp the rate moves linearly
// from rampFromRate to rate over rampSeconds, then holds. Invariant: next() is non-decreasing.

import { assert } from '../assert.js';
import { Xoshiro128, type Rng } from '../prng.js';

export type Arrival = 'constant' | 'poisson';

export interface ScheduleSpec {
  /** Ops per second (after any ramp). */
  rate: number;
  arrival: Arrival;
  rampFromRate?: number;
  rampSeconds?: number;
  seed: number;
}

export class ArrivalSchedule {
  private readonly rng: Rng;
  private lastUs: number;
  private readonly rampUs: number;
  /** The first op starts at the phase start. */
  private first = true;

  constructor(
    private readonly spec: ScheduleSpec,
    private readonly startUs: number,
  ) {
    assert(spec.rate > 0 && Number.isFinite(spec.rate), `rate must be a positive number, got ${spec.rate}`);
    this.rng = new Xoshiro128(spec.seed >>> 0);
    this.rampUs = (spec.rampSeconds ?? 0) * 1e6;
    this.lastUs = startUs;
  }

  /** Ops per second at a given time. */
  rateAt(timeUs: number): number {
    const from = this.spec.rampFromRate;
    if (from === undefined || this.rampUs <= 0) return this.spec.rate;
    const t = (timeUs - this.startUs) / this.rampUs;
    if (t >= 1) return this.spec.rate;
    return Math.max(from + (this.spec.rate - from) * Math.max(0, t), 1e-3);
  }

  /** Intended start of the next op, µs. */
  next(): number {
    if (this.first) {
      this.first = false;
      return this.lastUs;
    }
    const rate = this.rateAt(this.lastUs);
    const meanGapUs = 1e6 / rate;
    const gapUs = this.spec.arrival === 'constant' ? meanGapUs : -Math.log(1 - this.rng.next()) * meanGapUs;
    this.lastUs += gapUs;
    return this.lastUs;
  }
}
