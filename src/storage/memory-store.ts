// In-memory LogStore: the twin of FileLogStore used by tests (property tests compare the two) and by
// hosts that do not need durability. Every write is "durable" as soon as it is applied. Entries'
// data are copied on append, as the file store does, so callers may reuse their buffers.

import { MemoryLog } from '../raft/memory-log.js';
import type { Entry, HardState } from '../raft/types.js';
import type { LogIndex, Term } from '../types.js';
import { asIndex, asTerm, NO_NODE } from '../types.js';
import { checkFrames } from './entry-frames.js';
import { ENTRY_HEADER_BYTES } from './entry-format.js';
import type { FsyncPolicy, LogStore } from './log-store.js';
import { FSYNC_ALWAYS } from './log-store.js';
import { StorageError } from './storage-error.js';

export class MemoryLogStore implements LogStore {
  readonly fsyncPolicy: FsyncPolicy = FSYNC_ALWAYS;
  /** The entries, kept by the raft core's in-memory log; this class adds the LogStore checks. */
  private readonly log = new MemoryLog();
  private state: HardState = { term: asTerm(0), vote: NO_NODE, commit: asIndex(0) };
  private closed = false;

  firstIndex(): LogIndex {
    return this.log.firstIndex();
  }

  lastIndex(): LogIndex {
    return this.log.lastIndex();
  }

  durableIndex(): LogIndex {
    return this.lastIndex();
  }

  term(index: LogIndex): Term | undefined {
    return this.log.term(index);
  }

  entries(from: LogIndex, to: LogIndex, maxBytes: number): Entry[] {
    return this.log.entries(from, to, maxBytes);
  }

  read(from: LogIndex, to: LogIndex): Entry[] {
    return this.entries(from, to, Number.POSITIVE_INFINITY);
  }

  append(entries: readonly Entry[]): Promise<void> {
    try {
      this.checkOpen();
      if (entries.length === 0) return Promise.resolve();
      const start = entries[0]!.index;
      this.checkStart(start);
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
        if (entry.index !== start + i) throw new StorageError('INVALID', 'memory', `append: entry ${i} has index ${entry.index}, expected ${start + i}`);
        const previous = i === 0 ? this.term(asIndex(start - 1)) : entries[i - 1]!.term;
        if (entry.term < (previous ?? 0)) throw new StorageError('INVALID', 'memory', `append: term decreases at index ${entry.index}`);
      }
      this.log.append(entries.map((entry) => ({ index: entry.index, term: entry.term, data: entry.data.slice() })));
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  appendEncoded(frames: Uint8Array, count: number): Promise<void> {
    try {
      this.checkOpen();
      const layout = checkFrames(frames, count, 'appendEncoded');
      const entries: Entry[] = [];
      for (let i = 0; i < count; i++) {
        const start = layout.offsets[i]! + ENTRY_HEADER_BYTES;
        const end = i + 1 < count ? layout.offsets[i + 1]! : frames.byteLength;
        entries.push({ index: asIndex(layout.firstIndex + i), term: asTerm(layout.terms[i]!), data: frames.subarray(start, end) });
      }
      return this.append(entries);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  sync(): Promise<void> {
    return this.closed ? Promise.reject(this.closedError()) : Promise.resolve();
  }

  truncateSuffix(fromIndex: LogIndex): Promise<void> {
    try {
      this.checkOpen();
      if (fromIndex < this.firstIndex()) throw new StorageError('INVALID', 'memory', `truncateSuffix(${fromIndex}): before first index ${this.firstIndex()}`);
      this.log.truncateSuffix(fromIndex);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  hardState(): HardState {
    return { ...this.state };
  }

  setHardState(state: HardState): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    if (state.term < this.state.term) return Promise.reject(new RangeError(`setHardState: term ${state.term} is below the stored term ${this.state.term}`));
    this.state = { ...state };
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private checkStart(start: number): void {
    if (start < this.firstIndex() || start > this.lastIndex() + 1) {
      throw new StorageError('INVALID', 'memory', `append at index ${start}: expected an index in [${this.firstIndex()}, ${this.lastIndex() + 1}]`);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw this.closedError();
  }

  private closedError(): StorageError {
    return new StorageError('CLOSED', 'memory', 'memory log store is closed');
  }
}
