// Open loop: ops start on a schedule (constant or Poisson arrivals, optional ramp) that does
// not depend on the system's responses. Latency is measured from each op's intended start time
// (coordinated-omission corrected); raw service time (from the moment the op was handed to the
// driver) is recorded separately.
//
// At most outstandingMax ops are in flight. An arrival that finds every slot busy waits in the
// generator and its corrected latency includes that wait: a user with that many connections
// would have waited too. Arrivals more than backlogMax ops behind schedule are dropped and
// counted as omitted (bounded memory and time), never silently.
//
// Generator health: for every op, schedule lag = issue time − ready time. Ready is the intended
// time, except while the generator catches up after waiting for a free slot: a system that held
// every slot for a while shifted the schedule by that wait, so until the generator is back on
// schedule an op is ready at its intended time plus the time spent waiting for slots since it
// fell behind. A generator that replays the backlog at least as fast as it was offered has no
// lag; one thread cannot issue thousands of ops within the lag bound, so measuring the backlog
// from the end of the wait flagged a healthy generator after every long stall of the system.
// Lag is the generator's own delay (CPU, event loop), not the system's; more than
// scheduleLagFractionMax of ops later than scheduleLagMsMax marks the phase generatorSaturated.

import { assert } from '../assert.js';
import type { GeneratorEnv } from './generator.js';
import { SlotGenerator } from './generator.js';
import type { OpenPhaseSpec } from './phase-spec.js';
import { ArrivalSchedule } from './schedule.js';

/** Ops issued per turn of the loop before it yields to the event loop. */
const ISSUE_BATCH_MAX = 512;
const WAIT_CHECK_US = 100_000;

export class OpenLoopGenerator extends SlotGenerator {
  private readonly schedule: ArrivalSchedule;
  private readonly freeSlots: Int32Array;
  private freeCount: number;
  /** First completion while the loop waited for a slot (-1: none yet). */
  private wakeFreedUs = -1;
  private readonly inFlight: Uint8Array;
  private waitingForSlot = false;
  /** When the generator last stopped waiting for a free slot: ops due before it waited for the system. */
  private slotWaitEndUs = Number.NEGATIVE_INFINITY;
  /** Time spent waiting for free slots since the generator last was on schedule (see the top). */
  private catchUpShiftUs = 0;
  /** Start of the current wait for a free slot (-1: none); a wake-up without a completion continues it. */
  private slotWaitStartUs = -1;

  constructor(env: GeneratorEnv, phase: OpenPhaseSpec) {
    const slots = env.settings.outstandingMax;
    super(env, phase, slots);
    assert(phase.rate > 0, `open-loop rate must be positive, got ${phase.rate}`);
    const spec = { rate: phase.rate, arrival: phase.arrival, seed: (env.settings.seed * 31 + env.phaseIndex * 1009 + env.workerIndex) >>> 0 } as const;
    this.schedule = new ArrivalSchedule(
      phase.rampFromRate !== undefined ? { ...spec, rampFromRate: phase.rampFromRate, rampSeconds: phase.rampSeconds ?? 0 } : spec,
      this.phaseStartUs,
    );
    this.freeSlots = new Int32Array(slots);
    // Lowest slot on top: producers are used densely from slot 0.
    for (let i = 0; i < slots; i++) this.freeSlots[i] = slots - 1 - i;
    this.freeCount = slots;
    this.inFlight = new Uint8Array(slots);
  }

  protected override async generate(): Promise<void> {
    const backlogMax = this.env.settings.backlogMax;
    let nextUs = this.schedule.next();
    for (;;) {
      let nowUs = this.clock.nowUs();
      if (this.stopped) return;
      if (nextUs >= this.endUs || this.shouldStopIssuing(nowUs)) {
        this.stopIssuing(nextUs >= this.endUs ? this.endUs : nowUs);
        return;
      }
      // Too far behind: drop arrivals instead of queueing without bound.
      const behindOps = ((nowUs - nextUs) * this.schedule.rateAt(nextUs)) / 1e6;
      if (behindOps > backlogMax) {
        let dropped = 0;
        while (((nowUs - nextUs) * this.schedule.rateAt(nextUs)) / 1e6 > backlogMax && nextUs < this.endUs) {
          this.recorder.recordOmitted(1, nextUs >= this.warmupEndUs);
          nextUs = this.schedule.next();
          dropped++;
        }
        assert(dropped > 0, 'backlog trimming made no progress');
      }
      if (nextUs > nowUs) this.catchUpShiftUs = 0;
      let issued = 0;
      while (nextUs <= nowUs && issued < ISSUE_BATCH_MAX && nextUs < this.endUs && this.measuredIssued < this.opsMax) {
        if (this.freeCount === 0) break;
        const slot = this.freeSlots[--this.freeCount]!;
        const waited = nextUs < this.slotWaitEndUs;
        const readyUs = nextUs + this.catchUpShiftUs;
        const measured = nextUs >= this.warmupEndUs;
        this.recorder.recordScheduleLag(nowUs - readyUs, waited, measured);
        this.inFlight[slot] = 1;
        this.issue(slot, nextUs, nowUs, measured);
        nextUs = this.schedule.next();
        issued++;
        // A fresh reading per op keeps lag and service time exact when the driver itself is slow.
        nowUs = this.clock.nowUs();
      }
      if (nextUs <= nowUs && this.freeCount === 0 && nextUs < this.endUs) {
        this.waitingForSlot = true;
        this.wakeFreedUs = -1;
        if (this.slotWaitStartUs < 0) this.slotWaitStartUs = nowUs;
        const woken = this.waitForWake();
        // Still notice the end and Ctrl-C when no op completes.
        void this.clock.sleepUntilUs(Math.min(this.endUs, nowUs + WAIT_CHECK_US)).then(() => {
          if (this.waitingForSlot) this.wake();
        });
        await woken;
        this.waitingForSlot = false;
        if (this.wakeFreedUs >= 0) {
          this.slotWaitEndUs = this.wakeFreedUs;
          this.catchUpShiftUs += Math.max(0, this.wakeFreedUs - this.slotWaitStartUs);
          this.slotWaitStartUs = -1;
        }
      } else if (nextUs > nowUs) {
        await this.clock.sleepUntilUs(Math.min(nextUs, nowUs + WAIT_CHECK_US));
      } else {
        await this.clock.yieldToEventLoop();
      }
    }
  }

  protected override afterCompletion(slot: number, nowUs: number): void {
    this.inFlight[slot] = 0;
    this.freeSlots[this.freeCount++] = slot;
    if (this.waitingForSlot) {
      if (this.wakeFreedUs < 0) this.wakeFreedUs = nowUs;
      this.wake();
    }
  }

  protected override isOutstanding(slot: number): boolean {
    return this.inFlight[slot] === 1;
  }
}
