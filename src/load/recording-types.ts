// Wire types of what a generator hands back: plain, structured-clone-safe objects, so a
// recording made in a piscina worker crosses to the main thread unchanged and is merged there.

/** One second of a phase (seconds counted from the phase start, warm-up included). */
export interface SeriesPoint {
  second: number;
  warmup: boolean;
  ops: number;
  errors: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  /** Corrected latency of this second's completions (mergeable, base64 HdrHistogram V2). */
  histogram: string;
}

export interface GeneratorCounters {
  /** Ops acked inside the measured window (after warm-up). */
  acked: number;
  /** Ops that failed inside the measured window. */
  errors: number;
  /** Open loop: arrivals dropped because the backlog exceeded backlogMax (never sent). */
  omitted: number;
  /** Ops acked during warm-up (not in the histograms). */
  warmupAcked: number;
  /** Open loop: ops that had to wait for a free outstanding slot. */
  delayedByOutstandingLimit: number;
  /** Open loop: ops issued more than scheduleLagMsMax after they were ready to go. */
  lateOps: number;
  /** Ops counted in the schedule-lag statistics (open loop). */
  scheduledOps: number;
}

export interface PhaseRecording {
  /** Measured window length (warm-up excluded), µs. */
  measuredUs: number;
  counters: GeneratorCounters;
  /** Latency from the intended start (open loop) or from the issue time (closed loop), base64. */
  corrected: string;
  /** Raw service time: from the moment the op was handed to the driver until its ack, base64. */
  serviceTime: string;
  /** Open loop: delay between an op being ready (due and a slot free) and being issued, base64. */
  scheduleLag: string;
  /** Longest time without any completion while ops were outstanding, µs. */
  completionGapUsMax: number;
  series: SeriesPoint[];
  /** First error messages (bounded), for the summary. */
  errorSamples: string[];
}
