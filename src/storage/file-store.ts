// FileLogStore: the segmented commit log on disk.
//
// Model. The *visible* log (firstIndex..lastIndex, term, reads) changes synchronously on every
// append/truncate; the *physical* changes are queued as ops and executed in order by one writer
// loop. The writer takes the ops waiting at that moment as one batch: a single write of the
// coalesced bytes (entries are encoded straight into a shared slab, so 100 small appends are one
// buffer), then one fdatasync, then every append of the batch is acknowledged (group commit).
// Appends made while a batch is on disk accumulate for the next one; under policy `always` a batch
// of plain writes is capped at pipelineBatchBytesMax and up to fsyncsInFlightMax of them are
// pipelined (see PIPELINE_BATCH_BYTES_MAX).
// Ops other than plain writes (create/seal/truncate/remove segment, explicit sync) run one batch
// at a time with nothing else in flight.
//
// Invariants:
//   - an append's promise resolves only after its bytes are written and, under policy `always`,
//     fdatasynced; a segment is fdatasynced before the next segment receives bytes, so a crash can
//     only tear the tail of the last segment;
//   - entries at or below `stableLast` are durable and unchanged since; when a write, fsync or
//     truncate fails, the visible log and the files roll back to `stableLast` before anything else
//     is acknowledged (every waiting append is rejected with the StorageError), so no partial or
//     unacknowledged entry stays visible, and recovery would find the same log after a restart;
//   - the queue is bounded (queueBytesMax, queueEntriesMax): over the bound, calls wait in FIFO
//     order (back-pressure) instead of growing memory;
//   - bytes not yet written are always in the tail cache; reads never see a torn entry.

import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readdirSync, readSync, statSync, unlinkSync, writevSync } from 'node:fs';
import { resolve as resolvePath, join } from 'node:path';
import { assert } from '../assert.js';
import type { Entry, HardState } from '../raft/types.js';
import type { LogIndex, Term } from '../types.js';
import { asIndex, asTerm } from '../types.js';
import { DirLock } from './dir-lock.js';
import { checkFrames } from './entry-frames.js';
import { decodeEntryHeader, encodeEntryInto, ENTRY_BODY_BYTES_MAX, ENTRY_HEADER_BYTES, ENTRY_MAGIC, ENTRY_OFFSET_INDEX, ENTRY_OFFSET_MAGIC, ENTRY_OFFSET_TERM, verifyEntry } from './entry-format.js';
import { fdatasyncFd, fdatasyncFdNow, ftruncateFd, writevAt } from './fs-calls.js';
import { fsyncDirectory, readHardState, writeHardStateAsync } from './hard-state-file.js';
import type { FsyncPolicy, LogStore } from './log-store.js';
import { FSYNC_ALWAYS } from './log-store.js';
import { readLogStart, writeLogStart } from './log-start-file.js';
import { Segment, parseSegmentFileName, segmentFileName, segmentIndexFileName } from './segment.js';
import { readSegmentIndex, writeSegmentIndex } from './segment-index-file.js';
import { scanSegment } from './segment-scan.js';
import { SPARE_SEGMENTS_MAX_DEFAULT, SpareSegments } from './spare-segments.js';
import { TailCache } from './tail-cache.js';
import { fsError, StorageError } from './storage-error.js';

export const SEGMENT_BYTES_DEFAULT = 64 * 1024 * 1024;
/** Offsets are u32 and one entry may overflow a segment by up to ENTRY_BODY_BYTES_MAX. */
export const SEGMENT_BYTES_MAX = 1024 * 1024 * 1024;
export const SEGMENT_BYTES_MIN = 4096;
const QUEUE_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
const QUEUE_ENTRIES_MAX_DEFAULT = 1 << 20;
const CACHE_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;
/** A write up to this size is done synchronously: copying into the page cache costs less than a thread-pool hop. */
const SYNC_WRITE_BYTES_MAX = 4 * 1024 * 1024;
/**
 * Pipelined group commit (policy `always`): a batch of plain writes is at most this big, and up to
 * FSYNCS_IN_FLIGHT_MAX fdatasyncs run at once. With one batch on disk, the next one is already
 * written and syncing, so the acked appenders' next appends overlap the disk instead of waiting
 * for it in lock-step (A/B rounds on the shared, busy 2-core test machine, 1 KiB entries,
 * concurrency 256: 45k-84k appends/s pipelined vs 31k-53k one fsync at a time; noisy, one round
 * of three favoured the serial writer). fdatasync covers every page dirty when it starts, so any completed fsync
 * proves every earlier batch durable.
 */
export const PIPELINE_BATCH_BYTES_MAX = 128 * 1024;
/**
 * Three, not two: at concurrency 256 (1 KiB) two full batches hold 248 appends, and the 8 left
 * over waited for a whole fdatasync before starting their own. `bench storage`'s concurrency-256
 * store, 6 interleaved rounds: 203k appends/s mean with 3 against 164k with 2 (3 ahead in 6 of 6);
 * 4 gave the same as 3; concurrency 16 and 64 unchanged (44k vs 42k, 83k vs 82k); the engine's
 * replicas (1 MiB batches) unchanged within noise (4 pairs, 50.9k vs 49.6k).
 */
export const FSYNCS_IN_FLIGHT_MAX = 3;
/** Largest fsyncsInFlightMax a store accepts (the engine's knob and `logbench node --fsyncs-in-flight` check against it too). */
export const FSYNCS_IN_FLIGHT_LIMIT = 64;
/**
 * A batch of at most this many bytes, taken while no fdatasync is in flight, is fdatasynced on the
 * calling thread: a lone append (concurrency 1) is then acked without a thread-pool round trip.
 * Bigger batches, and every batch while another is syncing, go through the pool so that the next
 * batch's CPU work overlaps the disk. Replicas set it to 0 (src/node/replica-host.ts): a stalled
 * disk must not stall their event loop.
 */
const INLINE_FSYNC_BYTES_MAX = 16 * 1024;
/**
 * Under policies `none` and `interval`, an fdatasync of the active segment is started in the
 * background (nobody waits for it) after every this many bytes written. Without it a segment
 * reached its seal with up to 64 MiB dirty, and the seal's fdatasync (always done, see seal())
 * stopped the writer for 0.4–0.5 s: in a 3-replica group with fsync none, no append was acked for
 * that long, and the client turned to other replicas (13k redirects in 8 s).
 */
const WRITEBACK_BYTES = 4 * 1024 * 1024;
/** Upper bound on one disk read serving entries(); longer ranges take several reads. */
const READ_BYTES_MAX = 8 * 1024 * 1024;

export interface RetentionPolicy {
  /** Keep at most this many segments (the active one included). */
  segmentsMax?: number;
  /** Keep at most about this many bytes of segments (whole segments are removed, never the active one). */
  bytesMax?: number;
}

export interface FileLogStoreOptions {
  dir: string;
  fsync?: FsyncPolicy;
  segmentBytes?: number;
  retention?: RetentionPolicy;
  queueBytesMax?: number;
  queueEntriesMax?: number;
  cacheBytesMax?: number;
  /** Truncate the log at a corrupted entry instead of refusing to open. Loses every entry after it. */
  repair?: boolean;
  /** Group-commit tuning (policy `always`): bytes per pipelined batch and fdatasyncs in flight (1 = no pipelining). */
  pipelineBatchBytesMax?: number;
  fsyncsInFlightMax?: number;
  /** Write an append at once when the store is idle instead of on the next setImmediate (default true). */
  eagerFlush?: boolean;
  /** An idle store fdatasyncs a batch of at most this many bytes on the calling thread (0 = never; default 16 KiB). */
  inlineFsyncBytesMax?: number;
  /** Segment files removed by retention kept for reuse as new segments (see spare-segments.ts; 0 = unlink them). */
  spareSegmentsMax?: number;
  /** Called with one line per notable recovery action (torn tail truncated, index rebuilt, ...). */
  log?: (line: string) => void;
}

