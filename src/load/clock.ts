// Time for the load generators, injected so tests can run a generator on virtual time.
// Invariants: nowUs() never decreases; sleepUntilUs(t) resolves no earlier than t (on this clock);
// yieldToEventLoop() lets timers, I/O and signal handlers run (a generator driving a system that
// acks in a microtask would otherwise starve the event loop).

import { setImmediate as immediate } from 'node:timers/promises';

export interface Clock {
  nowUs(): number;
  sleepUntilUs(timeUs: number): Promise<void>;
  yieldToEventLoop(): Promise<void>;
}

/** Wall time from performance.now(). Sleeps shorter than a timer tick spin on setImmediate. */
export class RealClock implements Clock {
  nowUs(): number {
    return performance.now() * 1000;
  }

  async sleepUntilUs(timeUs: number): Promise<void> {
    for (;;) {
      const remainingUs = timeUs - this.nowUs();
      if (remainingUs <= 0) return;
      // setTimeout has ~1 ms granularity: sleep on it only for the part that is surely in the future.
      if (remainingUs > 2000) await new Promise<void>((resolve) => setTimeout(resolve, Math.floor((remainingUs - 1000) / 1000)));
      else await immediate();
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
