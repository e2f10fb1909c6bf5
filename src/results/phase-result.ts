// Turns a phase's merged recording into its section of the result file: throughput, both
// latency views, the generator's health verdict and its warnings. The verdicts live here, in
// one place, so the summary table, --json and the file always agree.

import { decodeHistogram, percentilesOf } from '../load/histogram.js';
import type { GeneratorSettings } from '../load/phase-spec.js';
import { achievedOpsPerSec, type PhaseOutcome } from '../load/run-scenario.js';
import type { Environment, LedgerStatus, PhaseResult } from './result-types.js';

const MB = 1_000_000;

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function buildPhaseResult(outcome: PhaseOutcome, settings: GeneratorSettings, sizeBytes: number, environment: Environment, ledger: LedgerStatus): PhaseResult {
  const { spec, recording } = outcome;
  const counters = recording.counters;
  const opsPerSec = achievedOpsPerSec(recording);
  const bytesPerSec = opsPerSec * sizeBytes;
  const corrected = percentilesOf(decodeHistogram(recording.corrected));
  const serviceTime = percentilesOf(decodeHistogram(recording.serviceTime));
  const lag = percentilesOf(decodeHistogram(recording.scheduleLag));
  const open = spec.type === 'open';
  const lateOpsFraction = counters.scheduledOps > 0 ? counters.lateOps / counters.scheduledOps : 0;
  const saturated = open && lateOpsFraction > settings.scheduleLagFractionMax;
  const delayedFraction = counters.scheduledOps > 0 ? counters.delayedByOutstandingLimit / counters.scheduledOps : 0;
  const gapMs = recording.completionGapUsMax / 1000;
  const warnings: string[] = [];
  if (saturated) {
    warnings.push(
      `generator saturated: ${(lateOpsFraction * 100).toFixed(1)}% of ops were issued more than ${settings.scheduleLagMsMax} ms after they were due (bound ${(settings.scheduleLagFractionMax * 100).toFixed(1)}%); ` +
        `these numbers describe the load generator, not the system (use generator.workers or a lower rate)`,
    );
  }
  if (open && delayedFraction > 0) {
    warnings.push(
      `${(delayedFraction * 100).toFixed(1)}% of ops waited for one of the ${settings.outstandingMax} outstanding slots (generator.outstandingMax); their wait is in the corrected latency`,
    );
  }
  if (counters.omitted > 0) warnings.push(`${counters.omitted} arrivals omitted: more than generator.backlogMax (${settings.backlogMax}) ops behind schedule; they were never sent and count as errors`);
  if (!open && gapMs >= settings.stallWarnMs) {
    warnings.push(
      `closed loop hid a stall: no op completed for ${gapMs.toFixed(0)} ms while ops were outstanding; its percentiles omit the waiting an open-loop client would see (coordinated omission; see max ${(corrected.maxUs / 1000).toFixed(1)} ms)`,
    );
  }
  if (counters.errors > 0) warnings.push(`${counters.errors} ops failed${recording.errorSamples.length > 0 ? `, e.g. ${recording.errorSamples[0]}` : ''}`);
  if (outcome.interrupted) warnings.push('interrupted: the phase was stopped before its end');
  const diskMBps = Number(environment.diskLimits?.['seqWriteMBps'] ?? NaN);
  return {
    index: outcome.index,
    name: spec.name,
    type: spec.type,
    startedAt: outcome.startedAt,
    target: {
      concurrency: spec.type === 'closed' ? spec.concurrency : null,
      rate: spec.type === 'open' ? round(spec.rate, 3) : null,
      arrival: spec.type === 'open' ? spec.arrival : null,
      rampFromRate: spec.type === 'open' ? (spec.rampFromRate ?? null) : null,
      rampSeconds: spec.type === 'open' ? (spec.rampSeconds ?? null) : null,
      rateRule: outcome.rateRule !== undefined ? { ...outcome.rateRule, baseOpsPerSec: round(outcome.rateRule.baseOpsPerSec, 1) } : null,
      ops: spec.ops ?? null,
      seconds: spec.seconds ?? null,
    },
    warmupSeconds: spec.warmupSeconds,
    measuredSeconds: round(recording.measuredUs / 1e6, 6),
    wallSeconds: round(outcome.wallSeconds, 3),
    workers: outcome.workers,
    interrupted: outcome.interrupted,
    ops: { acked: counters.acked, errors: counters.errors + counters.omitted, omitted: counters.omitted, warmupAcked: counters.warmupAcked },
    throughput: { opsPerSec: round(opsPerSec, 1), bytesPerSec: Math.round(bytesPerSec), mbPerSec: round(bytesPerSec / MB, 3) },
    latencyUs: { corrected, serviceTime },
    histograms: { unit: 'us', significantDigits: 3, corrected: recording.corrected, serviceTime: recording.serviceTime, scheduleLag: recording.scheduleLag },
    series: recording.series,
    generator: {
      coordinatedOmissionCorrected: open,
      saturated,
      scheduleLagMsMax: settings.scheduleLagMsMax,
      scheduleLagFractionMax: settings.scheduleLagFractionMax,
      lateOpsFraction: round(lateOpsFraction, 6),
      scheduleLagUs: { p99: lag.p99Us, max: lag.maxUs },
      outstandingMax: open ? settings.outstandingMax : null,
      delayedByOutstandingLimitFraction: round(delayedFraction, 6),
      completionGapMsMax: round(gapMs, 3),
      warnings,
    },
    correctness: { acked: counters.acked, lost: null, duplicated: null, divergent: null, ledger },
    diskLimitRatio: Number.isFinite(diskMBps) && diskMBps > 0 ? round(bytesPerSec / MB / diskMBps, 4) : null,
    errorSamples: recording.errorSamples,
  };
}
