// The human message for a ledger report: one headline with every count, then the first examples
// of each problem, so a failed run says what broke and where without opening the result file.

import type { LedgerExample, LedgerReport } from './ledger.js';

export function formatLedgerFailure(report: LedgerReport): string {
  const c = report.counts;
  const verdict = report.ok ? 'ok' : 'FAILED';
  const lines = [
    `correctness ledger ${verdict}: ${c.lost} lost, ${c.duplicated} duplicated, ${c.reordered} reordered, ${c.divergent} divergent ` +
      `of ${c.acked} acked (${c.unacknowledgedPresent} unacknowledged entries present; ` +
      `${report.replicas.length} replicas read back, majority ${report.majority} of ${report.groupSize}` +
      `${report.orderedProducers ? '' : ', producer order not checked'})`,
  ];
  pushExamples(lines, 'lost', report.examples.lost, c.lost);
  pushExamples(lines, 'duplicated', report.examples.duplicated, c.duplicated);
  pushExamples(lines, 'reordered', report.examples.reordered, c.reordered);
  for (const pair of report.examples.divergent) {
    lines.push(`  divergent: ${pair.replicaA} and ${pair.replicaB} first differ at index ${pair.index}: ${pair.entryA} vs ${pair.entryB}`);
  }
  if (report.acksTruncated) lines.push('  note: the ack log reached its bound; acks after it were not recorded and not checked');
  const untagged = report.replicas.filter((r) => r.untagged > 0);
  if (untagged.length > 0) lines.push(`  note: untagged entries (not written by logbench): ${untagged.map((r) => `${r.replica} ${r.untagged}`).join(', ')}`);
  return lines.join('\n');
}

function pushExamples(lines: string[], kind: string, examples: readonly LedgerExample[], count: number): void {
  for (const e of examples) {
    const ackState = e.acked ? '' : ' (never acked)';
    lines.push(`  ${kind}: producer ${e.producer} seq ${e.sequence}${ackState} on ${e.replica || 'no replica'}: expected ${e.expected}; found ${e.found}`);
  }
  if (count > examples.length) lines.push(`  ... and ${count - examples.length} more ${kind}`);
}
