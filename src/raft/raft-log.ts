// The raft log as the core sees it: the host's StableLog (durable prefix) followed by an unstable
// in-memory suffix of entries proposed or received but not yet reported durable (etcd's "unstable").
//
// Invariants:
//   - the log is (StableLog entries <= persisted) ++ unstable; unstable holds exactly the entries
//     (persisted, lastIndex]; entries are contiguous and their terms never decrease;
//   - persisted <= handedThrough <= lastIndex: entries <= handedThrough were given to the host in a
//     Ready; entries > handedThrough are still to be handed out;
//   - applied <= min(commit, persisted): committed entries are handed out only once durable here;
//   - commit never decreases, and no entry at or below commit is ever replaced (asserted).
// Stable entries above `persisted` may be stale (a suffix the host has not overwritten yet after a
// conflict): they are never read.

import { assert } from '../assert.js';
import type { LogIndex, Term } from '../types.js';
import { asIndex, asTerm } from '../types.js';
import type { Entry, StableLog } from './types.js';

const NO_ENTRIES: Entry[] = [];
/** Dropped-prefix size beyond which the unstable array is compacted (amortised O(1) per entry). */
const COMPACT_HEAD_MIN = 1024;

export class RaftLog {
  private unstable: Entry[] = [];
  /** unstable[head] is the entry at persisted + 1. */
  private head = 0;
  private handedThrough: LogIndex;
  /** Highest index ever handed to the host: bounds what advance() may report. */
  private handedMax: LogIndex;
  private persistedNow: LogIndex;
  private commitNow: LogIndex;
  private appliedNow: LogIndex;
  /** Payload bytes of the entries returned by the last slice() call (saves the caller a second pass). */
  lastSliceBytes = 0;

  constructor(
    private readonly stable: StableLog,
    commit: LogIndex,
  ) {
    const last = stable.lastIndex();
    assert(last >= stable.firstIndex() - 1, () => `StableLog: lastIndex ${last} < firstIndex ${stable.firstIndex()} - 1`);
    assert(commit >= 0 && commit <= last, () => `HardState.commit ${commit} is beyond the stored log's last index ${last}`);
    this.persistedNow = last;
    this.handedThrough = last;
    this.handedMax = last;
    this.commitNow = commit;
    this.appliedNow = commit;
  }

  get lastIndex(): LogIndex {
    return asIndex(this.persistedNow + this.unstable.length - this.head);
  }

  get persisted(): LogIndex {
    return this.persistedNow;
  }

  get commit(): LogIndex {
    return this.commitNow;
  }

  get applied(): LogIndex {
    return this.appliedNow;
  }

  firstIndex(): LogIndex {
    return this.stable.firstIndex();
  }

  /** Term of the entry at `index`, or undefined when it is not in the log (or compacted away). */
  term(index: LogIndex): Term | undefined {
    if (index > this.persistedNow) {
      if (index > this.lastIndex) return undefined;
      return this.unstable[this.head + index - this.persistedNow - 1]!.term;
    }
    return this.stable.term(index);
  }

  lastTerm(): Term {
    const term = this.term(this.lastIndex);
    assert(term !== undefined, () => `RaftLog: term of last index ${this.lastIndex} unknown`);
    return term;
  }

  matchTerm(index: LogIndex, term: Term): boolean {
    return this.term(index) === term;
  }

