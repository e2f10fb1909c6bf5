// The correctness hook of a run: after the load, the ledger (src/check) compares the acks the
// generators recorded with what every replica holds. Until a ledger implementation is wired in
// here, or for systems that cannot read their log back, the outcome says `not-run` with the
// reason, and the counts it cannot know are null (never a reassuring zero).

import type { Driver } from '../drivers/types.js';
import type { AckLog } from '../load/ack-log.js';
import type { CorrectnessSummary } from './result-types.js';

export interface CorrectnessInput {
  driver: Driver;
  acks: AckLog | undefined;
  /** Acked ops counted by the generators (kept even when the ack log is not). */
  acked: number;
}

export async function checkCorrectness(input: CorrectnessInput): Promise<CorrectnessSummary> {
  const notRun = (reason: string): CorrectnessSummary => ({
    ledger: 'not-run',
    reason,
    acked: input.acked,
    lost: null,
    duplicated: null,
    divergent: null,
    reordered: null,
    acksTruncated: input.acks?.truncated ?? false,
  });
  if (input.driver.readBack === undefined) return notRun(`system ${input.driver.system} cannot read its log back`);
  if (input.acks === undefined) return notRun('acks were not recorded (generator.recordAcks: never)');
  return notRun('no correctness ledger in this build yet');
}
