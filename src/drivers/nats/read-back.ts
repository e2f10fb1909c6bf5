// Reads a JetStream stream's messages back for the correctness ledger, in sequence order.
//
// Reads are `STREAM.MSG.GET` requests by sequence, answered by the stream leader: JetStream
// offers no way to ask one chosen replica for its copy (direct gets go to any replica of a queue
// group), so the result is one ReplicaContents for the stream as the leader serves it, and its
// name says so. Plain requests (a window of them in flight) are used rather than an ordered
// consumer because each one is bounded by a timeout, while creating a consumer right after a
// leader change was seen to wait without end.

import type { JetStreamManager } from 'nats';
import { ReplicaEntries } from '../replica-entries.js';
import type { ReplicaContents } from '../types.js';
import { withTimeout } from '../deadline.js';

const IN_FLIGHT_MAX = 64;
const GET_TIMEOUT_MS = 5000;

function isNotFound(err: unknown): boolean {
  return err instanceof Error && /no message found|not found|404/i.test(err.message);
}

export async function readStream(jsm: JetStreamManager, stream: string, firstSeq: number, lastSeq: number, replica: string): Promise<ReplicaContents> {
  const slots: Array<{ index: number; payload: Uint8Array } | undefined> = [];
  let next = Math.max(1, firstSeq);
  const worker = async (): Promise<void> => {
    while (next <= lastSeq) {
      const seq = next++;
      try {
        const m = await withTimeout(jsm.streams.getMessage(stream, { seq }), GET_TIMEOUT_MS, `nats get ${stream} sequence ${seq}`);
        slots[seq - firstSeq] = { index: m.seq, payload: m.data.slice() };
      } catch (err) {
        // Removed by limits or purged: a gap in the stream, which the ledger sees as missing.
        if (!isNotFound(err)) throw err;
      }
    }
  };
  if (lastSeq >= firstSeq) await Promise.all(Array.from({ length: Math.min(IN_FLIGHT_MAX, lastSeq - firstSeq + 1) }, worker));
  const entries = new ReplicaEntries();
  for (const slot of slots) if (slot !== undefined) entries.push(slot.index, slot.payload);
  return { replica, entries };
}
