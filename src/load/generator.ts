// What closed- and open-loop generators share: a table of op slots. A slot has at most one op
// outstanding; it owns a payload buffer (reused only after its op completed, so a driver may
// hold the bytes until it acks), a producer id and that producer's next sequence number. Per-op
// state lives in typed arrays indexed by slot, and each slot's ack/error handlers are created
// once, so the hot path allocates nothing but the driver's promise.
// Invariants: outstanding == number of slots with an op in flight; after finish() late acks are
// ignored (they were already counted as errors by the drain timeout).

import { assert } from '../assert.js';
import { writeTag, TAG_BYTES } from '../check/tag.js';
import type { AppendAck, Driver } from '../drivers/types.js';
import { Xoshiro128 } from '../prng.js';
import { producerId, PRODUCER_SLOTS_MAX, type AckLog } from './ack-log.js';
import type { Clock } from './clock.js';
import type { CompletionLog } from './completion-log.js';
import type { GeneratorSettings, PhaseSpec } from './phase-spec.js';
import { PhaseRecorder } from './recorder.js';
import type { PhaseRecording } from './recording-types.js';

export interface GeneratorEnv {
  driver: Driver;
  clock: Clock;
  settings: GeneratorSettings;
  phaseIndex: number;
  workerIndex: number;
  sizeBytes: number;
  /** Acks for the correctness ledger; undefined = not kept. */
  ackLog: AckLog | undefined;
  /** Per-op completion times (runs with faults, for failover metrics); undefined = not kept. */
  completions?: CompletionLog | undefined;
  /** External stop (Ctrl-C): checked on every completion and at least every 100 ms. */
  shouldStop: () => boolean;
}

/** How often the generator hands control back to the event loop when acks arrive in microtasks. */
export const YIELD_EVERY_US = 2_000;
/** Offset of the sequence's low 32 bits in the load tag (see src/check/tag.ts). */
const TAG_SEQUENCE_OFFSET = 8;
const WATCH_EVERY_US = 100_000;

export abstract class SlotGenerator {
  readonly recorder: PhaseRecorder;
  protected readonly clock: Clock;
  protected readonly phaseStartUs: number;
  protected readonly warmupEndUs: number;
  /** Issue no op at or after this time (Infinity for op-count phases without a cap). */
  protected readonly endUs: number;
  protected readonly opsMax: number;
  protected measuredIssued = 0;
  protected outstanding = 0;
  protected stopped = false;
  protected stopUs = 0;
  private finished = false;
  private readonly payloads: Array<Uint8Array | undefined>;
  private readonly tagViews: Array<DataView | undefined>;
  private readonly producers: Uint32Array;
  private readonly sequences: Uint32Array;
  protected readonly intendedUs: Float64Array;
  protected readonly issueUs: Float64Array;
  protected readonly measuredFlags: Uint8Array;
  private readonly ackHandlers: Array<(ack: AppendAck) => void>;
  private readonly errorHandlers: Array<(error: unknown) => void>;
  private readonly fill: Uint8Array;
  private waiter: (() => void) | undefined;
  protected nextYieldUs: number;

  constructor(
    protected readonly env: GeneratorEnv,
    protected readonly phase: PhaseSpec,
    slotCount: number,
  ) {
    assert(Number.isInteger(slotCount) && slotCount >= 1 && slotCount <= PRODUCER_SLOTS_MAX, `slots must be in [1, ${PRODUCER_SLOTS_MAX}], got ${slotCount}`);
    assert(env.sizeBytes >= TAG_BYTES, `payload sizeBytes must be >= ${TAG_BYTES}, got ${env.sizeBytes}`);
    this.clock = env.clock;
    this.phaseStartUs = this.clock.nowUs();
    this.warmupEndUs = this.phaseStartUs + phase.warmupSeconds * 1e6;
    const measuredSeconds = phase.seconds ?? (phase.ops !== undefined ? env.settings.opsPhaseSecondsMax : 0);
    this.endUs = this.warmupEndUs + measuredSeconds * 1e6;
    this.opsMax = phase.ops ?? Number.POSITIVE_INFINITY;
    this.recorder = new PhaseRecorder(this.phaseStartUs, this.warmupEndUs, env.settings.scheduleLagMsMax * 1000);
    this.payloads = new Array<Uint8Array | undefined>(slotCount).fill(undefined);
    this.tagViews = new Array<DataView | undefined>(slotCount).fill(undefined);
    this.producers = new Uint32Array(slotCount);
    for (let slot = 0; slot < slotCount; slot++) this.producers[slot] = producerId(env.phaseIndex, env.workerIndex, slot);
    this.sequences = new Uint32Array(slotCount);
    this.intendedUs = new Float64Array(slotCount);
    this.issueUs = new Float64Array(slotCount);
    this.measuredFlags = new Uint8Array(slotCount);
    this.ackHandlers = [];
    this.errorHandlers = [];
    for (let slot = 0; slot < slotCount; slot++) {
      this.ackHandlers.push((ack) => this.onAck(slot, ack));
      this.errorHandlers.push((error) => this.onError(slot, error));
    }
    // Filler bytes after the tag: seeded, incompressible, the same for every op of a phase.
    const rng = new Xoshiro128((env.settings.seed + env.phaseIndex * 7919 + env.workerIndex * 104_729) >>> 0);
    this.fill = new Uint8Array(env.sizeBytes);
    for (let i = 0; i < this.fill.length; i++) this.fill[i] = rng.int(256);
    this.nextYieldUs = this.phaseStartUs + YIELD_EVERY_US;
  }

