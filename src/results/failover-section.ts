// The `failover` section of a result: per-fault recovery metrics computed from the per-op
// completion log, the nemesis markers and the replicas' leader events, plus a 100 ms timeline of
// commits and errors with the markers, for charts. Pure: no I/O, no clocks.
//
// Definitions, for a fault at time F (each window ends at the next fault or the end of the load;
// "before" is the second before F, cut at the previous fault):
// - leaderElectedMs: first leader event after F that names a new leader (another member, or the
//   old one at a higher term), minus F. Leader faults only.
// - oldLeaderSteppedDownMs: first event after F (after the resume for a pause) in which the old
//   leader is no longer leader, minus F. Leader faults only; null when it was killed.
// - unavailableMs: completion of the first successful op that started at or after F, minus F
//   (ms precision; start = completion − corrected latency, the intended start in open loop).
// - longestGapMs: longest time without a successful commit in [F, window end], F included.
// - throughput: commits per 100 ms bucket, buckets aligned at F. meanBefore = mean bucket of the
//   before window; dipFraction = lowest bucket until recovery / meanBefore; recoverTo90Ms = start
//   of the first bucket with >= 90% of meanBefore (0: no dip visible at 100 ms).
// - p99 before / during / after: corrected latency of ops completing in the before window, in
//   [F, recovery end) where recovery end = F + max(unavailableMs, recoverTo90Ms) + 100 ms, and
//   after it until the window end.

import type { FaultMarker } from '../cluster/nemesis.js';
import type { LeaderEvent } from '../cluster/fault-target.js';
import { LEADER_FAULT_KINDS, SKIPPED_NOTE_PREFIX } from '../cluster/fault-spec.js';
import type { CompletionLog } from '../load/completion-log.js';
import { round1 } from '../round.js';

export const BUCKET_MS = 100;
export const TIMELINE_BUCKETS_MAX = 36_000;
export const LEADER_EVENTS_MAX = 2_000;
const BEFORE_MS = 1_000;

export interface TrialSummary {
  count: number;
  median: number | null;
  p99: number | null;
  max: number | null;
}

export interface FaultMetrics {
  kind: string;
  target: string;
  atMs: number;
  endAtMs: number | null;
  leaderBefore: string | null;
  leaderElectedMs: number | null;
  newLeader: string | null;
  oldLeaderSteppedDownMs: number | null;
  unavailableMs: number | null;
  longestGapMs: number;
  opsPerSecBefore: number;
  dipFraction: number | null;
  recoverTo90Ms: number | null;
  p99UsBefore: number | null;
  p99UsDuring: number | null;
  p99UsAfter: number | null;
  errorsDuring: number;
  note: string | null;
}

export interface FailoverSection {
  bucketMs: number;
  /** Wall-clock ms of the timeline's first bucket; markers and events use the same clock. */
  startMs: number;
  faults: FaultMetrics[];
  /** Per fault kind: median / p99 / max over the faults of that kind. */
  summary: Record<string, { unavailableMs: TrialSummary; leaderElectedMs: TrialSummary; recoverTo90Ms: TrialSummary; longestGapMs: TrialSummary }>;
  markers: FaultMarker[];
  leaderEvents: LeaderEvent[];
  timeline: { commits: number[]; errors: number[]; truncated: boolean };
  completionsTruncated: boolean;
}

export interface FailoverInput {
  completions: CompletionLog;
  /** Wall-clock ms = completion clock µs / 1000 + clockToWallMs. */
  clockToWallMs: number;
  markers: readonly FaultMarker[];
  leaderEvents: readonly LeaderEvent[];
}

/** Median, p99 (nearest rank) and max of the finite values; nulls when there are none. */
export function summarizeValues(values: ReadonlyArray<number | null>): TrialSummary {
  const sorted = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { count: 0, median: null, p99: null, max: null };
  const rank = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { count: n, median: round1(median), p99: round1(rank(0.99)), max: round1(sorted[n - 1]!) };
}

function p99Us(latencies: number[]): number | null {
  if (latencies.length === 0) return null;
  latencies.sort((a, b) => a - b);
  return Math.round(latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)]!);
}

const METRIC_KINDS: ReadonlySet<string> = new Set(['kill-leader', 'kill-follower', 'pause-leader', 'pause-follower', 'partition-leader', 'split', 'transfer-leader']);

