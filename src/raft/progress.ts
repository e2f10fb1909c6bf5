// The leader's view of one follower (as in etcd-io/raft's tracker.Progress).
// Invariants: 0 <= match < next; match only grows while this node stays leader of the term.
// States:
//   probe     — the leader does not know where the follower's log matches; it sends one Append
//               at a time (probeSent pauses further sends until a response or heartbeat response);
//   replicate — the follower accepted an Append; the leader streams batches optimistically
//               (next advances on send), bounded by the Inflights window.

import { assert } from '../assert.js';
import type { LogIndex } from '../types.js';
import { asIndex } from '../types.js';
import { Inflights } from './inflights.js';

export type ProgressState = 'probe' | 'replicate';

export class Progress {
  match: LogIndex = asIndex(0);
  next: LogIndex;
  state: ProgressState = 'probe';
  /** In probe state: an Append is outstanding, wait for its response (or a heartbeat response). */
  probeSent = false;
  /** Set by any response from the follower; cleared by check-quorum every election timeout. */
  recentActive = false;
  /** An Append went to this follower since the last heartbeat round: its heartbeat is skipped. */
  appendSinceHeartbeat = false;
  readonly inflights: Inflights;

  constructor(next: LogIndex, inflightMsgsMax: number, inflightBytesMax: number) {
    assert(next >= 1, () => `Progress: next must be >= 1, got ${next}`);
    this.next = next;
    this.inflights = new Inflights(inflightMsgsMax, inflightBytesMax);
  }

  becomeProbe(): void {
    this.state = 'probe';
    this.next = asIndex(this.match + 1);
    this.probeSent = false;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = asIndex(this.match + 1);
    this.probeSent = false;
    this.inflights.reset();
  }

  /** True when the leader must not send another Append now. */
  isPaused(): boolean {
    return this.state === 'probe' ? this.probeSent : this.inflights.full();
  }

  /** Accounts for an Append just sent, whose entries end at `lastIndex` (or are empty). */
  sentEntries(entryCount: number, lastIndex: LogIndex, bytes: number): void {
    if (this.state === 'replicate') {
      // An empty Append (commit update) occupies no window slot, as in etcd.
      if (entryCount > 0) {
        this.next = asIndex(lastIndex + 1);
        this.inflights.add(lastIndex, bytes);
      }
    } else {
      this.probeSent = true;
    }
  }

  /** A success response acknowledged `index`; returns false when it told nothing new (stale or duplicate). */
  maybeUpdate(index: LogIndex): boolean {
    if (index <= this.match) return false;
    this.match = index;
    if (this.next <= index) this.next = asIndex(index + 1);
    this.probeSent = false;
    return true;
  }

  /**
   * A rejection of the Append with prevIndex `rejected`; `matchHint` is the highest index the
   * follower might still match. Returns false when the rejection is stale and must be ignored.
   */
  maybeDecrTo(rejected: LogIndex, matchHint: LogIndex): boolean {
    if (this.state === 'replicate') {
      // Everything at or below match is known to be accepted: a rejection there is out of date.
      if (rejected <= this.match) return false;
      this.next = asIndex(this.match + 1);
      return true;
    }
    // In probe only the one outstanding Append (prevIndex = next - 1) can be rejected for real.
    if (this.next - 1 !== rejected) return false;
    this.next = asIndex(Math.max(Math.min(rejected, matchHint + 1), this.match + 1));
    this.probeSent = false;
    return true;
  }
}
