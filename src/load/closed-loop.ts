// Closed loop: `concurrency` ops outstanding; each slot issues its next op as soon as its
// previous one completes. Latency is service time (no intended schedule exists), so a stall of
// the system shows up as one slow op per slot while the ops that were never sent are invisible:
// coordinated omission. The recording says so (coordinatedOmissionCorrected = false) and the
// longest completion gap is reported so a stall is flagged instead of hidden.

import type { GeneratorEnv } from './generator.js';
import { SlotGenerator, YIELD_EVERY_US } from './generator.js';
import type { ClosedPhaseSpec } from './phase-spec.js';

export class ClosedLoopGenerator extends SlotGenerator {
  private readonly inFlight: Uint8Array;
  private readonly parked: number[] = [];
  private resumeScheduled = false;

  constructor(env: GeneratorEnv, phase: ClosedPhaseSpec) {
    super(env, phase, phase.concurrency);
    this.inFlight = new Uint8Array(phase.concurrency);
  }

  protected override async generate(): Promise<void> {
    const nowUs = this.clock.nowUs();
    for (let slot = 0; slot < this.inFlight.length; slot++) {
      if (this.shouldStopIssuing(nowUs)) break;
      this.issueNow(slot, nowUs);
    }
    while (!this.stopped) await this.waitForWake();
  }

  private issueNow(slot: number, nowUs: number): void {
    this.inFlight[slot] = 1;
    this.issue(slot, nowUs, nowUs, nowUs >= this.warmupEndUs);
  }

  protected override afterCompletion(slot: number, nowUs: number): void {
    this.inFlight[slot] = 0;
    if (this.stopped) return;
    if (this.shouldStopIssuing(nowUs)) {
      this.stopIssuing(nowUs);
      return;
    }
    if (nowUs < this.nextYieldUs) {
      this.issueNow(slot, nowUs);
      return;
    }
    // Acks that arrive in microtasks would starve timers, I/O and signals: park the slot and
    // resume every parked slot after one turn of the event loop.
    this.parked.push(slot);
    if (this.resumeScheduled) return;
    this.resumeScheduled = true;
    void this.clock.yieldToEventLoop().then(() => this.resumeParked());
  }

  private resumeParked(): void {
    this.resumeScheduled = false;
    const nowUs = this.clock.nowUs();
    this.nextYieldUs = nowUs + YIELD_EVERY_US;
    while (this.parked.length > 0) {
      const slot = this.parked.pop()!;
      if (this.stopped) continue;
      if (this.shouldStopIssuing(nowUs)) {
        this.stopIssuing(nowUs);
        continue;
      }
      this.issueNow(slot, nowUs);
    }
  }

  protected override isOutstanding(slot: number): boolean {
    return this.inFlight[slot] === 1;
  }
}
