// Records one phase of one generator: corrected latency, raw service time, schedule lag, and a
// per-second series. Warm-up completions go into the series (marked) but not the histograms.
// Invariants: every recorded value is in [0, LATENCY_US_HIGHEST]; series seconds are
// consecutive from 0 with no gaps (a second without completions is an explicit zero point);
// after finish() the recorder owns no WASM memory and must not be used.

import type { Histogram } from 'hdr-histogram-js';
import { assert } from '../assert.js';
import { createRecordingHistogram, encodeHistogram, toRecordableUs, valueAtPercentile } from './histogram.js';
import type { GeneratorCounters, PhaseRecording, SeriesPoint } from './recording-types.js';

const ERROR_SAMPLES_MAX = 5;
const SERIES_SECONDS_MAX = 24 * 3600;

export class PhaseRecorder {
  private corrected: Histogram;
  private serviceTime: Histogram;
  private scheduleLag: Histogram;
  private interval: Histogram;
  readonly counters: GeneratorCounters = {
    acked: 0,
    errors: 0,
    omitted: 0,
    warmupAcked: 0,
    delayedByOutstandingLimit: 0,
    lateOps: 0,
    scheduledOps: 0,
  };
  private readonly series: SeriesPoint[] = [];
  private intervalOps = 0;
  private intervalErrors = 0;
  private nextSecondUs: number;
  private lastCompletionUs: number;
  private gapUsMax = 0;
  private readonly errorSamples: string[] = [];
  private finished = false;
  /** Every completion so far, warm-up included (live progress). */
  completedOps = 0;
  failedOps = 0;
  /** Ops in the last completed second and its p99, for live progress. */
  lastSecondOps = 0;
  lastSecondP99Us = 0;

  constructor(
    private readonly phaseStartUs: number,
    private readonly warmupEndUs: number,
    private readonly lateLagUs: number,
  ) {
    this.corrected = createRecordingHistogram();
    this.serviceTime = createRecordingHistogram();
    this.scheduleLag = createRecordingHistogram();
    this.interval = createRecordingHistogram();
    this.nextSecondUs = phaseStartUs + 1_000_000;
    this.lastCompletionUs = phaseStartUs;
  }

  /** Rolls the per-second series up to nowUs (called on completions and once a second). */
  advanceTo(nowUs: number): void {
    while (nowUs >= this.nextSecondUs) this.rollSecond();
  }

  /**
   * `measured`: the op belongs to the measured window (decided by the generator when it issued
   * the op: intended/issued after warm-up and before the end), whenever it completes.
   */
  recordSuccess(nowUs: number, correctedUs: number, serviceUs: number, measured: boolean): void {
    if (nowUs >= this.nextSecondUs) this.advanceTo(nowUs);
    // Time this op was outstanding while nothing else completed: a stall seen by the generator.
    const gapUs = Math.min(nowUs - this.lastCompletionUs, serviceUs);
    if (gapUs > this.gapUsMax && measured) this.gapUsMax = gapUs;
    this.lastCompletionUs = nowUs;
    const value = toRecordableUs(correctedUs);
    this.interval.recordValue(value);
    this.intervalOps++;
    this.completedOps++;
    if (measured) {
      this.corrected.recordValue(value);
      this.serviceTime.recordValue(toRecordableUs(serviceUs));
      this.counters.acked++;
    } else {
      this.counters.warmupAcked++;
    }
  }

  recordError(nowUs: number, error: unknown, measured: boolean): void {
    this.advanceTo(nowUs);
    this.lastCompletionUs = nowUs;
    this.intervalErrors++;
    this.failedOps++;
    if (measured) this.counters.errors++;
    if (this.errorSamples.length < ERROR_SAMPLES_MAX) this.errorSamples.push(error instanceof Error ? error.message : String(error));
  }

  /** Open loop: an op was issued lagUs after it was ready (due, and a slot free). */
  recordScheduleLag(lagUs: number, waitedForSlot: boolean, measured: boolean): void {
    if (!measured) return;
    this.counters.scheduledOps++;
    if (waitedForSlot) this.counters.delayedByOutstandingLimit++;
    if (lagUs > this.lateLagUs) this.counters.lateOps++;
    this.scheduleLag.recordValue(toRecordableUs(lagUs));
  }

  recordOmitted(count: number, measured: boolean): void {
    if (measured) this.counters.omitted += count;
  }

  private rollSecond(): void {
    assert(this.series.length < SERIES_SECONDS_MAX, 'series longer than a day');
    const second = this.series.length;
    const count = this.interval.totalCount;
    const p50Us = count > 0 ? valueAtPercentile(this.interval, 50) : 0;
    const p99Us = count > 0 ? valueAtPercentile(this.interval, 99) : 0;
    this.series.push({
      second,
      warmup: this.nextSecondUs <= this.warmupEndUs,
      ops: this.intervalOps,
      errors: this.intervalErrors,
      p50Us,
      p99Us,
      maxUs: count > 0 ? this.interval.maxValue : 0,
      histogram: encodeHistogram(this.interval),
    });
    this.lastSecondOps = this.intervalOps;
    this.lastSecondP99Us = p99Us;
    this.interval.reset();
    this.intervalOps = 0;
    this.intervalErrors = 0;
    this.nextSecondUs += 1_000_000;
  }

  /** measuredUs: length of the measured window (warm-up end until issuing stopped). */
  finish(nowUs: number, measuredUs: number): PhaseRecording {
    assert(!this.finished, 'PhaseRecorder.finish called twice');
    this.finished = true;
    this.advanceTo(nowUs);
    // A partial last second is kept when it has any completions.
    if (this.intervalOps > 0 || this.intervalErrors > 0) this.rollSecond();
    const recording: PhaseRecording = {
      measuredUs: Math.max(0, measuredUs),
      counters: { ...this.counters },
      corrected: encodeHistogram(this.corrected),
      serviceTime: encodeHistogram(this.serviceTime),
      scheduleLag: encodeHistogram(this.scheduleLag),
      completionGapUsMax: Math.round(this.gapUsMax),
      series: this.series,
      errorSamples: this.errorSamples,
    };
    for (const h of [this.corrected, this.serviceTime, this.scheduleLag, this.interval]) h.destroy();
    return recording;
  }

  /** Frees WASM memory without producing a recording (error paths). */
  dispose(): void {
    if (this.finished) return;
    this.finished = true;
    for (const h of [this.corrected, this.serviceTime, this.scheduleLag, this.interval]) h.destroy();
  }
}
