// Reads a stopped replica's data directory back for the correctness ledger: the committed prefix
// as the replicated state machine sees it (entries a retry duplicated are dropped by the same
// dedupe rule every replica applies), payloads without the engine's body header.

import { bodyPayload, readBodyHeader, BODY_HEADER_BYTES } from '../client/protocol.js';
import type { ReplicaContents } from '../drivers/types.js';
import { DedupeTable, DEFAULT_DEDUPE_LIMITS } from '../node/dedupe.js';
import { FileLogStore } from '../storage/file-store.js';
import { asIndex } from '../types.js';

const READ_CHUNK_ENTRIES = 4096;

export interface ReadLogResult {
  contents: ReplicaContents;
  commitIndex: number;
  lastIndex: number;
  /** Committed entries that repeated an earlier (producer, sequence): not part of the state. */
  duplicatesSuppressed: number;
}

export async function readReplicaLog(replica: string, dir: string): Promise<ReadLogResult> {
  const store = await FileLogStore.open({ dir });
  try {
    const commitIndex = Math.min(store.hardState().commit, store.lastIndex());
    // The replicas' own limits: the reader must reach the state the replicas reached.
    const dedupe = new DedupeTable(DEFAULT_DEDUPE_LIMITS);
    const entries: ReplicaContents['entries'] = [];
    let duplicatesSuppressed = 0;
    for (let from: number = store.firstIndex(); from <= commitIndex; from += READ_CHUNK_ENTRIES) {
      const to = Math.min(commitIndex, from + READ_CHUNK_ENTRIES - 1);
      for (const entry of store.read(asIndex(from), asIndex(to))) {
        if (entry.data.byteLength < BODY_HEADER_BYTES) continue; // a leader's empty entry
        const { producer, sequence } = readBodyHeader(entry.data);
        if (dedupe.apply(producer, sequence, entry.index) !== undefined) {
          duplicatesSuppressed++;
          continue;
        }
        entries.push({ index: entry.index as number, payload: bodyPayload(entry.data).slice() });
      }
    }
    return { contents: { replica, entries }, commitIndex, lastIndex: store.lastIndex(), duplicatesSuppressed };
  } finally {
    await store.close();
  }
}
