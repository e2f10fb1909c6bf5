// Turns the few problem keys the ledger kept as examples into text that says what each replica
// holds. Runs only when something failed, and scans each replica at most once per problem kind.

import type { ReplicaContents } from '../drivers/types.js';
import { describeEntry } from './divergence.js';
import type { LedgerExample, ReplicaSummary } from './ledger.js';
import { hasTag, tagProducer, tagSequence } from './tag.js';

export interface ProblemKey {
  producer: number;
  sequence: number;
  /** lost: the acked index; duplicated: the index of the repeat. */
  index: number;
}

/** For each key, every index at which the replica holds it (one scan of the replica). */
export function indexesOfKeys(replica: ReplicaContents, keys: readonly ProblemKey[]): number[][] {
  const out = keys.map((): number[] => []);
  const byProducer = new Map<number, Map<number, number>>();
  keys.forEach((key, k) => {
    let bySequence = byProducer.get(key.producer);
    if (bySequence === undefined) {
      bySequence = new Map<number, number>();
      byProducer.set(key.producer, bySequence);
    }
    bySequence.set(key.sequence, k);
  });
  for (const entry of replica.entries) {
    if (!hasTag(entry.payload)) continue;
    const k = byProducer.get(tagProducer(entry.payload))?.get(tagSequence(entry.payload));
    if (k !== undefined) out[k]!.push(entry.index);
  }
  return out;
}

/** Position of `index` in a replica's entries (binary search; indexes strictly increase), or -1. */
export function positionOfIndex(replica: ReplicaContents, index: number): number {
  const entries = replica.entries;
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = entries.indexAt(mid);
    if (at === index) return mid;
    if (at < index) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function describeLost(
  keys: readonly ProblemKey[],
  replicas: readonly ReplicaContents[],
  summaries: readonly ReplicaSummary[],
  majority: number,
  groupSize: number,
): LedgerExample[] {
  if (keys.length === 0) return [];
  const elsewhere = replicas.map((replica) => indexesOfKeys(replica, keys));
  return keys.map((key, k) => {
    const lacking: string[] = [];
    const found: string[] = [];
    replicas.forEach((replica, r) => {
      const summary = summaries[r]!;
      const at = positionOfIndex(replica, key.index);
      let what: string;
      if (at >= 0) {
        const payload = replica.entries.payloadAt(at);
        if (hasTag(payload) && tagProducer(payload) === key.producer && tagSequence(payload) === key.sequence) {
          found.push(`${replica.replica} holds it`);
          return;
        }
        what = `${replica.replica} holds ${describeEntry(payload)}`;
      } else if (summary.lastIndex === null) {
        what = `${replica.replica} is empty`;
      } else if (key.index > summary.lastIndex) {
        what = `${replica.replica} prefix ends at ${summary.lastIndex}`;
      } else if (key.index < summary.firstIndex!) {
        what = `${replica.replica} starts at ${summary.firstIndex}`;
      } else {
        what = `${replica.replica} has no entry at that index`;
      }
      const other = elsewhere[r]![k]!;
      if (other.length > 0) what += ` (it is at index ${other.join(', ')})`;
      lacking.push(replica.replica);
      found.push(what);
    });
    return {
      producer: key.producer,
      sequence: key.sequence,
      index: key.index,
      replica: lacking.join(','),
      acked: true,
      expected: `at index ${key.index} on >= ${majority} of ${groupSize} replicas`,
      found: `on ${replicas.length - lacking.length}: ${found.join('; ')}`,
    };
  });
}

/** Duplicated examples: every index at which the replica holds the key. */
export function describeDuplicated(
  keys: ReadonlyArray<ProblemKey & { replica: number; ackedIndex: number | null }>,
  replicas: readonly ReplicaContents[],
): LedgerExample[] {
  const indexes = new Map<number, number[][]>();
  for (const r of new Set(keys.map((key) => key.replica))) {
    indexes.set(r, indexesOfKeys(replicas[r]!, keys));
  }
  return keys.map((key, k) => ({
    producer: key.producer,
    sequence: key.sequence,
    index: key.index,
    replica: replicas[key.replica]!.replica,
    acked: key.ackedIndex !== null,
    expected: key.ackedIndex !== null ? `once, at index ${key.ackedIndex}` : 'at most once',
    found: `at indexes ${indexes.get(key.replica)![k]!.join(', ')}`,
  }));
}
