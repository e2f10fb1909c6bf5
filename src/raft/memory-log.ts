// In-memory StableLog: the twin used by tests and by the simulator. Holds entries
// [firstIndex, lastIndex] in an array; index 0 has term 0.
// Invariants: entries are contiguous; terms never decrease; entries[i].index === firstIndex + i.

import { assert } from '../assert.js';
import type { LogIndex, Term } from '../types.js';
import { asIndex, asTerm } from '../types.js';
import type { Entry, StableLog } from './types.js';

export class MemoryLog implements StableLog {
  private readonly stored: Entry[] = [];
  private first: LogIndex = asIndex(1);
  private termBeforeFirst: Term = asTerm(0);

  firstIndex(): LogIndex {
    return this.first;
  }

  lastIndex(): LogIndex {
    return asIndex(this.first + this.stored.length - 1);
  }

  term(index: LogIndex): Term | undefined {
    if (index === this.first - 1) return this.termBeforeFirst;
    if (index < this.first || index > this.lastIndex()) return undefined;
    return this.stored[index - this.first]!.term;
  }

  entries(from: LogIndex, to: LogIndex, maxBytes: number): Entry[] {
    assert(from >= this.first && to <= this.lastIndex() && from <= to + 1, () => `MemoryLog.entries(${from}, ${to}) outside [${this.first}, ${this.lastIndex()}]`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = from; i <= to; i++) {
      const entry = this.stored[i - this.first]!;
      bytes += entry.data.byteLength;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  /** Appends entries, replacing any stored suffix that starts at entries[0].index. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const start = entries[0]!.index;
    assert(start >= this.first && start <= this.lastIndex() + 1, () => `MemoryLog.append at ${start}: log is [${this.first}, ${this.lastIndex()}]`);
    this.stored.length = start - this.first;
    for (const entry of entries) {
      assert(entry.index === this.first + this.stored.length, `MemoryLog.append: entries not contiguous at ${entry.index}`);
      const previousTerm = this.term(asIndex(entry.index - 1))!;
      assert(entry.term >= previousTerm, `MemoryLog.append: term decreases at ${entry.index}`);
      this.stored.push(entry);
    }
  }

  /** Drops entries with index >= fromIndex. */
  truncateSuffix(fromIndex: LogIndex): void {
    assert(fromIndex >= this.first, `MemoryLog.truncateSuffix(${fromIndex}) before first index ${this.first}`);
    if (fromIndex <= this.lastIndex()) this.stored.length = fromIndex - this.first;
  }

  /** Returns a snapshot copy (entries are immutable values, the array is new). */
  clone(): MemoryLog {
    const copy = new MemoryLog();
    copy.first = this.first;
    copy.termBeforeFirst = this.termBeforeFirst;
    copy.stored.push(...this.stored);
    return copy;
  }
}
