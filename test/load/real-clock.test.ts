import { createHook } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../src/load/clock.js';

describe('RealClock', () => {
  it('sleeps on timers, not by spinning the event loop, and never wakes early', async () => {
    const clock = new RealClock();
    const created = new Map<string, number>();
    const hook = createHook({
      init(_id, type) {
        created.set(type, (created.get(type) ?? 0) + 1);
      },
    });
    const sleeps = 50;
    let early = 0;
    hook.enable();
    try {
      for (let i = 0; i < sleeps; i++) {
        const wakeUs = clock.nowUs() + 300; // shorter than a timer tick: where a spin would loop
        await clock.sleepUntilUs(wakeUs);
        if (clock.nowUs() < wakeUs) early++;
      }
    } finally {
      hook.disable();
    }
    expect(early).toBe(0);
    // A spin creates an Immediate per turn of the loop, hundreds per sub-millisecond sleep.
    expect(created.get('Immediate') ?? 0).toBeLessThan(sleeps);
    // Most sleeps wait on a timer (one whose deadline passed before it began needs none).
    expect(created.get('Timeout') ?? 0).toBeGreaterThanOrEqual(sleeps / 2);
    expect(created.get('Timeout') ?? 0).toBeLessThanOrEqual(3 * sleeps);
  });
});
