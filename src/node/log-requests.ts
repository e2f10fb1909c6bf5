// The client requests a log holds, in log order, as replicas apply them: an entry whose body is
// shorter than the request header (a new leader's empty entry) or that names no producer is not a
// request. One loop serves the replica that rebuilds its dedupe table when it starts and the reader
// that reads a stopped replica's log back for the ledger, so both build the same table.

import { BODY_HEADER_BYTES, readBodyHeader } from '../client/protocol.js';
import type { LogStore } from '../storage/log-store.js';
import { asIndex } from '../types.js';
import { NO_PRODUCER } from './entry-meta.js';

/** Entries read per chunk (bounded memory however long the log). */
const READ_CHUNK_ENTRIES = 4096;

/** Calls `visit` for every request in entries [start (default store.firstIndex()), through]; returns the entries read. */
export function forEachLogRequest(store: Pick<LogStore, 'firstIndex' | 'read'>, through: number, visit: (index: number, producer: number, sequence: number, body: Uint8Array) => void, start: number = store.firstIndex()): number {
  let entries = 0;
  for (let from = start; from <= through; from += READ_CHUNK_ENTRIES) {
    const to = Math.min(through, from + READ_CHUNK_ENTRIES - 1);
    for (const entry of store.read(asIndex(from), asIndex(to))) {
      entries++;
      if (entry.data.byteLength < BODY_HEADER_BYTES) continue;
      const { producer, sequence } = readBodyHeader(entry.data);
      if (producer === NO_PRODUCER) continue;
      visit(entry.index, producer, sequence, entry.data);
    }
  }
  return entries;
}
