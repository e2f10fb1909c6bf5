// Exactly-once appends: the replicated state remembers, per producer, which sequence numbers
// were committed and at which index, so a request retried after a leader change (its first try may
// or may not have been committed) is acknowledged with the original index instead of being
// applied twice. Every replica applies the same committed entries in the same order, so every
// replica's table is identical.
//
// Bounds: at most `producersMax` producers and, per producer, the last `windowMax` sequence
// numbers. A retry older than the window is reported as a duplicate of unknown index (0) rather
// than applied twice. Producers are evicted least-recently-used.

import { assert } from '../assert.js';

export interface DedupeLimits {
  producersMax: number;
  windowMax: number;
}

export const DEFAULT_DEDUPE_LIMITS: DedupeLimits = { producersMax: 4096, windowMax: 65536 };

class ProducerWindow {
  /** Highest sequence applied; every sequence <= it that is in `indexBySeq` or below the window is done. */
  highestSeq = -1;
  readonly indexBySeq = new Map<number, number>();
  /** Sequences in commit order, oldest first, to evict beyond the window. */
  private readonly order: number[] = [];
  private orderHead = 0;

  constructor(private readonly windowMax: number) {}

  lookup(sequence: number): number | undefined {
    const index = this.indexBySeq.get(sequence);
    if (index !== undefined) return index;
    // Older than everything we still remember and not remembered: it was committed long ago.
    if (this.order.length - this.orderHead >= this.windowMax && sequence < (this.order[this.orderHead] ?? 0)) return 0;
    return undefined;
  }

  record(sequence: number, index: number): void {
    this.indexBySeq.set(sequence, index);
    this.order.push(sequence);
    if (sequence > this.highestSeq) this.highestSeq = sequence;
    if (this.order.length - this.orderHead > this.windowMax) {
      const evicted = this.order[this.orderHead++]!;
      this.indexBySeq.delete(evicted);
      if (this.orderHead > 4096 && this.orderHead * 2 > this.order.length) {
        this.order.splice(0, this.orderHead);
        this.orderHead = 0;
      }
    }
  }
}

export class DedupeTable {
  private readonly producers = new Map<number, ProducerWindow>();

  constructor(private readonly limits: DedupeLimits = DEFAULT_DEDUPE_LIMITS) {
    assert(limits.producersMax > 0 && limits.windowMax > 0, 'dedupe limits must be positive');
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
    let window = this.producers.get(producer);
    if (window === undefined) {
      if (this.producers.size >= this.limits.producersMax) {
        const oldest = this.producers.keys().next().value as number;
        this.producers.delete(oldest);
      }
      window = new ProducerWindow(this.limits.windowMax);
    } else {
      const previous = window.lookup(sequence);
      if (previous !== undefined) return previous;
      this.producers.delete(producer); // re-inserted below: Map order is LRU order
    }
    this.producers.set(producer, window);
    window.record(sequence, index);
    return undefined;
  }
}
