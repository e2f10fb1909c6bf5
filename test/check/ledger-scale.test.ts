// The ledger on a long run: 1 million acks over 3 replicas. The target is well under 3 s (and 10
// million in a few seconds on a free machine), but the test asserts behaviour only and prints the
// time: wall time on a shared CI machine says more about its neighbours than about the ledger.
// Building the input is not timed; only checkLedger is, after a full collection, so the garbage
// left by building millions of entry objects is not charged to it.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { checkLedger } from '../../src/check/ledger.js';
import { writeTag } from '../../src/check/tag.js';
import { ReplicaEntries } from '../../src/drivers/replica-entries.js';
import type { ReplicaContents } from '../../src/drivers/types.js';
import { AckLog } from '../../src/load/ack-log.js';

const OPS = 1_000_000;
const PRODUCERS = 64;
const PAYLOAD_BYTES = 32;

/** A replica holding every op, except the one at position `missing` (if given). */
function replica(name: string, missing = -1): ReplicaContents {
  const entries = new ReplicaEntries();
  const payload = new Uint8Array(PAYLOAD_BYTES);
  for (let i = 0; i < OPS; i++) {
    if (i === missing) continue;
    writeTag(payload, (7 << 24) | (i % PRODUCERS), Math.floor(i / PRODUCERS));
    entries.push(i + 1, payload);
  }
  return { replica: name, entries };
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('checkLedger at scale', () => {
  it('checks 1 million acks over 3 replicas and finds the one lost entry', () => {
    const acks = new AckLog(OPS);
    for (let i = 0; i < OPS; i++) acks.append((7 << 24) | (i % PRODUCERS), Math.floor(i / PRODUCERS), i + 1);
    const replicas = [replica('r0', 500_000), replica('r1', 500_000), replica('r2')];
    collectGarbage();
    const startedMs = performance.now();
    const cpuStarted = process.cpuUsage();
    const report = checkLedger(acks, replicas);
    const cpuMs = process.cpuUsage(cpuStarted).user / 1000;
    const elapsedMs = performance.now() - startedMs;
    console.log(`checkLedger: ${OPS} acks x 3 replicas in ${elapsedMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms cpu`);
    expect(report.counts).toEqual({ acked: OPS, lost: 1, duplicated: 0, reordered: 0, divergent: 0, unacknowledgedPresent: 0 });
    expect(report.examples.lost[0]).toMatchObject({ index: 500_001, replica: 'r0,r1' });
  });
});