export function buildFailoverSection(input: FailoverInput): FailoverSection {
  const { completions, clockToWallMs } = input;
  const toWall = (us: number): number => us / 1000 + clockToWallMs;
  const toClockUs = (ms: number): number => (ms - clockToWallMs) * 1000;
  const span = completions.span();
  const loadStartMs = span !== undefined ? toWall(span.firstUs) : (input.markers[0]?.atMs ?? 0);
  const loadEndMs = span !== undefined ? toWall(span.lastUs) : loadStartMs;
  const scheduled = input.markers.filter((m) => m.scheduled && METRIC_KINDS.has(m.kind));
  const events = [...input.leaderEvents].sort((a, b) => a.atMs - b.atMs);

  const faults: FaultMetrics[] = scheduled.map((marker, i) => {
    const f = marker.atMs;
    const windowEndMs = Math.max(f, Math.min(scheduled[i + 1]?.atMs ?? Number.POSITIVE_INFINITY, loadEndMs));
    const previous = scheduled[i - 1];
    const beforeStartMs = Math.max(loadStartMs, f - BEFORE_MS, previous !== undefined ? (previous.endAtMs ?? previous.atMs) : Number.NEGATIVE_INFINITY);

    // Successes before the fault and latency there.
    let commitsBefore = 0;
    const latBefore: number[] = [];
    completions.forEachBetween(toClockUs(beforeStartMs), toClockUs(f), (_, latencyUs, ok) => {
      if (!ok) return;
      commitsBefore++;
      latBefore.push(latencyUs);
    });
    const beforeMs = f - beforeStartMs;
    const meanBefore = beforeMs >= BUCKET_MS ? (commitsBefore * BUCKET_MS) / beforeMs : 0;

    // Fault-aligned buckets and the longest gap until the window end.
    const bucketCount = Math.max(1, Math.ceil((windowEndMs - f) / BUCKET_MS));
    const buckets = new Uint32Array(Math.min(bucketCount, TIMELINE_BUCKETS_MAX));
    let lastSuccessMs = f;
    let longestGapMs = 0;
    let firstSuccessMs: number | undefined;
    completions.forEachBetween(toClockUs(f), toClockUs(windowEndMs), (doneUs, _, ok) => {
      if (!ok) return;
      const t = toWall(doneUs);
      firstSuccessMs ??= t;
      longestGapMs = Math.max(longestGapMs, t - lastSuccessMs);
      lastSuccessMs = t;
      const b = Math.floor((t - f) / BUCKET_MS);
      if (b < buckets.length) buckets[b]!++;
    });
    longestGapMs = Math.max(longestGapMs, windowEndMs - lastSuccessMs);
    // The first success of an op that *started* at or after F (start = completion − corrected
    // latency, the intended start in open loop): an ack for an op committed just before a kill
    // and delivered just after it says nothing about availability after the fault.
    let firstStartedAfterUs: number | undefined;
    const fUs = toClockUs(f);
    completions.forEachBetween(fUs, toClockUs(windowEndMs), (doneUs, latencyUs, ok) => {
      if (ok && firstStartedAfterUs === undefined && doneUs - latencyUs >= fUs) firstStartedAfterUs = doneUs;
    });
    const unavailableMs = firstStartedAfterUs !== undefined ? Math.max(0, toWall(firstStartedAfterUs) - f) : null;

    let recoverBucket = -1;
    if (meanBefore > 0) for (let b = 0; b < buckets.length && recoverBucket < 0; b++) if (buckets[b]! >= 0.9 * meanBefore) recoverBucket = b;
    const recoverTo90Ms = recoverBucket >= 0 ? recoverBucket * BUCKET_MS : null;
    let lowest = Number.POSITIVE_INFINITY;
    const dipUntil = recoverBucket >= 0 ? recoverBucket + 1 : buckets.length;
    for (let b = 0; b < dipUntil; b++) lowest = Math.min(lowest, buckets[b]!);
    const dipFraction = meanBefore > 0 && Number.isFinite(lowest) ? Math.round((lowest / meanBefore) * 1000) / 1000 : null;

    const recoveryEndMs = Math.min(windowEndMs, f + Math.max(unavailableMs ?? 0, recoverTo90Ms ?? 0) + BUCKET_MS);
    const latDuring: number[] = [];
    const latAfter: number[] = [];
    let errorsDuring = 0;
    completions.forEachBetween(toClockUs(f), toClockUs(windowEndMs), (doneUs, latencyUs, ok) => {
      const during = toWall(doneUs) < recoveryEndMs;
      if (!ok) {
        if (during) errorsDuring++;
        return;
      }
      (during ? latDuring : latAfter).push(latencyUs);
    });

    const leaderFault = (LEADER_FAULT_KINDS as readonly string[]).includes(marker.kind);
    const elected = leaderFault ? newLeaderAfter(events, marker) : undefined;
    const steppedDown = leaderFault && !marker.kind.startsWith('kill-') ? oldLeaderStepDown(events, marker) : undefined;
    return {
      kind: marker.kind,
      target: marker.target,
      atMs: round1(f),
      endAtMs: marker.endAtMs === null ? null : round1(marker.endAtMs),
      leaderBefore: marker.leaderBefore,
      leaderElectedMs: elected !== undefined ? round1(elected.atMs - f) : null,
      newLeader: elected !== undefined ? elected.label : null,
      oldLeaderSteppedDownMs: steppedDown !== undefined ? round1(steppedDown - f) : null,
      unavailableMs: unavailableMs === null ? null : round1(unavailableMs),
      longestGapMs: round1(longestGapMs),
      opsPerSecBefore: Math.round(meanBefore * (1000 / BUCKET_MS)),
      dipFraction,
      recoverTo90Ms,
      p99UsBefore: p99Us(latBefore),
      p99UsDuring: p99Us(latDuring),
      p99UsAfter: p99Us(latAfter),
      errorsDuring,
      note: marker.note,
    };
  });

  // A fault the nemesis skipped (no leader, no live follower) did not happen: it is listed with
  // its note but not summarized, where its quiet timeline would pass for a painless fault.
  const byKind = new Map<string, FaultMetrics[]>();
  for (const m of faults) if (!isSkipped(m)) byKind.set(m.kind, [...(byKind.get(m.kind) ?? []), m]);
  const summary: FailoverSection['summary'] = {};
  for (const [kind, list] of byKind) {
    summary[kind] = {
      unavailableMs: summarizeValues(list.map((m) => m.unavailableMs)),
      leaderElectedMs: summarizeValues(list.map((m) => m.leaderElectedMs)),
      recoverTo90Ms: summarizeValues(list.map((m) => m.recoverTo90Ms)),
      longestGapMs: summarizeValues(list.map((m) => m.longestGapMs)),
    };
  }

  return {
    bucketMs: BUCKET_MS,
    startMs: round1(loadStartMs),
    faults,
    summary,
    markers: input.markers.map((m) => ({ ...m, atMs: round1(m.atMs), endAtMs: m.endAtMs === null ? null : round1(m.endAtMs) })),
    leaderEvents: events.slice(0, LEADER_EVENTS_MAX).map((e) => ({ ...e, atMs: round1(e.atMs) })),
    timeline: timeline(completions, toWall, loadStartMs, loadEndMs),
    completionsTruncated: completions.truncated,
  };
}

