// Divergence: two replicas that both hold index i (each within the committed prefix it returned)
// with different entries there. A replica that returned a shorter prefix (a lagging follower) or
// one starting later (compacted) simply does not hold those indexes: that is never divergence.
// The count is the number of indexes at which the replicas holding it disagree; for each pair of
// replicas, the first index where they differ is kept for the error message.
// Precondition (checked by the ledger's walk): each replica's entries are in strictly increasing index.

import { Buffer } from 'node:buffer';
import type { ReplicaContents } from '../drivers/types.js';
import { hasTag, TAG_BYTES, tagProducer, tagSequence } from './tag.js';

/** 'bytes': entries are equal when every byte is; 'tag': when their load tags are (cheaper). */
export type PayloadComparison = 'bytes' | 'tag';

export interface DivergentPair {
  replicaA: string;
  replicaB: string;
  /** First index at which replicaA and replicaB both hold an entry and the entries differ. */
  index: number;
  /** What each holds there, e.g. "producer 3 seq 17 (1024 B)". */
  entryA: string;
  entryB: string;
}

export interface DivergenceResult {
  /** Indexes at which at least two replicas hold different entries. */
  divergent: number;
  /** One per pair of replicas that diverge, ordered by replica position in the input. */
  pairs: DivergentPair[];
}

/** Payloads up to this size are compared in JS (see samePayload). */
const SHORT_PAYLOAD_BYTES = 64;

export function describeEntry(payload: Uint8Array): string {
  if (!hasTag(payload)) return `untagged entry (${payload.byteLength} B)`;
  return `producer ${tagProducer(payload)} seq ${tagSequence(payload)} (${payload.byteLength} B)`;
}

export function samePayload(a: Uint8Array, b: Uint8Array, comparison: PayloadComparison): boolean {
  if (a === b) return true;
  // Lengths are read once: V8 does not hoist a typed array's length out of a loop condition
  // (measured: 6x slower on 32-byte payloads).
  const length = a.length;
  if (length !== b.length) return false;
  if (comparison === 'tag' && hasTag(a) && hasTag(b)) {
    for (let i = 0; i < TAG_BYTES; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (length <= SHORT_PAYLOAD_BYTES) {
    for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  // memcmp in native code: a JS byte loop is several times slower at 1 KiB, while the native
  // call's fixed cost (a few hundred ns) loses to a loop on short payloads.
  return Buffer.compare(a, b) === 0;
}

/**
 * Collects divergence while the ledger walks all replicas together in index order: at each
 * index it passes the replicas holding it and their payloads.
 */
export class DivergenceTracker {
  divergent = 0;
  private readonly pairs: DivergentPair[] = [];
  private readonly pairSeen: Uint8Array;

  constructor(
    private readonly replicas: readonly ReplicaContents[],
    private readonly comparison: PayloadComparison,
  ) {
    this.pairSeen = new Uint8Array(replicas.length * replicas.length);
  }

  /** holders[0..holderCount) hold `index`, in replica order, with payloads[0..holderCount). */
  atIndex(index: number, holders: Int32Array, payloads: readonly Uint8Array[], holderCount: number): void {
    if (holderCount < 2) return;
    const reference = payloads[0]!;
    for (let h = 1; h < holderCount; h++) {
      if (!samePayload(reference, payloads[h]!, this.comparison)) {
        this.divergent++;
        this.recordPairs(index, holders, payloads, holderCount);
        return;
      }
    }
  }

  result(): DivergenceResult {
    // Holders come in replica order, so pairs are (a, b) with a < b: sort by a, then b.
    const n = this.replicas.length;
    const position = new Map(this.replicas.map((r, i) => [r.replica, i]));
    const order = (p: DivergentPair): number => position.get(p.replicaA)! * n + position.get(p.replicaB)!;
    return { divergent: this.divergent, pairs: [...this.pairs].sort((x, y) => order(x) - order(y)) };
  }

  private recordPairs(index: number, holders: Int32Array, payloads: readonly Uint8Array[], holderCount: number): void {
    const n = this.replicas.length;
    for (let i = 0; i < holderCount; i++) {
      for (let j = i + 1; j < holderCount; j++) {
        const a = holders[i]!;
        const b = holders[j]!;
        if (this.pairSeen[a * n + b] === 1) continue;
        if (samePayload(payloads[i]!, payloads[j]!, this.comparison)) continue;
        this.pairSeen[a * n + b] = 1;
        this.pairs.push({ replicaA: this.replicas[a]!.replica, replicaB: this.replicas[b]!.replica, index, entryA: describeEntry(payloads[i]!), entryB: describeEntry(payloads[j]!) });
      }
    }
  }
}
