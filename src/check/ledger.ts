// The correctness ledger: compares every ack the generators received with what every replica
// holds after the run. Pure and synchronous: no I/O, no clocks.
//
// Inputs: acks (producer, sequence, index the system acked it at) and each replica's committed
// entries in log order, as the driver's readBack returned them (a lagging follower may return a
// shorter prefix). An entry is identified by the load tag at the start of its payload
// (src/check/tag.ts); untagged entries are counted per replica and otherwise ignored, except by
// the divergence check, which compares whole entries.
//
// Definitions (the counts of a LedgerReport):
// - acked: acks recorded. Each (producer, sequence) must be acked at most once (else the ack log
//   itself is broken and the ledger throws).
// - lost: acked entries that are not held at the index they were acked with by a majority of the
//   group: floor(groupSize / 2) + 1 replicas, groupSize defaulting to the number of replicas read
//   back (a system whose readBack returns one view, e.g. NATS, passes groupSize 1: a majority of
//   one). A replica whose prefix ends before the index, or starts after it, does not hold it; a
//   replica holding a different entry at that index does not hold it either (and, when another
//   replica does hold the acked entry there, that index is also divergent). An acked entry found
//   only at another index than the acked one is lost: the ack promised that position.
// - duplicated: distinct (producer, sequence) keys that appear at more than one index on at least
//   one replica, acked or not (a retried op committed twice breaks exactly-once either way).
// - reordered (only when orderedProducers): distinct acked keys that, on some replica, sit after an
//   acked entry of the same producer with a higher sequence. Sound for logbench's generators: a
//   producer is one slot with at most one op outstanding, so an acked op was acked before the
//   producer's next op was issued and must precede it in any linearizable log. Unacked entries
//   are exempt: an op that timed out may still commit after the producer's later ops. A
//   repeated occurrence of a key is counted as duplicated, not reordered.
// - divergent: indexes at which two replicas that both hold the index hold different entries
//   (src/check/divergence.ts); a shorter prefix is never divergence. The first divergent index
//   of each pair of replicas is reported.
// - unacknowledgedPresent: distinct keys held by some replica that were never acked: ops in flight
//   at the end, or acked after the client gave up. Allowed, counted, not an error.
// ok = lost + duplicated + reordered + divergent === 0.
//
// Cost: two passes over the acks and one walk over all replicas together in index order (which
// also finds divergence); per key state is four typed arrays indexed by a cell id
// (src/check/key-space.ts, src/check/cell-state.ts), 14 bytes a key; nothing per entry read back.
// Examples are described afterwards (src/check/ledger-examples.ts), only when a problem was found.

import { assert, AssertionError } from '../assert.js';
import type { ReplicaContents } from '../drivers/types.js';
import { checkAck, toAckWalk, type AckSource } from './ack-source.js';
import { CELL_REPLICAS_MAX, CellState, DUPLICATED, NOT_ACKED, REORDERED } from './cell-state.js';
import { DivergenceTracker, type DivergentPair, type PayloadComparison } from './divergence.js';
import { describeDuplicated, describeLost, type ProblemKey } from './ledger-examples.js';
import { KeySpaceBuilder, NO_SLOT, type KeySpace } from './key-space.js';
import { hasTag, tagProducer, tagSequence } from './tag.js';

export type { Ack, AckLogLike, AckSource } from './ack-source.js';
export type { DivergentPair, PayloadComparison } from './divergence.js';
export { formatLedgerFailure } from './ledger-format.js';

export interface LedgerOptions {
  /** Replicas in the group (majority = floor(groupSize / 2) + 1). Default: replicas.length. */
  groupSize?: number;
  /** Check per-producer order of acked entries. Default true (see the definition above). */
  orderedProducers?: boolean;
  /** Examples kept per problem kind. Default 5. */
  examplesMax?: number;
  /** How entries at the same index are compared for divergence. Default 'bytes'. */
  comparison?: PayloadComparison;
}

export interface LedgerCounts {
  acked: number;
  lost: number;
  duplicated: number;
  reordered: number;
  divergent: number;
  unacknowledgedPresent: number;
}

export interface LedgerExample {
  producer: number;
  sequence: number;
  /** lost: the acked index; duplicated: the index of the repeat; reordered: where the entry sits. */
  index: number;
  /** The replica(s) where the problem shows (lost: those not holding it, comma-separated). */
  replica: string;
  acked: boolean;
  expected: string;
  found: string;
}

export interface ReplicaSummary {
  replica: string;
  entries: number;
  /** Entries without a load tag (written by something other than a logbench generator). */
  untagged: number;
  firstIndex: number | null;
  lastIndex: number | null;
}