  /** Runs the phase to its end (time, op count or external stop), drains, returns the recording. */
  async run(): Promise<PhaseRecording> {
    try {
      const watcher = this.watch();
      await this.generate();
      await watcher;
      await this.drain();
      return this.finish();
    } catch (error) {
      this.recorder.dispose();
      throw error;
    }
  }

  /** The generator's own loop; returns once issuing has stopped. */
  protected abstract generate(): Promise<void>;
  /** Called after a slot's op completed (success or error), with the completion time. */
  protected abstract afterCompletion(slot: number, nowUs: number): void;

  protected issue(slot: number, intendedUs: number, nowUs: number, measured: boolean): void {
    let payload = this.payloads[slot];
    const sequence = this.sequences[slot]!;
    if (payload === undefined) {
      payload = new Uint8Array(this.fill);
      this.payloads[slot] = payload;
      this.tagViews[slot] = new DataView(payload.buffer, payload.byteOffset, TAG_BYTES);
      writeTag(payload, this.producers[slot]!, sequence);
    } else {
      // writeTag allocates a DataView per call; a slot's magic and producer never change, so only
      // the low sequence word (sequences are u32 per slot, the high word stays 0) is rewritten,
      // at the offset writeTag uses. test/load/generator-tag.test.ts checks readTag agrees.
      this.tagViews[slot]!.setUint32(TAG_SEQUENCE_OFFSET, sequence, true);
    }
    this.intendedUs[slot] = intendedUs;
    this.issueUs[slot] = nowUs;
    this.measuredFlags[slot] = measured ? 1 : 0;
    if (measured) this.measuredIssued++;
    this.outstanding++;
    let pending: Promise<AppendAck>;
    try {
      pending = this.env.driver.append(payload);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(this.ackHandlers[slot], this.errorHandlers[slot]);
  }

  private onAck(slot: number, ack: AppendAck): void {
    if (this.finished) return;
    const nowUs = this.clock.nowUs();
    this.outstanding--;
    this.recorder.recordSuccess(nowUs, nowUs - this.intendedUs[slot]!, nowUs - this.issueUs[slot]!, this.measuredFlags[slot] === 1);
    this.env.ackLog?.append(this.producers[slot]!, this.sequences[slot]!, ack.index);
    this.env.completions?.recordSuccess(nowUs, nowUs - this.intendedUs[slot]!);
    this.sequences[slot]!++;
    this.afterCompletion(slot, nowUs);
    if (this.stopped) this.wake();
  }

  private onError(slot: number, error: unknown): void {
    if (this.finished) return;
    const nowUs = this.clock.nowUs();
    this.outstanding--;
    this.recorder.recordError(nowUs, error, this.measuredFlags[slot] === 1);
    this.env.completions?.recordError(nowUs);
    // A failed op still used its sequence number: the ledger sees a gap, never a reuse.
    this.sequences[slot]!++;
    this.afterCompletion(slot, nowUs);
    if (this.stopped) this.wake();
  }

  /** True when no further op may be issued at nowUs. */
  protected shouldStopIssuing(nowUs: number): boolean {
    return nowUs >= this.endUs || this.measuredIssued >= this.opsMax || this.env.shouldStop();
  }

  protected stopIssuing(nowUs: number): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopUs = nowUs;
    this.wake();
  }

  /** Wakes the generator loop if it is waiting (slot freed, stop, drain progress). */
  protected wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  protected waitForWake(): Promise<void> {
    assert(this.waiter === undefined, 'generator loop waits twice');
    return new Promise<void>((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Notices the end of the phase and external stops even when no op completes (a stalled system). */
  private async watch(): Promise<void> {
    while (!this.stopped) {
      const nowUs = this.clock.nowUs();
      this.recorder.advanceTo(nowUs);
      if (this.shouldStopIssuing(nowUs)) {
        this.stopIssuing(nowUs);
        return;
      }
      await this.clock.sleepUntilUs(Math.min(this.endUs, nowUs + WATCH_EVERY_US));
    }
  }

  private async drain(): Promise<void> {
    const deadlineUs = this.stopUs + this.env.settings.drainSeconds * 1e6;
    while (this.outstanding > 0) {
      const nowUs = this.clock.nowUs();
      this.recorder.advanceTo(nowUs);
      if (nowUs >= deadlineUs) break;
      // Woken by completions; re-checks the deadline at least every 100 ms.
      const wakeUp = this.waitForWake();
      const timer = this.clock.sleepUntilUs(Math.min(deadlineUs, nowUs + WATCH_EVERY_US)).then(() => this.wake());
      await wakeUp;
      void timer;
    }
  }

  private finish(): PhaseRecording {
    const nowUs = this.clock.nowUs();
    // Ops still outstanding after the drain timeout: counted as errors, late acks ignored.
    for (let slot = 0; slot < this.intendedUs.length && this.outstanding > 0; slot++) {
      if (this.isOutstanding(slot)) {
        this.outstanding--;
        this.recorder.recordError(nowUs, new Error(`no ack within drainSeconds (${this.env.settings.drainSeconds} s)`), this.measuredFlags[slot] === 1);
      }
    }
    this.finished = true;
    const measuredUs = Math.max(0, Math.min(this.stopUs, this.endUs) - this.warmupEndUs);
    return this.recorder.finish(nowUs, measuredUs);
  }

  /** Subclasses track which slots are in flight. */
  protected abstract isOutstanding(slot: number): boolean;
}
