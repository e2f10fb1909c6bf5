// The correctness hook of a run: after the load, the ledger (src/check/ledger.ts) compares the
// acks the generators recorded with what every replica holds (driver.readBack()). For systems
// that cannot read their log back, or runs that kept no acks, the outcome says `not-run` with the
// reason, and the counts it cannot know are null (never a reassuring zero). A read-back that
// fails is a failed ledger: a run must not pass when its data could not be checked.

import { checkLedger, formatLedgerFailure, type LedgerReport } from '../check/ledger.js';
import type { Driver } from '../drivers/types.js';
import type { AckLog } from '../load/ack-log.js';
import type { CorrectnessSummary } from './result-types.js';

export interface CorrectnessInput {
  driver: Driver;
  acks: AckLog | undefined;
  /** Acked ops counted by the generators (kept even when the ack log is not). */
  acked: number;
}

export interface CorrectnessOutcome {
  summary: CorrectnessSummary;
  /** The ledger's report when it ran. */
  report: LedgerReport | undefined;
  /** What to print when the ledger failed: every count and the first examples. */
  failureText: string | undefined;
}

export async function checkCorrectness(input: CorrectnessInput): Promise<CorrectnessSummary> {
  return (await runLedger(input)).summary;
}

export async function runLedger(input: CorrectnessInput): Promise<CorrectnessOutcome> {
  const base = { acked: input.acked, acksTruncated: input.acks?.truncated ?? false };
  const unknown = { lost: null, duplicated: null, divergent: null, reordered: null };
  const notRun = (reason: string): CorrectnessOutcome => ({ summary: { ledger: 'not-run', reason, ...base, ...unknown }, report: undefined, failureText: undefined });
  if (input.driver.readBack === undefined) return notRun(`system ${input.driver.system} cannot read its log back`);
  if (input.acks === undefined) return notRun('acks were not recorded (generator.recordAcks: never)');
  let replicas;
  try {
    replicas = await input.driver.readBack();
  } catch (error) {
    const reason = `could not read the replicas back: ${error instanceof Error ? error.message : String(error)}`;
    return { summary: { ledger: 'failed', reason, ...base, ...unknown }, report: undefined, failureText: `correctness ledger FAILED: ${reason}` };
  }
  if (replicas.length === 0) return notRun(`system ${input.driver.system} returned no replica to read back`);
  const report = checkLedger(input.acks, replicas);
  const c = report.counts;
  const failureText = report.ok ? undefined : formatLedgerFailure(report);
  const reason = report.ok ? (report.acksTruncated ? 'the ack log reached generator.acksMax: only the acks before it were checked' : null) : failureText!;
  return {
    summary: { ledger: report.ok ? 'ok' : 'failed', reason, acked: input.acked, lost: c.lost, duplicated: c.duplicated, divergent: c.divergent, reordered: c.reordered, acksTruncated: report.acksTruncated },
    report,
    failureText,
  };
}