export interface LedgerReport {
  ok: boolean;
  counts: LedgerCounts;
  groupSize: number;
  majority: number;
  orderedProducers: boolean;
  /** The ack log hit its bound: acks after it were not recorded, so were not checked. */
  acksTruncated: boolean;
  replicas: ReplicaSummary[];
  examples: {
    lost: LedgerExample[];
    duplicated: LedgerExample[];
    reordered: LedgerExample[];
    /** The first divergent index of each pair of replicas that diverge. */
    divergent: DivergentPair[];
  };
}

export const LEDGER_EXAMPLES_MAX_DEFAULT = 5;

export function checkLedger(acks: AckSource, replicas: readonly ReplicaContents[], options: LedgerOptions = {}): LedgerReport {
  const groupSize = options.groupSize ?? replicas.length;
  const orderedProducers = options.orderedProducers ?? true;
  const examplesMax = options.examplesMax ?? LEDGER_EXAMPLES_MAX_DEFAULT;
  const comparison = options.comparison ?? 'bytes';
  assert(replicas.length >= 1 && replicas.length <= CELL_REPLICAS_MAX, () => `ledger needs 1..${CELL_REPLICAS_MAX} replicas, got ${replicas.length}`);
  assert(Number.isInteger(groupSize) && groupSize >= replicas.length, () => `groupSize must be an integer >= the ${replicas.length} replicas read back, got ${groupSize}`);
  assert(Number.isInteger(examplesMax) && examplesMax >= 0, () => `examplesMax must be a non-negative integer, got ${examplesMax}`);
  assert(new Set(replicas.map((r) => r.replica)).size === replicas.length, () => `replica names must be unique: ${replicas.map((r) => r.replica).join(', ')}`);
  const majority = Math.floor(groupSize / 2) + 1;
  const walk = toAckWalk(acks);

  const builder = new KeySpaceBuilder();
  let ackCount = 0;
  walk.forEach((producer, sequence, index) => {
    checkAck(producer, sequence, index, ackCount++);
    builder.observe(producer, sequence);
  });
  const space = builder.build();
  const state = new CellState(space.denseCells);
  walk.forEach((producer, sequence, index) => {
    const cell = space.cellOf(producer, sequence);
    state.ensure(cell);
    if (state.ackedIndex[cell] !== NOT_ACKED) {
      throw new AssertionError(`the ack log holds producer ${producer} seq ${sequence} twice (indexes ${state.ackedIndex[cell]} and ${index})`);
    }
    state.ackedIndex[cell] = index;
  });

  const visitor = new EntryVisitor(space, state, replicas.map((r) => r.replica), orderedProducers, examplesMax);
  const divergence = new DivergenceTracker(replicas, comparison);
  const summaries = walkReplicas(replicas, visitor, divergence);

  let lost = 0;
  let unacknowledgedPresent = 0;
  const lostKeys: ProblemKey[] = [];
  space.forEachCell((cell, producer, sequence) => {
    const index = state.ackedIndex[cell]!;
    if (index === NOT_ACKED) {
      if (state.seenBy[cell] !== 0) unacknowledgedPresent++;
      return;
    }
    if (state.present[cell]! >= majority) return;
    lost++;
    if (lostKeys.length < examplesMax) lostKeys.push({ producer, sequence, index });
  });

  const divergenceResult = divergence.result();
  const counts: LedgerCounts = {
    acked: ackCount,
    lost,
    duplicated: visitor.duplicated,
    reordered: visitor.reordered,
    divergent: divergenceResult.divergent,
    unacknowledgedPresent,
  };
  return {
    ok: counts.lost + counts.duplicated + counts.reordered + counts.divergent === 0,
    counts,
    groupSize,
    majority,
    orderedProducers,
    acksTruncated: walk.truncated,
    replicas: summaries,
    examples: {
      lost: describeLost(lostKeys, replicas, summaries, majority, groupSize),
      duplicated: describeDuplicated(visitor.duplicatedKeys, replicas),
      reordered: visitor.reorderedExamples,
      divergent: divergenceResult.pairs,
    },
  };
}

/**
 * Walks all replicas together, smallest index first: each entry is visited once (and its index
 * checked to be above the replica's previous one), and the entries that replicas hold at the
 * same index are compared.
 */