export interface FsyncStats {
  /** fdatasyncs done on the calling thread (an idle store, a small batch; see inlineFsyncBytesMax). */
  inline: number;
  /** fdatasyncs done through the thread pool. */
  pooled: number;
  /** Time from starting each fdatasync to its completion being seen, summed over both kinds (µs). */
  usSum: number;
  /** Background fdatasyncs under policies none and interval (see WRITEBACK_BYTES); not in usSum. */
  background: number;
  /** Most group-commit fdatasyncs in flight at once so far (at most fsyncsInFlightMax). */
  inFlightPeak: number;
}

export interface RecoveryReport {
  segments: number;
  indexFilesLoaded: number;
  segmentsScanned: number;
  tailTruncatedBytes: number;
  repairedAtIndex: number | undefined;
}

interface WriteOp {
  kind: 'write';
  seg: Segment;
  buf: Uint8Array;
  start: number;
  end: number;
  fileOffset: number;
  /** Index of the last entry in the op. */
  lastIndex: number;
  /** Highest append call fully contained in the ops up to and including this one. */
  seq: number;
  /** The waiter of the appends that ended in this op. */
  waiter: Waiter | undefined;
}

/** A pipelined batch whose fdatasync is in flight. */
interface InFlightSync {
  seq: number;
  lastIndex: number;
  /** Lowest (fromIndex - 1) of truncations made since the batch was taken. */
  floor: number;
  epoch: number;
  done: Promise<void>;
}

function u32At(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/** Cheap check that a frame's header names this index and term (low 32 bits; magic too). */
function frameMatches(frame: Uint8Array, index: number, term: number): boolean {
  return u32At(frame, ENTRY_OFFSET_MAGIC) === ENTRY_MAGIC && u32At(frame, ENTRY_OFFSET_INDEX) === index % 4294967296 && u32At(frame, ENTRY_OFFSET_TERM) === term % 4294967296;
}

/** An entry that may carry its frame in the entry format (see src/transport/codec.ts FramedEntry). */
type FramedEntry = Entry & { frame?: Uint8Array };

type Op =
  | WriteOp
  | { kind: 'create'; seg: Segment }
  | { kind: 'truncate'; seg: Segment; fileOffset: number }
  | { kind: 'remove'; seg: Segment }
  | { kind: 'seal'; seg: Segment; dataBytes: number }
  | { kind: 'sync' };

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (error: unknown) => void;
  /** Shared by every append made into the same write op (one op is always written and synced as one). */
  promise: Promise<void>;
}

interface Gated {
  run: () => void;
  reject: (error: unknown) => void;
}

function positiveInt(value: number | undefined, fallback: number, name: string, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new StorageError('INVALID', name, `option ${name}: expected an integer in [${min}, ${max}], got ${v}`);
  return v;
}

export class FileLogStore implements LogStore {
  readonly dir: string;
  readonly fsyncPolicy: FsyncPolicy;
  readonly segmentBytes: number;
  readonly recovery: RecoveryReport = { segments: 0, indexFilesLoaded: 0, segmentsScanned: 0, tailTruncatedBytes: 0, repairedAtIndex: undefined };
  private readonly lock: DirLock;
  private readonly retention: RetentionPolicy;
  private readonly queueBytesMax: number;
  private readonly queueEntriesMax: number;
  private readonly pipelineBatchBytesMax: number;
  private readonly fsyncsInFlightMax: number;
  private readonly spares: SpareSegments;
  private readonly eagerFlush: boolean;
  private readonly inlineFsyncBytesMax: number;
  private readonly log: (line: string) => void;

  private segments: Segment[] = [];
  private first = 1;
  private prevTerm = 0;
  private hard: HardState;
  private hardChain: Promise<void> = Promise.resolve();

  // Writer state.
  private ops: Op[] = [];
  private opSeq = 0;
  private queuedBytes = 0;
  private queuedEntries = 0;
  private readonly waiters: Waiter[] = [];
  private waiterHead = 0;
  private readonly gate: Gated[] = [];
  private flushing = false;
  private flushScheduled = false;
  private readonly flushBound = (): void => void this.flush();
  private unsyncedWrites = false;
  /** Bytes written since the last background fdatasync started (policies none and interval; see WRITEBACK_BYTES). */
  private writebackBytes = 0;
  /** The background fdatasync in flight, if any. */
  private writeback: Promise<void> | undefined;
  private intervalTimer: NodeJS.Timeout | undefined;
  /** Entries <= stableLast are durable and unmodified since: the rollback target after a failure. */
  private stableLast = 0;
  private truncFloorSinceSwap = Number.POSITIVE_INFINITY;
  private completedSeq = 0;
  private inflight: InFlightSync[] = [];
  /** Bumped by every failure: completions of syncs started before it must not acknowledge anything. */
  private epoch = 0;
  private pendingFailure: StorageError | undefined;
  /** Set when the store cannot continue (a failed rollback); only reopening recovers. */
  private failure: StorageError | undefined;
  private closed = false;

  /** Recently appended bytes (see tail-cache.ts). */
  private readonly cache: TailCache;
  private lastSegIndexHint = 0;
  private readonly fsyncCounts: FsyncStats = { inline: 0, pooled: 0, usSum: 0, background: 0, inFlightPeak: 0 };

  private constructor(dir: string, lock: DirLock, options: FileLogStoreOptions) {
    this.dir = dir;
    this.lock = lock;
    this.fsyncPolicy = options.fsync ?? FSYNC_ALWAYS;
    this.segmentBytes = positiveInt(options.segmentBytes, SEGMENT_BYTES_DEFAULT, 'segmentBytes', SEGMENT_BYTES_MIN, SEGMENT_BYTES_MAX);
    this.retention = options.retention ?? {};
    this.queueBytesMax = positiveInt(options.queueBytesMax, QUEUE_BYTES_MAX_DEFAULT, 'queueBytesMax', 1, 2 ** 40);
    this.queueEntriesMax = positiveInt(options.queueEntriesMax, QUEUE_ENTRIES_MAX_DEFAULT, 'queueEntriesMax', 1, 2 ** 30);
    this.cache = new TailCache(positiveInt(options.cacheBytesMax, CACHE_BYTES_MAX_DEFAULT, 'cacheBytesMax', 0, 2 ** 40));
    this.pipelineBatchBytesMax = positiveInt(options.pipelineBatchBytesMax, PIPELINE_BATCH_BYTES_MAX, 'pipelineBatchBytesMax', 4096, 2 ** 30);
    this.fsyncsInFlightMax = positiveInt(options.fsyncsInFlightMax, FSYNCS_IN_FLIGHT_MAX, 'fsyncsInFlightMax', 1, FSYNCS_IN_FLIGHT_LIMIT);
    this.eagerFlush = options.eagerFlush ?? true;
    this.inlineFsyncBytesMax = positiveInt(options.inlineFsyncBytesMax, INLINE_FSYNC_BYTES_MAX, 'inlineFsyncBytesMax', 0, 2 ** 30);
    this.log = options.log ?? (() => undefined);
    this.spares = new SpareSegments(dir, positiveInt(options.spareSegmentsMax, SPARE_SEGMENTS_MAX_DEFAULT, 'spareSegmentsMax', 0, 64), unlinkIfPresent);
    this.hard = readHardState(dir);
  }

