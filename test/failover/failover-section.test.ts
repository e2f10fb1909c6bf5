// Failover metrics from a synthetic completion log: exact unavailability, gap, dip and recovery.

import { describe, expect, it } from 'vitest';
import type { FaultMarker } from '../../src/cluster/nemesis.js';
import { CompletionLog } from '../../src/load/completion-log.js';
import { buildFailoverSection, failoverSummaryLines, summarizeValues } from '../../src/results/failover-section.js';
import { compileSchema } from '../../src/results/ajv.js';
import { RESULT_SCHEMA } from '../../src/results/result-schema.js';
import { describeAjvErrors } from '../../src/results/schema-errors.js';

function marker(atMs: number, kind: FaultMarker['kind'] = 'kill-leader'): FaultMarker {
  return { atMs, kind, target: 'replica-1', fault: 0, scheduled: true, endAtMs: null, leaderBefore: 'replica-1', note: null };
}

/** One success every ms in [fromMs, toMs) at 1 ms latency (clock µs = wall ms * 1000). */
function steady(log: CompletionLog, fromMs: number, toMs: number): void {
  for (let t = fromMs; t < toMs; t++) log.recordSuccess(t * 1000, 1000);
}

describe('failover metrics', () => {
  it('a skipped fault is listed with its note but left out of the summary', () => {
    const log = new CompletionLog();
    steady(log, 0, 4000);
    const skipped: FaultMarker = { ...marker(1000, 'pause-follower'), target: 'group', note: 'skipped: no live follower' };
    const section = buildFailoverSection({ completions: log, clockToWallMs: 0, markers: [skipped, marker(2000, 'kill-leader')], leaderEvents: [] });
    expect(section.faults.map((f) => f.kind)).toEqual(['pause-follower', 'kill-leader']);
    expect(Object.keys(section.summary)).toEqual(['kill-leader']);
    const lines = failoverSummaryLines(section).join('\n');
    expect(lines).not.toMatch(/pause-follower x1/);
    expect(lines).toContain('1 scheduled fault was skipped and is not in the figures above');
    expect(lines).toContain('note: pause-follower at +');
  });

  it('unavailableMs is the time from the fault to the first success after it, to the ms', () => {
    const log = new CompletionLog();
    steady(log, 0, 2000);
    log.recordError(2100 * 1000);
    log.recordSuccess(2237 * 1000, 237_000);
    steady(log, 2238, 4000);
    const section = buildFailoverSection({ completions: log, clockToWallMs: 0, markers: [marker(2000)], leaderEvents: [] });
    const f = section.faults[0]!;
    expect(f.unavailableMs).toBe(237);
    expect(f.longestGapMs).toBe(237);
    expect(f.errorsDuring).toBe(1);
    expect(f.opsPerSecBefore).toBe(1000);
    expect(f.dipFraction).toBe(0);
    // Buckets aligned at the fault: [2000,2100) and [2100,2200) are empty, [2200,2300) has 63.
    expect(f.recoverTo90Ms).toBe(300);
    expect(f.p99UsBefore).toBe(1000);
    expect(f.p99UsAfter).toBe(1000);
  });

  it('leaderElectedMs takes the first leader event of a new leader after the fault', () => {
    const log = new CompletionLog();
    steady(log, 0, 3000);
    const events = [
      { atMs: 10, member: '1', role: 'leader', term: 1 },
      { atMs: 1050, member: '2', role: 'pre-candidate', term: 1 },
      { atMs: 1120, member: '2', role: 'leader', term: 2 },
    ];
    const section = buildFailoverSection({ completions: log, clockToWallMs: 0, markers: [marker(1000)], leaderEvents: events });
    expect(section.faults[0]).toMatchObject({ leaderElectedMs: 120, newLeader: 'replica-2' });
  });

  it('the timeline counts commits and errors per 100 ms bucket and the section validates in a result', () => {
    const log = new CompletionLog();
    steady(log, 0, 250);
    log.recordError(260_000);
    const section = buildFailoverSection({ completions: log, clockToWallMs: 0, markers: [marker(100)], leaderEvents: [] });
    expect(section.timeline.commits).toEqual([100, 100, 50]);
    expect(section.timeline.errors).toEqual([0, 0, 1]);
    const validate = compileSchema(RESULT_SCHEMA.properties.failover);
    expect(validate(JSON.parse(JSON.stringify(section)))).toBe(true);
    expect(validate({ ...section, bogus: 1 })).toBe(false);
    expect(describeAjvErrors(validate.errors ?? []).join('\n')).toMatch(/bogus: unknown field/);
  });

  it('summarizeValues gives median, nearest-rank p99 and max, ignoring nulls', () => {
    expect(summarizeValues([5, null, 1, 3])).toEqual({ count: 3, median: 3, p99: 5, max: 5 });
    expect(summarizeValues([null])).toEqual({ count: 0, median: null, p99: null, max: null });
  });
});
