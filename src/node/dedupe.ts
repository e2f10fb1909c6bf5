// Exactly-once appends: the replicated state remembers, per producer, which sequence numbers
// were committed and at which index, so a request retried after a leader change (its first try may
// or may not have been committed) is acknowledged with the original index instead of being
// applied twice. Every replica applies the same committed entries in the same order, so every
// replica's table is identical.
//
// A producer's sequence numbers are consecutive integers, so each producer keeps a power-of-two
// ring keyed by sequence (typed arrays: a slot holds the sequence it describes and its index).
// This replaced a Map per producer, whose lookups were a visible share of the leader's time.
//
// Bounds: at most `producersMax` producers (least recently used evicted) and, per producer, the
// last `windowMax` sequence numbers. Correctness needs windowMax > the client's outstandingMax:
// a client never has a request outstanding that is more than outstandingMax sequences older than
// its newest, so a sequence below the window can only be a late copy of something applied (it is
// answered as a duplicate of unknown index, 0). Every replica and the log reader apply the same
// limits, so they agree on the state.

import { assert } from '../assert.js';

export interface DedupeLimits {
  producersMax: number;
  /** Power of two. */
  windowMax: number;
}

export const DEFAULT_DEDUPE_LIMITS: DedupeLimits = { producersMax: 256, windowMax: 1 << 15 };

class ProducerWindow {
  /** Highest sequence applied, -1 before the first. */
  highestSeq = -1;
  private readonly seqs: Float64Array;
  private readonly indexes: Float64Array;
  private readonly mask: number;
  lastUsed = 0;

  constructor(windowMax: number) {
    this.seqs = new Float64Array(windowMax).fill(-1);
    this.indexes = new Float64Array(windowMax);
    this.mask = windowMax - 1;
  }

  lookup(sequence: number): number | undefined {
    if (sequence > this.highestSeq) return undefined;
    const slot = sequence & this.mask;
    if (this.seqs[slot] === sequence) return this.indexes[slot];
    // Below the window and not remembered: it was committed long ago.
    if (sequence <= this.highestSeq - this.seqs.length) return 0;
    return undefined;
  }

  record(sequence: number, index: number): void {
    const slot = sequence & this.mask;
    this.seqs[slot] = sequence;
    this.indexes[slot] = index;
    if (sequence > this.highestSeq) this.highestSeq = sequence;
  }
}

export class DedupeTable {
  private readonly producers = new Map<number, ProducerWindow>();
  private clock = 0;

  constructor(private readonly limits: DedupeLimits = DEFAULT_DEDUPE_LIMITS) {
    assert(limits.producersMax > 0 && limits.windowMax > 0 && (limits.windowMax & (limits.windowMax - 1)) === 0, 'dedupe limits: positive, windowMax a power of two');
  }

  /** Index at which (producer, sequence) was committed; 0 if committed at an index no longer remembered; undefined if never. */
  committedIndex(producer: number, sequence: number): number | undefined {
    return this.producers.get(producer)?.lookup(sequence);
  }

  /**
   * Applies one committed entry. Returns the original index when it is a duplicate (the entry must
   * then be ignored by the state machine), undefined when it is new.
   */
  apply(producer: number, sequence: number, index: number): number | undefined {
    assert(Number.isSafeInteger(sequence) && sequence >= 0, () => `dedupe: sequence ${sequence} of producer ${producer} is not a non-negative integer`);
    let window = this.producers.get(producer);
    if (window === undefined) {
      if (this.producers.size >= this.limits.producersMax) this.evictLeastRecent();
      window = new ProducerWindow(this.limits.windowMax);
      this.producers.set(producer, window);
    } else {
      const previous = window.lookup(sequence);
      if (previous !== undefined) return previous;
    }
    window.lastUsed = ++this.clock;
    window.record(sequence, index);
    return undefined;
  }

  private evictLeastRecent(): void {
    let oldestKey = -1;
    let oldestUse = Infinity;
    for (const [key, window] of this.producers) {
      if (window.lastUsed < oldestUse) {
        oldestUse = window.lastUsed;
        oldestKey = key;
      }
    }
    this.producers.delete(oldestKey);
  }
}