/** Leader events are labelled like markers: "replica-N" for the engine's numeric member ids. */
function labelOf(member: string): string {
  return /^\d+$/.test(member) ? `replica-${member}` : member;
}

function newLeaderAfter(events: readonly LeaderEvent[], marker: FaultMarker): { atMs: number; label: string } | undefined {
  const old = marker.leaderBefore;
  let oldTerm = -1;
  for (const e of events) if (e.atMs <= marker.atMs && e.role === 'leader' && labelOf(e.member) === old) oldTerm = Math.max(oldTerm, e.term ?? -1);
  for (const e of events) {
    if (e.atMs <= marker.atMs || e.role !== 'leader') continue;
    const label = labelOf(e.member);
    if (label !== old || (e.term !== null && e.term > oldTerm)) return { atMs: e.atMs, label };
  }
  return undefined;
}

function oldLeaderStepDown(events: readonly LeaderEvent[], marker: FaultMarker): number | undefined {
  for (const e of events) if (e.atMs > marker.atMs && labelOf(e.member) === marker.leaderBefore && e.role !== 'leader') return e.atMs;
  return undefined;
}

function timeline(completions: CompletionLog, toWall: (us: number) => number, startMs: number, endMs: number): FailoverSection['timeline'] {
  const wanted = Math.max(1, Math.floor((endMs - startMs) / BUCKET_MS) + 1);
  const n = Math.min(wanted, TIMELINE_BUCKETS_MAX);
  const commits = new Array<number>(n).fill(0);
  const errors = new Array<number>(n).fill(0);
  completions.forEachBetween(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, (doneUs, _, ok) => {
    const b = Math.floor((toWall(doneUs) - startMs) / BUCKET_MS);
    if (b < 0 || b >= n) return;
    if (ok) commits[b]!++;
    else errors[b]!++;
  });
  return { commits, errors, truncated: wanted > n };
}

/** True for a fault the nemesis did not inject (its note says why). */
export function isSkipped(fault: Pick<FaultMetrics, 'note'>): boolean {
  return fault.note !== null && fault.note.startsWith(SKIPPED_NOTE_PREFIX);
}

/** One line per fault kind for the run summary. */
export function failoverSummaryLines(section: FailoverSection): string[] {
  const ms = (v: number | null): string => (v === null ? '-' : `${Math.round(v)}ms`);
  const lines = ['', 'faults (median / p99 / max over the faults of a kind):'];
  for (const [kind, s] of Object.entries(section.summary)) {
    const trio = (t: TrialSummary): string => `${ms(t.median)} / ${ms(t.p99)} / ${ms(t.max)}`;
    lines.push(`  ${kind} x${s.unavailableMs.count || s.longestGapMs.count}: unavailable ${trio(s.unavailableMs)}; leader elected ${trio(s.leaderElectedMs)}; back to 90% ${trio(s.recoverTo90Ms)}; longest gap ${trio(s.longestGapMs)}`);
  }
  const skipped = section.faults.filter(isSkipped).length;
  if (skipped > 0) lines.push(`  (${skipped === 1 ? '1 scheduled fault was skipped and is' : `${skipped} scheduled faults were skipped and are`} not in the figures above)`);
  for (const f of section.faults) {
    if (f.note !== null) lines.push(`  note: ${f.kind} at +${Math.round(f.atMs - section.startMs)}ms: ${f.note}`);
  }
  return lines;
}