  /** Opens (and recovers) the log in `options.dir`, which must exist. */
  static async open(options: FileLogStoreOptions): Promise<FileLogStore> {
    const dir = resolvePath(options.dir);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(dir).isDirectory();
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') throw new StorageError('ENOENT', dir, `data directory ${dir} does not exist (create it, or pass an existing --dir)`);
      throw fsError(error, dir, 'open data directory');
    }
    if (!isDirectory) throw new StorageError('ENOTDIR', dir, `data directory ${dir} is not a directory`);
    const lock = DirLock.acquire(dir);
    let store: FileLogStore | undefined;
    try {
      store = new FileLogStore(dir, lock, options);
      store.recover(options.repair === true);
      store.startIntervalTimer();
      return store;
    } catch (error) {
      store?.closeFds();
      lock.release();
      throw error;
    }
  }

  // ---------------------------------------------------------------- StableLog (synchronous reads)

  firstIndex(): LogIndex {
    return asIndex(this.first);
  }

  lastIndex(): LogIndex {
    const last = this.segments[this.segments.length - 1];
    return asIndex(last === undefined ? this.first - 1 : last.lastIndex);
  }

  durableIndex(): LogIndex {
    // Not durableLast: after a truncation, re-appended indices below it are new and not yet durable.
    return asIndex(Math.min(this.stableLast, this.lastIndex()));
  }

  term(index: LogIndex): Term | undefined {
    if (index === this.first - 1) return asTerm(this.prevTerm);
    const seg = this.segmentOf(index);
    return seg === undefined ? undefined : asTerm(seg.termAt(index - seg.firstIndex));
  }

  entries(from: LogIndex, to: LogIndex, maxBytes: number): Entry[] {
    assert(from >= this.first && to <= this.lastIndex() && from <= to + 1, () => `FileLogStore.entries(${from}, ${to}) outside [${this.first}, ${this.lastIndex()}]`);
    const out: Entry[] = [];
    let bytes = 0;
    let index: number = from;
    while (index <= to) {
      const seg = this.segmentOf(asIndex(index))!;
      const slot = index - seg.firstIndex;
      const start = seg.offsetAt(slot);
      const end = seg.entryEnd(slot);
      const bodyBytes = end - start - ENTRY_HEADER_BYTES;
      if (out.length > 0 && bytes + bodyBytes > maxBytes) break;
      // The caller gets a slice of the cache's memory: lend() keeps it from being reused.
      const cached = this.cache.lend(seg, start, end);
      if (cached !== undefined) {
        out.push({ index: asIndex(index), term: asTerm(seg.termAt(slot)), data: cached.buf.subarray(cached.at + ENTRY_HEADER_BYTES, cached.at + end - start) });
        bytes += bodyBytes;
        index++;
        continue;
      }
      // Not cached: one read for a run of entries of this segment, bounded by maxBytes and READ_BYTES_MAX.
      let lastSlot = slot;
      let runBytes = bodyBytes;
      while (lastSlot + 1 < seg.count && seg.firstIndex + lastSlot + 1 <= to) {
        const next = seg.entryEnd(lastSlot + 1) - seg.offsetAt(lastSlot + 1) - ENTRY_HEADER_BYTES;
        if (bytes + runBytes + next > maxBytes || seg.entryEnd(lastSlot + 1) - start > READ_BYTES_MAX) break;
        // Cached entries may not be written yet: the run from the file stops where the cache begins.
        if (this.cache.has(seg, seg.offsetAt(lastSlot + 1), seg.entryEnd(lastSlot + 1))) break;
        runBytes += next;
        lastSlot++;
      }
      const runEnd = seg.entryEnd(lastSlot);
      const buffer = this.readFile(seg, start, runEnd - start);
      for (let s = slot; s <= lastSlot; s++) {
        const at = seg.offsetAt(s) - start;
        this.verifyRead(seg, s, buffer, at);
        out.push({ index: asIndex(seg.firstIndex + s), term: asTerm(seg.termAt(s)), data: buffer.subarray(at + ENTRY_HEADER_BYTES, seg.entryEnd(s) - start) });
      }
      bytes += runBytes;
      index = seg.firstIndex + lastSlot + 1;
    }
    return out;
  }

  read(from: LogIndex, to: LogIndex): Entry[] {
    return this.entries(from, to, Number.POSITIVE_INFINITY);
  }

  // ---------------------------------------------------------------- writes

  append(entries: readonly Entry[]): Promise<void> {
    if (this.mustWait()) {
      const copies = entries.map((e) => ({ index: e.index, term: e.term, data: e.data.slice() }));
      return this.wait((ok, fail) => this.appendNow(copies).then(ok, fail));
    }
    return this.appendNow(entries);
  }

  appendEncoded(frames: Uint8Array, count: number): Promise<void> {
    if (this.mustWait()) {
      const copy = frames.slice();
      return this.wait((ok, fail) => this.appendEncodedNow(copy, count).then(ok, fail));
    }
    return this.appendEncodedNow(frames, count);
  }

  truncateSuffix(fromIndex: LogIndex): Promise<void> {
    if (this.mustWait()) return this.wait((ok, fail) => this.truncateNow(fromIndex).then(ok, fail));
    return this.truncateNow(fromIndex);
  }

  sync(): Promise<void> {
    if (this.mustWait()) return this.wait((ok, fail) => this.syncNow().then(ok, fail));
    return this.syncNow();
  }

  hardState(): HardState {
    return { ...this.hard };
  }

  setHardState(state: HardState): Promise<void> {
    const next = this.hardChain.then(async () => {
      this.checkUsable();
      // A term never goes back: writing an older one would let the log hold entries of a term
      // newer than its hard state (refused at the next open) and could undo a vote.
      if (state.term < this.hard.term) throw new StorageError('INVALID', this.dir, `setHardState: term ${state.term} is below the stored term ${this.hard.term}`);
      await writeHardStateAsync(this.dir, state);
      this.hard = { ...state };
    });
    this.hardChain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      // Under policy `always` everything acknowledged is already on disk; only queued or unsynced work needs a sync.
      const idle = this.ops.length === 0 && this.inflight.length === 0 && this.gate.length === 0 && !this.flushing && !this.unsyncedWrites;
      if (this.failure === undefined && !idle) await this.sync();
      if (this.failure === undefined) this.cutActiveStaleTail();
    } finally {
      this.closed = true;
      if (this.intervalTimer !== undefined) clearInterval(this.intervalTimer);
      await this.hardChain;
      await this.writeback;
      this.closeFds();
      this.lock.release();
    }
  }

  /** Bytes held by the in-memory index (typed arrays) and the tail cache. */
  memoryBytes(): { indexBytes: number; cacheBytes: number } {
    return { indexBytes: this.segments.reduce((sum, s) => sum + s.indexBytes(), 0), cacheBytes: this.cache.bytes };
  }

  /** fdatasyncs so far: group commits (policy `always`) with their time, and background ones (none, interval). */
  fsyncStats(): FsyncStats {
    return { ...this.fsyncCounts };
  }

  /** Tail-cache slabs allocated and reused so far (see tail-cache.ts). */
  slabStats(): { allocated: number; reused: number } {
    return this.cache.slabStats();
  }

  segmentCount(): number {
    return this.segments.length;
  }

  /** New segments made from spare files so far, spare files held now, and spares unlinked as unsafe to reuse (see spare-segments.ts). */
  spareStats(): { recycled: number; spares: number; discarded: number } {
    return { recycled: this.spares.recycled, spares: this.spares.count(), discarded: this.spares.discarded };
  }

  // ---------------------------------------------------------------- write path internals

  private appendNow(entries: readonly Entry[]): Promise<void> {
    try {
      this.checkUsable();
      if (entries.length === 0) return Promise.resolve();
      const start = entries[0]!.index;
      this.checkAppendStart(start, entries[0]!.term);
      let previousTerm = entries[0]!.term;
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
        if (entry.index !== start + i) throw new StorageError('INVALID', this.dir, `append: entry ${i} has index ${entry.index}, expected ${start + i}`);
        if (entry.term < previousTerm) throw new StorageError('INVALID', this.dir, `append: term decreases at index ${entry.index}`);
        if (entry.data.byteLength > ENTRY_BODY_BYTES_MAX) throw new StorageError('INVALID', this.dir, `append: entry ${entry.index} has ${entry.data.byteLength} bytes, more than ${ENTRY_BODY_BYTES_MAX}`);
        previousTerm = entry.term;
      }
      if (start <= this.lastIndex()) this.truncateVisible(start);
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
        const bytes = ENTRY_HEADER_BYTES + entry.data.byteLength;
        const seg = this.segmentFor(bytes);
        const { buf, pos } = this.cache.place(bytes, this.opSeq + 1, this.completedSeq);
        // An entry that carries its encoded frame (the leader framed it once; a follower received
        // it crc-checked) is copied as is: no second encode, no second crc.
        const frame = (entry as FramedEntry).frame;
        if (frame !== undefined && frame.byteLength === bytes) {
          // A frame that no longer describes its entry (memory reused too early) must never reach disk.
          assert(frameMatches(frame, entry.index, entry.term), () => `append: the frame carried by entry ${entry.index} (term ${entry.term}) describes another entry`);
          buf.set(frame, pos);
        } else {
          encodeEntryInto(buf, pos, entry.index, entry.term, entry.data);
        }
        this.commitPlaced(seg, buf, pos, bytes, entry.term);
      }
      return this.enqueued();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private appendEncodedNow(frames: Uint8Array, count: number): Promise<void> {
    try {
      this.checkUsable();
      const layout = checkFrames(frames, count, `appendEncoded to ${this.dir}`);
      this.checkAppendStart(layout.firstIndex, layout.terms[0]!);
      if (layout.firstIndex <= this.lastIndex()) this.truncateVisible(layout.firstIndex);
      for (let i = 0; i < count; i++) {
        const from = layout.offsets[i]!;
        const to = i + 1 < count ? layout.offsets[i + 1]! : frames.byteLength;
        const bytes = to - from;
        const seg = this.segmentFor(bytes);
        const { buf, pos } = this.cache.place(bytes, this.opSeq + 1, this.completedSeq);
        buf.set(frames.subarray(from, to), pos);
        this.commitPlaced(seg, buf, pos, bytes, layout.terms[i]!);
      }
      return this.enqueued();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private truncateNow(fromIndex: LogIndex): Promise<void> {
    try {
      this.checkUsable();
      if (!Number.isSafeInteger(fromIndex) || fromIndex < this.first) {
        throw new StorageError('INVALID', this.dir, `truncateSuffix(${fromIndex}): expected an index >= first index ${this.first}`);
      }
      if (fromIndex > this.lastIndex()) return Promise.resolve();
      this.truncateVisible(fromIndex);
      return this.enqueued();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private syncNow(): Promise<void> {
    try {
      this.checkUsable();
      this.ops.push({ kind: 'sync' });
      return this.enqueued();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private checkAppendStart(start: number, firstTerm: number): void {
    const last = this.lastIndex();
    if (start < this.first || start > last + 1) {
      throw new StorageError('INVALID', this.dir, `append at index ${start}: expected an index in [${this.first}, ${last + 1}]`);
    }
    const before = this.term(asIndex(start - 1)) ?? 0;
    if (firstTerm < before) throw new StorageError('INVALID', this.dir, `append at index ${start}: term ${firstTerm} is below term ${before} of index ${start - 1}`);
  }

  /** The segment an entry of `bytes` goes to: the active one, or a new one when it is full. */
  private segmentFor(bytes: number): Segment {
    const seg = this.segments[this.segments.length - 1]!;
    return seg.endOffset > 0 && seg.endOffset + bytes > this.segmentBytes ? this.roll(seg) : seg;
  }

  /** Records an entry placed in the tail cache in the segment index, the op queue and the cache's map. */
  private commitPlaced(seg: Segment, buf: Uint8Array, pos: number, bytes: number, term: number): void {
    const fileOffset = seg.endOffset;
    seg.push(fileOffset, term, bytes);
    const seq = this.opSeq + 1;
    const lastOp = this.ops[this.ops.length - 1];
    if (
      lastOp !== undefined &&
      lastOp.kind === 'write' &&
      lastOp.seg === seg &&
      lastOp.buf === buf &&
      lastOp.end === pos &&
      lastOp.fileOffset + (lastOp.end - lastOp.start) === fileOffset &&
      lastOp.end - lastOp.start + bytes <= this.pipelineBatchBytesMax
    ) {
      lastOp.end += bytes;
      lastOp.lastIndex = seg.lastIndex;
    } else {
      this.ops.push({ kind: 'write', seg, buf, start: pos, end: pos + bytes, fileOffset, lastIndex: seg.lastIndex, seq: this.opSeq, waiter: undefined });
    }
    this.cache.record(seg, fileOffset, bytes, buf, pos, seq);
    this.queuedBytes += bytes;
    this.queuedEntries++;
  }

  private roll(old: Segment): Segment {
    this.ops.push({ kind: 'seal', seg: old, dataBytes: old.endOffset });
    const seg = new Segment(this.dir, old.lastIndex + 1, Math.min(1 << 20, Math.max(1024, old.count)));
    this.segments.push(seg);
    this.ops.push({ kind: 'create', seg });
    return seg;
  }

  /** Drops visible entries >= fromIndex and queues the matching file changes. */
  private truncateVisible(fromIndex: number): void {
    assert(fromIndex >= this.first && fromIndex <= this.lastIndex(), () => `truncateVisible(${fromIndex}) outside [${this.first}, ${this.lastIndex()}]`);
    this.stableLast = Math.min(this.stableLast, fromIndex - 1);
    this.truncFloorSinceSwap = Math.min(this.truncFloorSinceSwap, fromIndex - 1);
    for (const record of this.inflight) record.floor = Math.min(record.floor, fromIndex - 1);
    while (this.segments.length > 1 && this.segments[this.segments.length - 1]!.firstIndex >= fromIndex) {
      const removed = this.segments.pop()!;
      this.cache.drop(removed, 0);
      this.ops.push({ kind: 'remove', seg: removed });
    }
    const seg = this.segments[this.segments.length - 1]!;
    seg.truncateTo(fromIndex - seg.firstIndex);
    seg.sealed = false;
    this.cache.drop(seg, seg.endOffset);
    this.ops.push({ kind: 'truncate', seg, fileOffset: seg.endOffset });
    this.lastSegIndexHint = 0;
  }

  private enqueued(): Promise<void> {
    const seq = ++this.opSeq;
    const lastOp = this.ops[this.ops.length - 1];
    const lastWrite = lastOp !== undefined && lastOp.kind === 'write' ? lastOp : undefined;
    if (lastWrite !== undefined) lastWrite.seq = seq;
    let done: Promise<void>;
    const shared = lastWrite?.waiter;
    if (shared !== undefined && this.waiters[this.waiters.length - 1] === shared) {
      // This append ended in the same write op as the previous one: they are written and synced
      // as one, so they share one waiter and one promise (no allocation per append).
      shared.seq = seq;
      done = shared.promise;
    } else {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      done = new Promise<void>((ok, fail) => {
        resolve = ok;
        reject = fail;
      });
      const waiter: Waiter = { seq, resolve, reject, promise: done };
      this.waiters.push(waiter);
      if (lastWrite !== undefined) lastWrite.waiter = waiter;
    }
    // An idle store (fsync always, no fdatasync in flight, no flush pending) writes as soon as the
    // caller's synchronous code is done (a microtask): the setImmediate that gathers one turn's
    // appends into a batch would only add a loop turn to a lone append, and the caller (a leader
    // sending the same entries to its followers) gets its sends out before the write (and any
    // inline fdatasync) starts. A busy store batches as before (appends wait for a free fsync slot anyway).
    if (this.eagerFlush && this.fsyncPolicy.kind === 'always' && !this.flushing && !this.flushScheduled && this.inflight.length === 0 && this.pendingFailure === undefined && this.failure === undefined) {
      this.flushScheduled = true;
      queueMicrotask(this.flushBound);
    } else {
      this.scheduleFlush();
    }
    return done;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    // setImmediate (not a microtask) so every append made in this turn of the event loop, including
    // those from continuations of the previous batch's acks, joins the same batch.
    setImmediate(this.flushBound);
  }

  private mustWait(): boolean {
    return this.gate.length > 0 || (this.queuedEntries > 0 && (this.queuedBytes >= this.queueBytesMax || this.queuedEntries >= this.queueEntriesMax));
  }

  private wait(run: (ok: () => void, fail: (error: unknown) => void) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.gate.push({ run: () => run(resolve, reject), reject });
    });
  }

  private drainGate(): void {
    while (this.gate.length > 0 && !(this.queuedEntries > 0 && (this.queuedBytes >= this.queueBytesMax || this.queuedEntries >= this.queueEntriesMax))) {
      this.gate.shift()!.run();
    }
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.failure === undefined) {
        if (this.pendingFailure !== undefined) {
          await Promise.all(this.inflight.map((r) => r.done));
          const error = this.pendingFailure;
          this.pendingFailure = undefined;
          await this.rollBackAfterFailure(error);
          continue;
        }
        if (this.ops.length === 0) break;
        if (this.fsyncPolicy.kind === 'always' && this.ops[0]!.kind === 'write') {
          if (this.inflight.length >= this.fsyncsInFlightMax) await Promise.race(this.inflight.map((r) => r.done));
          else this.writePipelined();
          continue;
        }
        if (this.inflight.length > 0) {
          await Promise.all(this.inflight.map((r) => r.done));
          continue;
        }
        await this.executeSerialBatch();
      }
    } finally {
      this.flushing = false;
    }
    if (this.ops.length > 0 && this.failure === undefined) this.scheduleFlush();
  }

  /** Writes a prefix of plain write ops (one segment, bounded bytes) and starts its fdatasync. */
  private writePipelined(): void {
    const first = this.ops[0] as WriteOp;
    let count = 1;
    let bytes = first.end - first.start;
    while (count < this.ops.length) {
      const next = this.ops[count]!;
      if (next.kind !== 'write' || next.seg !== first.seg || bytes + next.end - next.start > this.pipelineBatchBytesMax) break;
      if (next.fileOffset !== first.fileOffset + bytes) break;
      bytes += next.end - next.start;
      count++;
    }
    const batch = this.ops.splice(0, count) as WriteOp[];
    const last = batch[batch.length - 1]!;
    const record: InFlightSync = { seq: last.seq, lastIndex: last.lastIndex, floor: Number.POSITIVE_INFINITY, epoch: this.epoch, done: Promise.resolve() };
    try {
      this.writeSyncAll(first.seg, batch.map((op) => op.buf.subarray(op.start, op.end)), first.fileOffset, bytes);
    } catch (error) {
      this.noteFailure(error instanceof StorageError ? error : fsError(error, first.seg.path, 'write'));
      return;
    }
    const seg = first.seg;
    const startedMs = performance.now();
    if (this.inflight.length === 0 && bytes <= this.inlineFsyncBytesMax) {
      let synced: boolean;
      try {
        synced = fdatasyncFdNow(seg.fd);
      } catch (error) {
        this.noteFailure(fsError(error, seg.path, 'fdatasync'));
        return;
      }
      if (synced) {
        this.fsyncCounts.inline++;
        this.fsyncCounts.inFlightPeak = Math.max(this.fsyncCounts.inFlightPeak, 1);
        this.fsyncCounts.usSum += (performance.now() - startedMs) * 1000;
        this.completeSync(record);
        return;
      }
    }
    this.fsyncCounts.pooled++;
    record.done = fdatasyncFd(seg.fd).then(
      () => {
        this.fsyncCounts.usSum += (performance.now() - startedMs) * 1000;
        this.completeSync(record);
      },
      (error: unknown) => {
        if (record.epoch === this.epoch) this.noteFailure(fsError(error, seg.path, 'fdatasync'));
      },
    );
    record.done = record.done.finally(() => {
      const at = this.inflight.indexOf(record);
      if (at >= 0) this.inflight.splice(at, 1);
    });
    this.inflight.push(record);
    this.fsyncCounts.inFlightPeak = Math.max(this.fsyncCounts.inFlightPeak, this.inflight.length);
  }

  private noteFailure(error: StorageError): void {
    this.epoch++;
    this.pendingFailure ??= error;
    this.scheduleFlush();
  }

  private completeSync(record: InFlightSync): void {
    if (record.epoch !== this.epoch || record.seq <= this.completedSeq) return;
    this.stableLast = Math.min(record.lastIndex, record.floor);
    this.afterDurable(record.seq);
  }

  private afterDurable(seq: number): void {
    this.completedSeq = seq;
    this.queuedBytes = 0;
    for (const op of this.ops) if (op.kind === 'write') this.queuedBytes += op.end - op.start;
    this.queuedEntries = Math.max(0, this.lastIndex() - this.stableLast);
    this.settleThrough(seq);
    this.cache.evict(seq);
    this.drainGate();
    if (this.ops.length > 0) this.scheduleFlush();
  }

  private async executeSerialBatch(): Promise<void> {
    const batch = this.ops;
    this.ops = [];
    const batchSeq = this.opSeq;
    const swapLast = this.lastIndex();
    this.truncFloorSinceSwap = Number.POSITIVE_INFINITY;
    const epoch = this.epoch;
    try {
      await this.execute(batch);
    } catch (error) {
      if (epoch === this.epoch) this.noteFailure(error instanceof StorageError ? error : fsError(error, this.dir, 'write log in'));
      return;
    }
    this.stableLast = Math.min(swapLast, this.truncFloorSinceSwap);
    this.afterDurable(batchSeq);
  }

  private async execute(batch: Op[]): Promise<void> {
    const touched: Segment[] = [];
    let dirDirty = false;
    let syncRequested = this.fsyncPolicy.kind === 'always';
    for (let i = 0; i < batch.length; i++) {
      const op = batch[i]!;
      switch (op.kind) {
        case 'write': {
          // Coalesce consecutive writes to the same segment into one writev.
          const buffers = [op.buf.subarray(op.start, op.end)];
          let bytes = op.end - op.start;
          while (i + 1 < batch.length) {
            const next = batch[i + 1]!;
            if (next.kind !== 'write' || next.seg !== op.seg || next.fileOffset !== op.fileOffset + bytes) break;
            buffers.push(next.buf.subarray(next.start, next.end));
            bytes += next.end - next.start;
            i++;
          }
          await this.writeAll(op.seg, buffers, op.fileOffset, bytes);
          if (!touched.includes(op.seg)) touched.push(op.seg);
          this.unsyncedWrites = true;
          this.writebackBytes += bytes;
          if (this.fsyncPolicy.kind !== 'always' && this.writebackBytes >= WRITEBACK_BYTES && this.writeback === undefined) this.startWriteback(op.seg);
          break;
        }
        case 'create':
          try {
            // A recycled file keeps its old bytes past what this segment writes: seal() and close()
            // cut them, recovery stops at them (their indices are below the log's first).
            const recycled = this.spares.takeAs(op.seg.path, this.first);
            op.seg.fd = openSync(op.seg.path, recycled ? 'r+' : 'w+', 0o644);
            // The new name must be durable before the first write: an fdatasync of overwritten
            // blocks commits no rename (see spare-segments.ts).
            if (recycled) this.syncDir();
          } catch (error) {
            throw fsError(error, op.seg.path, 'create segment');
          }
          dirDirty = true;
          break;
        case 'truncate':
          if (await this.truncateFile(op.seg, op.fileOffset)) dirDirty = true;
          if (!touched.includes(op.seg)) touched.push(op.seg);
          break;
        case 'remove':
          await this.writeback; // it may hold this segment's fd
          this.removeFiles(op.seg);
          dirDirty = true;
          break;
        case 'seal': {
          await this.seal(op.seg, op.dataBytes);
          const at = touched.indexOf(op.seg);
          if (at >= 0) touched.splice(at, 1);
          break;
        }
        case 'sync':
          syncRequested = true;
          break;
      }
    }
    if (syncRequested) {
      for (const seg of touched) if (seg.fd >= 0) await this.datasync(seg);
      if (this.fsyncPolicy.kind === 'always' || batch.some((op) => op.kind === 'sync')) {
        const active = this.segments[this.segments.length - 1]!;
        if (!touched.includes(active) && active.fd >= 0 && this.unsyncedWrites) await this.datasync(active);
        this.unsyncedWrites = false;
      }
      if (dirDirty) this.syncDir();
    } else if (dirDirty) {
      // Creating, removing and truncating files must be durable before later data depends on them.
      this.syncDir();
    }
  }

  /** Small writes are done synchronously: copying into the page cache costs less than a thread-pool hop. */
  private writeSyncAll(seg: Segment, buffers: Uint8Array[], position: number, bytes: number): void {
    try {
      let done = 0;
      while (done < bytes) done += writevSync(seg.fd, done === 0 ? buffers : remainingBuffers(buffers, done), position + done);
    } catch (error) {
      throw fsError(error, seg.path, `write ${bytes} bytes at offset ${position} of`);
    }
  }

  private async writeAll(seg: Segment, buffers: Uint8Array[], position: number, bytes: number): Promise<void> {
    if (bytes <= SYNC_WRITE_BYTES_MAX) return this.writeSyncAll(seg, buffers, position, bytes);
    try {
      let done = 0;
      let pending = buffers;
      while (done < bytes) {
        const written = await writevAt(seg.fd, pending, position + done);
        done += written;
        if (done < bytes) pending = remainingBuffers(buffers, done);
      }
    } catch (error) {
      throw fsError(error, seg.path, `write ${bytes} bytes at offset ${position} of`);
    }
  }

  private async datasync(seg: Segment): Promise<void> {
    try {
      await fdatasyncFd(seg.fd);
    } catch (error) {
      throw fsError(error, seg.path, 'fdatasync');
    }
  }

  private syncDir(): void {
    fsyncDirectory(this.dir);
  }

  /** Returns true when a directory entry changed (the segment's index file was removed). */
  private async truncateFile(seg: Segment, bytes: number): Promise<boolean> {
    if (seg.fd < 0) return false;
    try {
      await ftruncateFd(seg.fd, bytes);
    } catch (error) {
      throw fsError(error, seg.path, `truncate to ${bytes} bytes`);
    }
    return unlinkIfPresent(seg.indexPath);
  }

  /** Closes a segment and removes its files; retention keeps the data file as a spare (spare-segments.ts). */
  private removeFiles(seg: Segment, dataFile: 'unlink' | 'keep as spare' = 'unlink'): void {
    if (seg.fd >= 0) closeSync(seg.fd);
    seg.fd = -1;
    unlinkIfPresent(seg.indexPath);
    if (dataFile === 'keep as spare') this.spares.retire(seg.path);
    else unlinkIfPresent(seg.path);
  }

  /** Starts an fdatasync of `seg` that nobody waits for; a failure is the store's failure like any other. */
  private startWriteback(seg: Segment): void {
    this.writebackBytes = 0;
    this.fsyncCounts.background++;
    const epoch = this.epoch;
    this.writeback = fdatasyncFd(seg.fd).then(
      () => {
        this.writeback = undefined;
      },
      (error: unknown) => {
        this.writeback = undefined;
        if (epoch === this.epoch) this.noteFailure(fsError(error, seg.path, 'fdatasync (background writeback)'));
      },
    );
  }

  /** Cuts a recycled segment file's bytes past `dataBytes`, durably; a file no longer than that is left alone. */
  private cutStaleTail(seg: Segment, dataBytes: number): void {
    if (seg.fd < 0) return;
    try {
      if (fstatSync(seg.fd).size <= dataBytes) return;
      ftruncateSync(seg.fd, dataBytes);
      fsyncSync(seg.fd);
    } catch (error) {
      throw fsError(error, seg.path, `cut the old bytes after byte ${dataBytes} of recycled segment`);
    }
  }

  /** At a clean close: a recycled active segment is cut to its data, so the next open finds no stale tail to cut. */
  private cutActiveStaleTail(): void {
    const active = this.segments[this.segments.length - 1];
    if (active === undefined) return;
    try {
      this.cutStaleTail(active, active.endOffset);
    } catch (error) {
      // Not fatal: recovery stops at the old bytes (their indices are below the log's first) and cuts them.
      this.log((error as Error).message);
    }
  }

  private async seal(seg: Segment, dataBytes: number): Promise<void> {
    // Always fdatasync a full segment before the next one gets bytes, whatever the policy: recovery
    // then only ever has to deal with a torn tail in the last segment.
    if (seg.fd >= 0) await this.datasync(seg);
    const stillSealed = seg !== this.segments[this.segments.length - 1] && seg.endOffset === dataBytes && this.segments.includes(seg);
    if (!stillSealed) return;
    // A recycled file is cut to its data before the next segment gets bytes: recovery takes bytes
    // after a sealed segment's data for corruption when later segments exist.
    this.cutStaleTail(seg, dataBytes);
    const { offsets, terms } = seg.snapshot();
    try {
      writeSegmentIndex(seg.indexPath, seg.firstIndex, offsets, terms, dataBytes);
    } catch (error) {
      // The index is a cache: without it the next open scans this segment.
      this.log(`could not write segment index ${seg.indexPath}: ${(error as Error).message}`);
    }
    seg.markSealed();
    await this.writeback; // retention may close the fd it syncs
    this.applyRetention();
  }

  private applyRetention(): void {
    const { segmentsMax, bytesMax } = this.retention;
    if (segmentsMax === undefined && bytesMax === undefined) return;
    let totalBytes = this.segments.reduce((sum, s) => sum + s.endOffset, 0);
    const doomed: Segment[] = [];
    while (this.segments.length - doomed.length > 1) {
      const oldest = this.segments[doomed.length]!;
      if (!oldest.sealed) break;
      const tooMany = segmentsMax !== undefined && this.segments.length - doomed.length > segmentsMax;
      const tooBig = bytesMax !== undefined && totalBytes > bytesMax;
      if (!tooMany && !tooBig) break;
      doomed.push(oldest);
      totalBytes -= oldest.endOffset;
    }
    if (doomed.length === 0) return;
    const lastDoomed = doomed[doomed.length - 1]!;
    const start = { firstIndex: lastDoomed.lastIndex + 1, prevTerm: lastDoomed.count > 0 ? lastDoomed.termAt(lastDoomed.count - 1) : this.prevTerm };
    writeLogStart(this.dir, start);
    this.segments = this.segments.slice(doomed.length);
    this.first = start.firstIndex;
    this.prevTerm = start.prevTerm;
    this.lastSegIndexHint = 0;
    for (const seg of doomed) {
      this.cache.drop(seg, 0);
      this.removeFiles(seg, 'keep as spare');
    }
    this.syncDir();
  }

  private settleThrough(seq: number): void {
    const waiters = this.waiters;
    let head = this.waiterHead;
    while (head < waiters.length && waiters[head]!.seq <= seq) {
      waiters[head]!.resolve();
      head++;
    }
    if (head === waiters.length) {
      waiters.length = 0;
      head = 0;
    } else if (head > 4096) {
      waiters.splice(0, head);
      head = 0;
    }
    this.waiterHead = head;
  }

  private rejectAll(error: StorageError): void {
    const waiters = this.waiters.splice(this.waiterHead);
    this.waiters.length = 0;
    this.waiterHead = 0;
    for (const waiter of waiters) waiter.reject(error);
  }

  /**
   * After a failed write/fsync/truncate: reject everything not yet acknowledged and bring the
   * visible log and the files back to `stableLast`. If that also fails the store stops; reopening
   * recovers (a torn or unacknowledged tail is cut by the recovery scan).
   */
  private async rollBackAfterFailure(error: StorageError): Promise<void> {
    await this.writeback; // the rollback may close the fd it syncs
    this.epoch++;
    this.inflight = [];
    this.ops = [];
    this.queuedBytes = 0;
    this.queuedEntries = 0;
    this.rejectAll(error);
    const gated = this.gate.splice(0);
    for (const item of gated) item.reject(error);
    const target = this.stableLast;
    try {
      if (target < this.lastIndex()) {
        this.truncateVisible(target + 1);
        for (const op of this.ops) if (op.kind === 'remove') this.removeFiles(op.seg);
        this.ops = [];
      }
      while (this.segments.length > 1 && this.segments[this.segments.length - 1]!.count === 0 && this.segments[this.segments.length - 1]!.fd < 0) {
        this.segments.pop();
      }
      const valid = new Set(this.segments);
      for (const name of safeReaddir(this.dir)) {
        const first = parseSegmentFileName(name);
        if (first !== undefined && first > this.lastIndex() && !this.segments.some((s) => s.firstIndex === first && valid.has(s))) {
          unlinkIfPresent(join(this.dir, name));
        }
      }
      const active = this.segments[this.segments.length - 1]!;
      if (active.fd < 0) active.fd = openSync(active.path, 'w+', 0o644);
      ftruncateSync(active.fd, active.endOffset);
      fsyncSync(active.fd);
      active.sealed = false;
      unlinkIfPresent(active.indexPath);
      this.syncDir();
      this.cache.resetAfterRollback(this.segments);
      this.stableLast = this.lastIndex();
      this.log(`write failed (${error.message}); log rolled back to index ${this.lastIndex()}`);
    } catch (rollbackError) {
      this.failure = new StorageError(
        'FAILED',
        this.dir,
        `log ${this.dir} stopped: ${error.message}; rolling back also failed (${(rollbackError as Error).message}); reopen the log to recover`,
        { cause: rollbackError },
      );
    }
  }

  // ---------------------------------------------------------------- reads from files

  private segmentOf(index: LogIndex | number): Segment | undefined {
    const segments = this.segments;
    const hint = segments[this.lastSegIndexHint];
    if (hint !== undefined && index >= hint.firstIndex && index <= hint.lastIndex) return hint;
    let low = 0;
    let high = segments.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const seg = segments[mid]!;
      if (index < seg.firstIndex) high = mid - 1;
      else if (index > seg.lastIndex) low = mid + 1;
      else {
        this.lastSegIndexHint = mid;
        return seg;
      }
    }
    return undefined;
  }

  private readFile(seg: Segment, position: number, bytes: number): Buffer {
    const buffer = Buffer.allocUnsafeSlow(bytes);
    let done = 0;
    try {
      while (done < bytes) {
        const n = readSync(seg.fd, buffer, done, bytes - done, position + done);
        if (n === 0) break;
        done += n;
      }
    } catch (error) {
      throw fsError(error, seg.path, `read ${bytes} bytes at offset ${position} of`);
    }
    if (done < bytes) throw new StorageError('CORRUPT', seg.path, `log segment ${seg.path}: expected ${bytes} bytes at offset ${position}, file ends after ${done}`);
    return buffer;
  }

  private verifyRead(seg: Segment, slot: number, buffer: Uint8Array, at: number): void {
    const index = seg.firstIndex + slot;
    const header = decodeEntryHeader(buffer, at);
    const ok = typeof header !== 'string' && header.index === index && header.term === seg.termAt(slot) && verifyEntry(buffer, at, header);
    if (!ok) {
      throw new StorageError('CORRUPT', seg.path, `log segment ${seg.path}: corrupt entry at byte offset ${seg.offsetAt(slot)} (index ${index}) found while reading`);
    }
  }

  // ---------------------------------------------------------------- recovery

  private recover(repair: boolean): void {
    let dirChanged = false;
    const start = readLogStart(this.dir);
    const names = safeReaddir(this.dir);
    for (const name of names) if (name.endsWith('.tmp') && unlinkIfPresent(join(this.dir, name))) dirChanged = true;
    this.spares.adopt(names);
    let firsts = names.map(parseSegmentFileName).filter((n): n is number => n !== undefined).sort((a, b) => a - b);
    // Segments wholly before the recorded start are leftovers of an interrupted retention pass:
    // one whose successor starts at or before the start, or a lone one whose index file says it
    // ends before it (retention dooms the segment just sealed when it keeps only one, and the
    // start is durable before the next segment's file exists).
    while (firsts.length > 0 && (firsts.length > 1 ? firsts[1]! <= start.firstIndex : endsBefore(this.dir, firsts[0]!, start.firstIndex))) {
      unlinkIfPresent(join(this.dir, segmentFileName(firsts[0]!)));
      unlinkIfPresent(join(this.dir, segmentIndexFileName(firsts[0]!)));
      dirChanged = true;
      firsts = firsts.slice(1);
    }
    this.first = firsts.length > 0 ? firsts[0]! : start.firstIndex;
    if (firsts.length > 0 && firsts[0]! > start.firstIndex) {
      throw new StorageError('CORRUPT', this.dir, `log ${this.dir}: first segment starts at index ${firsts[0]} but the log starts at ${start.firstIndex}; segment files are missing`);
    }
    this.prevTerm = this.first === start.firstIndex ? start.prevTerm : 0;
    if (this.first !== start.firstIndex && this.first !== 1) {
      throw new StorageError('CORRUPT', this.dir, `log ${this.dir}: cannot tell the term before index ${this.first} (${join(this.dir, 'log-start.json')} says ${start.firstIndex})`);
    }
    for (let i = 0; i < firsts.length; i++) {
      const seg = new Segment(this.dir, firsts[i]!);
      const previous = this.segments[this.segments.length - 1];
      if (previous !== undefined && seg.firstIndex !== previous.lastIndex + 1) {
        throw new StorageError('CORRUPT', seg.path, `log segment ${seg.path} starts at index ${seg.firstIndex}, expected ${previous.lastIndex + 1} after ${previous.path}; a segment is missing or damaged`);
      }
      try {
        seg.fd = openSync(seg.path, 'r+');
      } catch (error) {
        throw fsError(error, seg.path, 'open log segment');
      }
      this.segments.push(seg);
      const fileBytes = fstatSync(seg.fd).size;
      const isLast = i === firsts.length - 1;
      if (!isLast && this.loadIndexFile(seg, fileBytes)) continue;
      this.recovery.segmentsScanned++;
      const problem = scanSegment(seg.fd, seg, fileBytes);
      if (problem === undefined) {
        if (!isLast) this.sealRecovered(seg);
        continue;
      }
      const laterBytes = firsts.slice(i + 1).reduce((sum, first) => sum + fileSize(join(this.dir, segmentFileName(first))), 0);
      const torn = !problem.validEntryFollows && laterBytes === 0;
      if (!torn && !repair) {
        throw new StorageError(
          'CORRUPT',
          seg.path,
          `log segment ${seg.path}: corrupt entry at byte offset ${problem.offset} (index ${problem.index}): ${problem.reason}; ` +
            `${problem.validEntryFollows ? 'valid entries follow it' : 'later segments hold entries'}, so this is not a torn write. ` +
            `Refusing to open; open with repair to truncate the log before index ${problem.index} (entries from ${problem.index} on are lost)`,
        );
      }
      if (!torn) {
        this.recovery.repairedAtIndex = problem.index;
        this.log(`repair: truncating ${seg.path} at byte offset ${problem.offset} (index ${problem.index}): ${problem.reason}`);
      } else if (fileBytes > problem.offset) {
        this.log(`recovery: cut torn tail of ${seg.path} at byte offset ${problem.offset} (index ${problem.index}, ${fileBytes - problem.offset} bytes): ${problem.reason}`);
      }
      this.recovery.tailTruncatedBytes += fileBytes - problem.offset;
      try {
        ftruncateSync(seg.fd, problem.offset);
        fsyncSync(seg.fd);
      } catch (error) {
        throw fsError(error, seg.path, `truncate torn tail at ${problem.offset} of`);
      }
      for (const first of firsts.slice(i + 1)) {
        unlinkIfPresent(join(this.dir, segmentFileName(first)));
        unlinkIfPresent(join(this.dir, segmentIndexFileName(first)));
        dirChanged = true;
      }
      break;
    }
    if (this.segments.length === 0) {
      const seg = new Segment(this.dir, this.first);
      try {
        seg.fd = openSync(seg.path, 'w+', 0o644);
      } catch (error) {
        throw fsError(error, seg.path, 'create log segment');
      }
      this.segments.push(seg);
      dirChanged = true;
    }
    const active = this.segments[this.segments.length - 1]!;
    active.sealed = false;
    if (unlinkIfPresent(active.indexPath)) dirChanged = true;
    if (dirChanged || this.recovery.segmentsScanned > 1) this.syncDir();
    this.recovery.segments = this.segments.length;
    this.stableLast = this.lastIndex();
  }

  /** Loads a sealed segment's index file when it matches the segment; checks its first and last entry. */
  private loadIndexFile(seg: Segment, fileBytes: number): boolean {
    const loaded = readSegmentIndex(seg.indexPath, seg.firstIndex);
    if (typeof loaded === 'string' || loaded.dataBytes !== fileBytes || loaded.offsets.length === 0) {
      if (typeof loaded === 'string' && !loaded.startsWith('unreadable (ENOENT')) this.log(`recovery: rebuilding index ${seg.indexPath}: ${loaded}`);
      return false;
    }
    seg.load(loaded.offsets, loaded.terms, loaded.dataBytes);
    for (const slot of [0, seg.count - 1]) {
      const start = seg.offsetAt(slot);
      const buffer = this.readFile(seg, start, seg.entryEnd(slot) - start);
      const header = decodeEntryHeader(buffer, 0);
      if (typeof header === 'string' || header.index !== seg.firstIndex + slot || header.term !== seg.termAt(slot) || !verifyEntry(buffer, 0, header)) {
        this.log(`recovery: index ${seg.indexPath} disagrees with its segment at index ${seg.firstIndex + slot}; rescanning`);
        seg.truncateTo(0);
        return false;
      }
    }
    seg.markSealed();
    this.recovery.indexFilesLoaded++;
    return true;
  }

  private sealRecovered(seg: Segment): void {
    const { offsets, terms } = seg.snapshot();
    try {
      writeSegmentIndex(seg.indexPath, seg.firstIndex, offsets, terms, seg.endOffset);
      seg.markSealed();
    } catch (error) {
      this.log(`could not write segment index ${seg.indexPath}: ${(error as Error).message}`);
    }
  }

  private startIntervalTimer(): void {
    if (this.fsyncPolicy.kind !== 'interval') return;
    this.intervalTimer = setInterval(() => {
      if (!this.unsyncedWrites || this.failure !== undefined || this.closed) return;
      this.ops.push({ kind: 'sync' });
      this.opSeq++;
      this.scheduleFlush();
    }, this.fsyncPolicy.intervalMs);
    this.intervalTimer.unref();
  }

  private checkUsable(): void {
    if (this.closed) throw new StorageError('CLOSED', this.dir, `log ${this.dir} is closed`);
    if (this.failure !== undefined) throw this.failure;
  }

  private closeFds(): void {
    for (const seg of this.segments) {
      if (seg.fd >= 0) {
        try {
          closeSync(seg.fd);
        } catch {
          // Closing is best effort: the data was already fdatasynced or the store failed.
        }
        seg.fd = -1;
      }
    }
  }
}

function remainingBuffers(buffers: Uint8Array[], skip: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let left = skip;
  for (const buffer of buffers) {
    if (left >= buffer.byteLength) {
      left -= buffer.byteLength;
      continue;
    }
    out.push(left > 0 ? buffer.subarray(left) : buffer);
    left = 0;
  }
  return out;
}

function unlinkIfPresent(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw fsError(error, path, 'remove');
    return false;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    throw fsError(error, dir, 'list data directory');
  }
}

/** True when the segment starting at `first` has an index file whose last entry is below `index`. */
function endsBefore(dir: string, first: number, index: number): boolean {
  if (first >= index) return false;
  const loaded = readSegmentIndex(join(dir, segmentIndexFileName(first)), first);
  return typeof loaded !== 'string' && first + loaded.offsets.length - 1 < index;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