function walkReplicas(replicas: readonly ReplicaContents[], visitor: EntryVisitor, divergence: DivergenceTracker): ReplicaSummary[] {
  const n = replicas.length;
  const cursor = new Int32Array(n);
  // head[r]: index of replica r's entry at cursor[r] (+Infinity when done): each entry is
  // read once for its index and once for its payload, and nowhere else.
  const head = new Float64Array(n);
  for (let r = 0; r < n; r++) head[r] = indexAt(replicas[r]!, 0);
  const holders = new Int32Array(n);
  const payloads: Uint8Array[] = new Array<Uint8Array>(n);
  for (;;) {
    let index = Number.POSITIVE_INFINITY;
    for (let r = 0; r < n; r++) if (head[r]! < index) index = head[r]!;
    if (index === Number.POSITIVE_INFINITY) break;
    // Per-entry checks throw directly: an assert message closure per entry would cost allocations.
    if (!Number.isSafeInteger(index) || index < 0) throw new AssertionError(`replica read-back: entry index must be a non-negative integer, got ${index}`);
    let holderCount = 0;
    for (let r = 0; r < n; r++) {
      if (head[r] !== index) continue;
      const entries = replicas[r]!.entries;
      const at = cursor[r]!;
      const payload = entries.payloadAt(at);
      payloads[holderCount] = payload;
      holders[holderCount++] = r;
      visitor.visit(r, index, payload);
      cursor[r] = at + 1;
      const next = indexAt(replicas[r]!, at + 1);
      // The walk takes the smallest index first, so an entry out of order shows up right here.
      if (!(next > index)) {
        throw new AssertionError(`replica ${replicas[r]!.replica}: entries[${at + 1}].index ${next} is not above entries[${at}].index ${index} (read-back must be in log order)`);
      }
      head[r] = next;
    }
    divergence.atIndex(index, holders, payloads, holderCount);
  }
  return replicas.map((replica, r) => {
    const entries = replica.entries;
    return {
      replica: replica.replica,
      entries: entries.length,
      untagged: visitor.untagged[r]!,
      firstIndex: entries.length > 0 ? entries.indexAt(0) : null,
      lastIndex: entries.length > 0 ? entries.indexAt(entries.length - 1) : null,
    };
  });
}

/** Index of the entry at `at`, +Infinity past the end; NaN and the like are rejected (never taken). */
function indexAt(replica: ReplicaContents, at: number): number {
  if (at >= replica.entries.length) return Number.POSITIVE_INFINITY;
  const index = replica.entries.indexAt(at);
  if (!Number.isSafeInteger(index) || index < 0) throw new AssertionError(`replica ${replica.replica}: entries[${at}].index must be a non-negative integer, got ${index}`);
  return index;
}

/** The per-entry checks: presence at the acked index, repeats on one replica, producer order. */
class EntryVisitor {
  duplicated = 0;
  reordered = 0;
  readonly duplicatedKeys: Array<ProblemKey & { replica: number; ackedIndex: number | null }> = [];
  readonly reorderedExamples: LedgerExample[] = [];
  readonly untagged: Float64Array;
  /** Per replica and acked producer slot: the highest acked sequence met so far, and its index. */
  private readonly lastSequence: Float64Array;
  private readonly lastIndex: Float64Array;

  constructor(
    private readonly space: KeySpace,
    private readonly state: CellState,
    private readonly replicaNames: readonly string[],
    private readonly orderedProducers: boolean,
    private readonly examplesMax: number,
  ) {
    this.untagged = new Float64Array(replicaNames.length);
    this.lastSequence = new Float64Array(replicaNames.length * space.producerCount).fill(-1);
    this.lastIndex = new Float64Array(replicaNames.length * space.producerCount);
  }

  visit(r: number, index: number, payload: Uint8Array): void {
    if (!hasTag(payload)) {
      this.untagged[r]!++;
      return;
    }
    const producer = tagProducer(payload);
    const sequence = tagSequence(payload);
    const space = this.space;
    const state = this.state;
    const cell = space.cellOf(producer, sequence);
    state.ensure(cell);
    const ackedIndex = state.ackedIndex[cell]!;
    const acked = ackedIndex !== NOT_ACKED;
    // Each replica visits an index once, so this counts each replica at most once per key.
    if (acked && index === ackedIndex) state.present[cell]!++;
    const bit = 1 << r;
    if ((state.seenBy[cell]! & bit) !== 0) {
      if ((state.flags[cell]! & DUPLICATED) === 0) {
        state.flags[cell]! |= DUPLICATED;
        this.duplicated++;
        if (this.duplicatedKeys.length < this.examplesMax) this.duplicatedKeys.push({ producer, sequence, index, replica: r, ackedIndex: acked ? ackedIndex : null });
      }
      return;
    }
    state.seenBy[cell]! |= bit;
    if (!acked || !this.orderedProducers) return;
    const slot = space.slot(producer);
    if (slot === NO_SLOT) throw new AssertionError(`acked producer ${producer} has no slot`);
    const at = r * space.producerCount + slot;
    const last = this.lastSequence[at]!;
    if (sequence > last) {
      this.lastSequence[at] = sequence;
      this.lastIndex[at] = index;
      return;
    }
    if ((state.flags[cell]! & REORDERED) !== 0) return;
    state.flags[cell]! |= REORDERED;
    this.reordered++;
    if (this.reorderedExamples.length >= this.examplesMax) return;
    this.reorderedExamples.push({
      producer,
      sequence,
      index,
      replica: this.replicaNames[r]!,
      acked,
      expected: `seq ${sequence} (acked at index ${ackedIndex}) before seq ${last} of the same producer`,
      found: `at index ${index}, after seq ${last} at index ${this.lastIndex[at]}`,
    });
  }
}