  /** Raft's "at least as up to date" rule for granting votes. */
  isUpToDate(lastIndex: LogIndex, lastTerm: Term): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex);
  }

  entryAt(index: LogIndex): Entry | undefined {
    if (index > this.persistedNow) {
      if (index > this.lastIndex) return undefined;
      return this.unstable[this.head + index - this.persistedNow - 1];
    }
    if (index < this.stable.firstIndex()) return undefined;
    return this.stable.entries(index, index, Number.MAX_SAFE_INTEGER)[0];
  }

  /**
   * Up to `maxEntries` entries from `from`, stopping once `maxBytes` of payload would be exceeded
   * (at least one entry when from <= lastIndex). Sets lastSliceBytes.
   */
  slice(from: LogIndex, maxEntries: number, maxBytes: number): Entry[] {
    const last = this.lastIndex;
    this.lastSliceBytes = 0;
    if (from > last) return NO_ENTRIES;
    assert(from >= this.stable.firstIndex(), () => `RaftLog.slice(${from}): below first index ${this.stable.firstIndex()}`);
    let bytes = 0;
    if (from > this.persistedNow) {
      const start = this.head + from - this.persistedNow - 1;
      const end = Math.min(this.unstable.length, start + maxEntries);
      let stop = start;
      while (stop < end) {
        const size = this.unstable[stop]!.data.byteLength;
        if (stop > start && bytes + size > maxBytes) break;
        bytes += size;
        stop++;
      }
      this.lastSliceBytes = bytes;
      return this.unstable.slice(start, stop);
    }
    // Stable part only; the unstable remainder goes in the next batch.
    const to = asIndex(Math.min(this.persistedNow, from + maxEntries - 1));
    const entries = this.stable.entries(from, to, maxBytes);
    for (let i = 0; i < entries.length; i++) bytes += entries[i]!.data.byteLength;
    this.lastSliceBytes = bytes;
    return entries;
  }

  /** Entries [from, to] inclusive read through stable and unstable (for hosts and tests). */
  entries(from: LogIndex, to: LogIndex): Entry[] {
    const out: Entry[] = [];
    let next = from;
    while (next <= to) {
      const batch = this.slice(next, to - next + 1, Number.MAX_SAFE_INTEGER);
      if (batch.length === 0) break;
      for (const entry of batch) out.push(entry);
      next = asIndex(next + batch.length);
    }
    return out;
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with that term (etcd's
   * findConflictByTerm): where a log that has `term` at `index` can at best match this one.
   */
  findConflictByTerm(index: LogIndex, term: Term): { index: LogIndex; term: Term } {
    let i = Math.min(index, this.lastIndex);
    for (; i > 0; i--) {
      const ourTerm = this.term(asIndex(i));
      if (ourTerm === undefined) return { index: asIndex(i), term: asTerm(0) };
      if (ourTerm <= term) return { index: asIndex(i), term: ourTerm };
    }
    return { index: asIndex(0), term: asTerm(0) };
  }

  /** Leader path: appends new entries of `term` at the end. Never truncates. */
  appendNew(term: Term, data: readonly Uint8Array[]): void {
    const lastTerm = this.lastTerm();
    assert(term >= lastTerm, () => `RaftLog.appendNew: term ${term} below last term ${lastTerm}`);
    let index = this.lastIndex;
    for (let i = 0; i < data.length; i++) {
      index = asIndex(index + 1);
      this.unstable.push({ term, index, data: data[i]! });
    }
  }

  /**
   * Follower path: if the entry at prevIndex has prevTerm, merges `entries` (dropping any
   * conflicting suffix) and returns the index of the last entry the message covers; else -1.
   */
  maybeAppend(prevIndex: LogIndex, prevTerm: Term, entries: readonly Entry[]): number {
    if (!this.matchTerm(prevIndex, prevTerm)) return -1;
    const lastNew = prevIndex + entries.length;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (this.term(entry.index) === entry.term) continue;
      // First entry that is new or conflicting: everything from here replaces our suffix.
      this.replaceFrom(entries, i);
      break;
    }
    return lastNew;
  }

  private replaceFrom(entries: readonly Entry[], startAt: number): void {
    const first = entries[startAt]!.index;
    assert(first > this.commitNow, () => `RaftLog: entry ${first} conflicts with committed entry (commit ${this.commitNow})`);
    assert(first <= this.lastIndex + 1, () => `RaftLog: append at ${first} leaves a gap after ${this.lastIndex}`);
    if (first <= this.persistedNow) {
      // The conflict reaches into the durable part: the host overwrites that suffix later.
      this.persistedNow = asIndex(first - 1);
      this.unstable = entries.slice(startAt);
      this.head = 0;
    } else {
      this.unstable.length = this.head + (first - this.persistedNow - 1);
      for (let i = startAt; i < entries.length; i++) this.unstable.push(entries[i]!);
    }
    if (this.handedThrough >= first) this.handedThrough = asIndex(first - 1);
  }

  /** Entries to give the host in the next Ready; marks them handed out. */
  takeUnhanded(): Entry[] {
    const last = this.lastIndex;
    if (this.handedThrough >= last) return NO_ENTRIES;
    const start = this.head + this.handedThrough - this.persistedNow;
    const out = this.unstable.slice(start);
    this.handedThrough = last;
    if (last > this.handedMax) this.handedMax = last;
    return out;
  }

  hasUnhanded(): boolean {
    return this.handedThrough < this.lastIndex;
  }

  /**
   * The host reports entries durable through `index`. Capped at what was handed out since the last
   * conflict (an older report may speak of entries that were replaced). Returns true on progress.
   */
  persistTo(index: LogIndex): boolean {
    assert(Number.isInteger(index) && index >= 0, () => `advance(${index}): expected an integer index >= 0`);
    assert(index <= this.handedMax, () => `advance(${index}): beyond the last index ever handed out in a Ready (${this.handedMax})`);
    const through = Math.min(index, this.handedThrough);
    if (through <= this.persistedNow) return false;
    const ourTerm = this.term(asIndex(through));
    const storedLast = this.stable.lastIndex();
    assert(storedLast >= through, () => `advance(${index}): StableLog.lastIndex() is ${storedLast}, entries through ${through} were reported durable`);
    const storedTerm = this.stable.term(asIndex(through));
    assert(storedTerm === ourTerm, () => `advance(${index}): StableLog has term ${storedTerm} at ${through}, the log has ${ourTerm}`);
    this.head += through - this.persistedNow;
    this.persistedNow = asIndex(through);
    if (this.head === this.unstable.length) {
      this.unstable.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_HEAD_MIN && this.head * 2 >= this.unstable.length) {
      this.unstable = this.unstable.slice(this.head);
      this.head = 0;
    }
    return true;
  }

  commitTo(index: LogIndex): boolean {
    if (index <= this.commitNow) return false;
    assert(index <= this.lastIndex, () => `RaftLog.commitTo(${index}): beyond last index ${this.lastIndex}`);
    this.commitNow = index;
    return true;
  }

  hasCommittedToApply(): boolean {
    return this.appliedNow < Math.min(this.commitNow, this.persistedNow);
  }

  /** The newly committed and locally durable range, marked as handed out; undefined when none. */
  takeCommitted(): { from: LogIndex; to: LogIndex } | undefined {
    const to = Math.min(this.commitNow, this.persistedNow);
    if (to <= this.appliedNow) return undefined;
    const range = { from: asIndex(this.appliedNow + 1), to: asIndex(to) };
    this.appliedNow = asIndex(to);
    return range;
  }
}
