// The client ↔ replica protocol: batches of append requests and batches of responses, the same
// bytes over a shared-memory ring (threads mode) or a TCP frame (process and remote modes).
//
// Request batch:   u32 count, then per request:
//   u32 requestId   client-chosen, echoed in the response
//   u32 payloadBytes
//   -- from here on the bytes are the raft entry body, used as is (one copy, no re-encoding) --
//   u32 producer    client's producer id (exactly-once: the replicated state deduplicates by it)
//   u32 seqLo, u32 seqHi   per-producer sequence number
//   payload
// Response batch:  u32 count, then per response RESPONSE_BYTES:
//   u32 requestId, u32 status, u32 indexLo, u32 indexHi, u32 term, u32 leaderHint
//
// Invariants checked on decode: count and lengths within the batch bytes, payload within limits.

import { assert } from '../assert.js';

export const REQUEST_HEADER_BYTES = 8;
export const BODY_HEADER_BYTES = 12;
export const RESPONSE_BYTES = 24;
export const BATCH_HEADER_BYTES = 4;
export const PAYLOAD_BYTES_MAX = 16 * 1024 * 1024;
const TWO_POW_32 = 4294967296;

export const Status = { Ok: 0, NotLeader: 1, Overloaded: 2, Failed: 3 } as const;
export type Status = (typeof Status)[keyof typeof Status];

export interface AppendRequestView {
  requestId: number;
  producer: number;
  sequence: number;
  /** The raft entry body: producer, sequence and payload (a view into the batch). */
  body: Uint8Array;
}

export interface AppendResponse {
  requestId: number;
  status: Status;
  index: number;
  term: number;
  /** Replica the client should try next (0 = unknown). */
  leaderHint: number;
}

export function requestBytes(payloadBytes: number): number {
  return REQUEST_HEADER_BYTES + BODY_HEADER_BYTES + payloadBytes;
}

/** Writes one request at `offset` of `target`; returns bytes written. */
export function encodeRequestInto(target: Uint8Array, offset: number, requestId: number, producer: number, sequence: number, payload: Uint8Array): number {
  assert(payload.byteLength <= PAYLOAD_BYTES_MAX, () => `payload of ${payload.byteLength} bytes exceeds ${PAYLOAD_BYTES_MAX}`);
  const view = new DataView(target.buffer, target.byteOffset + offset, REQUEST_HEADER_BYTES + BODY_HEADER_BYTES);
  view.setUint32(0, requestId >>> 0, true);
  view.setUint32(4, BODY_HEADER_BYTES + payload.byteLength, true);
  view.setUint32(8, producer >>> 0, true);
  view.setUint32(12, sequence % TWO_POW_32, true);
  view.setUint32(16, Math.floor(sequence / TWO_POW_32), true);
  target.set(payload, offset + REQUEST_HEADER_BYTES + BODY_HEADER_BYTES);
  return requestBytes(payload.byteLength);
}

export function writeBatchCount(target: Uint8Array, offset: number, count: number): void {
  new DataView(target.buffer, target.byteOffset + offset, 4).setUint32(0, count, true);
}

/** Calls `visit` for every request of a batch; the views are valid only while the batch bytes are. */
export function forEachRequest(batch: Uint8Array, visit: (request: AppendRequestView) => void): number {
  assert(batch.byteLength >= BATCH_HEADER_BYTES, 'request batch shorter than its header');
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const count = view.getUint32(0, true);
  let offset = BATCH_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    assert(offset + REQUEST_HEADER_BYTES + BODY_HEADER_BYTES <= batch.byteLength, () => `request ${i} of ${count} runs past the batch (${batch.byteLength} bytes)`);
    const requestId = view.getUint32(offset, true);
    const bodyBytes = view.getUint32(offset + 4, true);
    assert(bodyBytes >= BODY_HEADER_BYTES && bodyBytes - BODY_HEADER_BYTES <= PAYLOAD_BYTES_MAX, () => `request ${i}: body length ${bodyBytes} out of range`);
    const bodyStart = offset + REQUEST_HEADER_BYTES;
    assert(bodyStart + bodyBytes <= batch.byteLength, () => `request ${i}: body runs past the batch`);
    const body = batch.subarray(bodyStart, bodyStart + bodyBytes);
    const producer = view.getUint32(bodyStart, true);
    const sequence = view.getUint32(bodyStart + 4, true) + view.getUint32(bodyStart + 8, true) * TWO_POW_32;
    visit({ requestId, producer, sequence, body });
    offset = bodyStart + bodyBytes;
  }
  return count;
}

/** Producer and sequence of a raft entry body written by this protocol. */
export function readBodyHeader(body: Uint8Array): { producer: number; sequence: number } {
  assert(body.byteLength >= BODY_HEADER_BYTES, () => `entry body of ${body.byteLength} bytes is shorter than its ${BODY_HEADER_BYTES}-byte header`);
  const view = new DataView(body.buffer, body.byteOffset, BODY_HEADER_BYTES);
  return { producer: view.getUint32(0, true), sequence: view.getUint32(4, true) + view.getUint32(8, true) * TWO_POW_32 };
}

export function bodyPayload(body: Uint8Array): Uint8Array {
  return body.subarray(BODY_HEADER_BYTES);
}

export function encodeResponseInto(target: Uint8Array, offset: number, response: AppendResponse): number {
  const view = new DataView(target.buffer, target.byteOffset + offset, RESPONSE_BYTES);
  view.setUint32(0, response.requestId >>> 0, true);
  view.setUint32(4, response.status, true);
  view.setUint32(8, response.index % TWO_POW_32, true);
  view.setUint32(12, Math.floor(response.index / TWO_POW_32), true);
  view.setUint32(16, response.term >>> 0, true);
  view.setUint32(20, response.leaderHint >>> 0, true);
  return RESPONSE_BYTES;
}

export function forEachResponse(batch: Uint8Array, visit: (response: AppendResponse) => void): number {
  assert(batch.byteLength >= BATCH_HEADER_BYTES, 'response batch shorter than its header');
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const count = view.getUint32(0, true);
  assert(BATCH_HEADER_BYTES + count * RESPONSE_BYTES <= batch.byteLength, () => `response batch of ${count} runs past its ${batch.byteLength} bytes`);
  for (let i = 0; i < count; i++) {
    const at = BATCH_HEADER_BYTES + i * RESPONSE_BYTES;
    const status = view.getUint32(at + 4, true);
    assert(status <= Status.Failed, () => `response ${i}: unknown status ${status}`);
    visit({
      requestId: view.getUint32(at, true),
      status: status as Status,
      index: view.getUint32(at + 8, true) + view.getUint32(at + 12, true) * TWO_POW_32,
      term: view.getUint32(at + 16, true),
      leaderHint: view.getUint32(at + 20, true),
    });
  }
  return count;
}
