// Reads what one etcd member holds under a run's prefix, for the correctness ledger.
//
// Each member is asked on its own (a client bound to that member only, serializable reads), so
// a member that diverged or lags is seen as it is, not through the leader. Pages go by key (the
// server honours `limit` only for unsorted ranges) at one pinned revision, then entries are
// ordered by mod revision = the order etcd committed them.

import type { Etcd3, IKeyValue } from 'etcd3';
import type { ReplicaContents } from '../types.js';
import { ReplicaEntries } from '../replica-entries.js';
import { pollUntil } from '../deadline.js';
import type { EntryKeys } from './keys.js';

const PAGE_KEYS_MAX = 500;
const CATCH_UP_TIMEOUT_MS = 10_000;

/**
 * Waits (bounded) until the member has applied `revisionMin`, then returns every key under the
 * prefix as {index: mod revision, payload: value}, in mod-revision order.
 */
export async function readMember(client: Etcd3, replica: string, keys: EntryKeys, revisionMin: number): Promise<ReplicaContents> {
  const prefix = Buffer.from(keys.prefix);
  const rangeEnd = keys.rangeEnd();
  const pinned = await pollUntil(
    async () => {
      const r = await client.kv.range({ key: prefix, range_end: rangeEnd, serializable: true, count_only: true });
      const revision = Number(r.header.revision);
      return revision >= revisionMin ? revision : undefined;
    },
    { timeoutMs: CATCH_UP_TIMEOUT_MS, intervalMs: 50, what: `${replica} reaching revision ${revisionMin}` },
  );
  const kvs: IKeyValue[] = [];
  let from = prefix;
  for (;;) {
    const page = await client.kv.range({ key: from, range_end: rangeEnd, serializable: true, revision: pinned, limit: PAGE_KEYS_MAX });
    kvs.push(...page.kvs);
    if (!page.more || page.kvs.length === 0) break;
    // Next page starts just after the last key: the key with a 0x00 byte appended.
    from = Buffer.concat([page.kvs[page.kvs.length - 1]!.key, Buffer.from([0])]);
  }
  const sorted = kvs
    .map((kv) => ({ index: Number(kv.mod_revision), payload: new Uint8Array(kv.value.buffer, kv.value.byteOffset, kv.value.byteLength) }))
    .sort((a, b) => a.index - b.index);
  return { replica, entries: ReplicaEntries.from(sorted) };
}
