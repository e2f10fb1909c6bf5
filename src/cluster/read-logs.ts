// Reads a stopped replica's data directory back for the correctness ledger: the committed prefix
// as the replicated state machine sees it (entries a retry duplicated are dropped by the same
// dedupe rule every replica applies), each payload reduced to its load tag and a crc32.

import { crc32 } from 'node:zlib';
import { bodyPayload } from '../client/protocol.js';
import { ReplicaEntries } from '../drivers/replica-entries.js';
import type { ReplicaContents } from '../drivers/types.js';
import { DedupeTable, DEFAULT_DEDUPE_LIMITS } from '../node/dedupe.js';
import { forEachLogRequest } from '../node/log-requests.js';
import { FileLogStore } from '../storage/file-store.js';

const TAG_PREFIX_BYTES = 16;
const DIGEST_BYTES = TAG_PREFIX_BYTES + 4;

export interface ReadLogResult {
  contents: ReplicaContents;
  commitIndex: number;
  lastIndex: number;
  /** Committed entries that repeated an earlier (producer, sequence): not part of the state. */
  duplicatesSuppressed: number;
}

/**
 * What the ledger needs of a payload, in 20 bytes instead of the payload: its first 16 bytes (the
 * load tag: producer and sequence) and a crc32 of all of it (divergence between replicas). Copying
 * whole payloads made reading back three replicas after a 30 s run cost gigabytes.
 */
export function payloadDigest(payload: Uint8Array, into: Uint8Array = new Uint8Array(DIGEST_BYTES)): Uint8Array {
  const digest = into.subarray(0, DIGEST_BYTES);
  digest.fill(0);
  digest.set(payload.subarray(0, Math.min(TAG_PREFIX_BYTES, payload.byteLength)));
  new DataView(digest.buffer, digest.byteOffset, DIGEST_BYTES).setUint32(TAG_PREFIX_BYTES, crc32(payload), true);
  return digest;
}

export async function readReplicaLog(replica: string, dir: string): Promise<ReadLogResult> {
  const store = await FileLogStore.open({ dir });
  try {
    const commitIndex = Math.min(store.hardState().commit, store.lastIndex());
    // The replicas' own limits: the reader must reach the state the replicas reached.
    const dedupe = new DedupeTable(DEFAULT_DEDUPE_LIMITS);
    const entries = new ReplicaEntries();
    const digest = new Uint8Array(DIGEST_BYTES);
    let duplicatesSuppressed = 0;
    forEachLogRequest(store, commitIndex, (index, producer, sequence, body) => {
      if (dedupe.apply(producer, sequence, index) !== undefined) {
        duplicatesSuppressed++;
        return;
      }
      entries.push(index, payloadDigest(bodyPayload(body), digest));
    });
    return { contents: { replica, entries }, commitIndex, lastIndex: store.lastIndex(), duplicatesSuppressed };
  } finally {
    await store.close();
  }
}
