// Time for the load generators, injected so tests can run a generator on virtual time.
// Invariants: nowUs() never decreases; sleepUntilUs(t) resolves no earlier than t (on this clock);
// yieldToEventLoop() lets timers, I/O and signal handlers run (a generator driving a system that
// acks in a microtask would otherwise starve the event loop).

import { setImmediate as immediate } from 'node:timers/promises';
import { assert } from '../assert.js';

export interface Clock {
  nowUs(): number;
  sleepUntilUs(timeUs: number): Promise<void>;
  yieldToEventLoop(): Promise<void>;
}

/**
 * Wall time from performance.now(). Sleeps are timers only, never a spin: waiting for an arrival
 * that is due in under a timer tick by looping on setImmediate kept the thread 100% busy. On this
 * project's 2-core machine an engine open loop at 20,000 ops/s then measured p50 8.8 ms and p99
 * 55 ms, against 3.0 and 20.9 ms with timer sleeps: the spinning generator took a core from the
 * replicas, and its ~140 MB/s of promises made young-generation GCs of up to 22 ms that flagged
 * the generator as saturated. (A helper thread waking the loop with Atomics.notify was tried: on
 * a loaded machine its wake-ups came later than the timer's, p50 4.3-5.4 ms.) The cost: an
 * operation may be issued up to about a timer tick (~1 ms) after its intended time; open-loop
 * latency counts from the intended time, so this errs on the slow side, and the service time
 * (from the actual issue) is recorded beside it.
 */
export class RealClock implements Clock {
  nowUs(): number {
    return performance.now() * 1000;
  }

  async sleepUntilUs(timeUs: number): Promise<void> {
    assert(Number.isFinite(timeUs), () => `RealClock.sleepUntilUs: deadline must be finite, got ${timeUs}`);
    for (;;) {
      const remainingUs = timeUs - this.nowUs();
      if (remainingUs <= 0) return;
      // setTimeout has ~1 ms granularity: sleep on it for the part surely in the future, then one tick.
      await new Promise<void>((resolve) => setTimeout(resolve, remainingUs > 2000 ? Math.floor((remainingUs - 1000) / 1000) : 0));
    }
  }

  async yieldToEventLoop(): Promise<void> {
    await immediate();
  }
}

interface Sleeper {
  timeUs: number;
  order: number;
  resolve: () => void;
}

/**
 * Discrete-event virtual time. Time advances only when every pending microtask has run (the
 * advance is scheduled with setImmediate) and then jumps to the earliest sleeper, so a run is a
 * pure function of its inputs: no flakiness on a loaded machine, and 10 virtual seconds take ms.
 */
export class FakeClock implements Clock {
  private timeUs: number;
  private readonly sleepers: Sleeper[] = [];
  private order = 0;
  private advanceScheduled = false;

  constructor(startUs = 0) {
    this.timeUs = startUs;
  }

  nowUs(): number {
    return this.timeUs;
  }

  sleepUntilUs(timeUs: number): Promise<void> {
    if (timeUs <= this.timeUs) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.sleepers.push({ timeUs, order: this.order++, resolve });
      this.scheduleAdvance();
    });
  }

  yieldToEventLoop(): Promise<void> {
    return immediate().then(() => undefined);
  }

  private scheduleAdvance(): void {
    if (this.advanceScheduled) return;
    this.advanceScheduled = true;
    setImmediate(() => {
      this.advanceScheduled = false;
      if (this.sleepers.length === 0) return;
      this.sleepers.sort((a, b) => a.timeUs - b.timeUs || a.order - b.order);
      const first = this.sleepers[0]!;
      this.timeUs = Math.max(this.timeUs, first.timeUs);
      while (this.sleepers.length > 0 && this.sleepers[0]!.timeUs <= this.timeUs) this.sleepers.shift()!.resolve();
      if (this.sleepers.length > 0) this.scheduleAdvance();
    });
  }
}
