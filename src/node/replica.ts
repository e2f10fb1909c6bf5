// A replica: the pure raft core driven by real storage, a real transport, client requests and a
// tick timer. The loop drains raft's Ready batches:
//   1. hard state: a term/vote change is made durable before that Ready's messages leave;
//   2. entries go to the LogStore (group commit: the store coalesces every append waiting at the
//      moment into one write and one fdatasync) — not awaited here, so disk writes overlap with
//   3. sending messages (the leader's Appends leave while its own fsync runs: pipelining);
//   4. committed entries are applied (exactly-once dedupe) and their clients answered;
//   5. advance(durable index); when an fsync completes later, advance() again.
// Invariants: at most one Ready outstanding; a client is answered Ok only for an entry that is
// committed and carries that client's (producer, sequence); a received Append's ring slot is held
// until its entries are durable or were never taken into the log.

import { assert } from '../assert.js';
import { forEachRequest, Status } from '../client/protocol.js';
import type { AppendRequestView, AppendResponse } from '../client/protocol.js';
import type { RaftNode } from '../raft/raft.js';
import type { Entry, Message, Ready, Role } from '../raft/types.js';
import { ENTRY_HEADER_BYTES, encodeEntryInto } from '../storage/entry-format.js';
import type { LogStore } from '../storage/log-store.js';
import type { FramedEntry } from '../transport/codec.js';
import type { MessageLease, Transport } from '../transport/transport.js';
import type { LogIndex, NodeId } from '../types.js';
import { asIndex } from '../types.js';
import type { ClientLink, ClientPort } from './client-port.js';
import { DedupeSnapshotError, DedupeTable } from './dedupe.js';
import type { DedupeSnapshots } from './dedupe-snapshot.js';
import { EntryMetaRing, NO_PRODUCER } from './entry-meta.js';
import { forEachLogRequest } from './log-requests.js';


export interface ReplicaOptions {
  tickMs: number;
  /** A commit-index-only hard state change is written at most this often (losing it is safe). */
  commitSaveMs: number;
  /** Capacity of the producer/sequence ring (power of two, >= raft's uncommittedEntriesMax). */
  metaRingEntries: number;
  /** Test/calibration knob: busy-spin this many µs per proposed batch on the leader (0 = off). */
  leaderSpinUsPerBatch: number;
  /** Calibration knob: busy-spin this many ns per proposed entry on the leader (0 = off). */
  leaderSpinNsPerEntry: number;
  /**
   * The leader takes a Ready (sends the new entries, starts their write) as soon as this many
   * entries were proposed since the last one, instead of once at the end of the event-loop turn
   * (0 = once per turn). See EngineConfig.leaderRunEntries.
   */
  leaderRunEntries: number;
  /**
   * Snapshots of the dedupe table, taken every `everyEntries` applied entries (when the applied
   * entries are durable here), so that a restart replays the log from the last one. Absent: none
   * (a restart replays the whole committed log).
   */
  snapshots?: { store: DedupeSnapshots; everyEntries: number; log: (line: string) => void };
}

export interface ReplicaEvent {
  type: 'role';
  role: Role;
  term: number;
  leader: number;
}

/**
 * Where a leader's commit latency goes, per proposed batch (sums in µs, to divide by the count):
 * propose → own fdatasync done, propose → committed (majority durable).
 */
export interface StageTimes {
  batches: number;
  toDurableUsSum: number;
  toCommitUsSum: number;
}

export interface ReplicaStats {
  stages: StageTimes;
  proposed: number;
  committed: number;
  answeredOk: number;
  answeredNotLeader: number;
  answeredOverloaded: number;
  readies: number;
  appendsWritten: number;
  snapshotsSaved: number;
}

interface PendingRequest {
  link: ClientLink;
  requestId: number;
  producer: number;
  sequence: number;
}

interface HeldLease {
  /** Order in which the message was stepped (leases are settled by the Ready taken after it). */
  seq: number;
  release: () => void;
  /** Entries of this message that raft handed to storage; 0 when none (yet). */
  lastIndexStored: number;
  /** Ready has been taken since the message was stepped: entries not in it were rejected. */
  settled: boolean;
}

type LeasedEntry = FramedEntry & { lease?: HeldLease };

export class Replica {
  private dedupe = new DedupeTable();
  private readonly meta: EntryMetaRing;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly responses = new Map<ClientLink, AppendResponse[]>();
  private readonly heldLeases: HeldLease[] = [];
  private nextLeaseSeq = 0;
  private readonly batchTimes = new BatchTimes();
  private scheduled = false;
  private proposedSinceRun = 0;
  private readyOutstanding = false;
  private role: Role = 'follower';
  private leader: NodeId = 0 as NodeId;
  private lastCommitSaveMs = 0;
  private commitToSave: Ready['hardState'];
  private tickTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private fatal: Error | undefined;
  /** What start() replayed of the committed log into the dedupe table (after a snapshot through `fromSnapshot`, 0: none), and how long it took. */
  replayed = { entries: 0, ms: 0, fromSnapshot: 0 };
  private lastSnapshotIndex = 0;
  private snapshotInFlight = false;
  /** The snapshot write in flight (stop() waits for it, so a process exiting after stop() keeps it). */
  private snapshotSave: Promise<void> = Promise.resolve();
  /** Highest index applied (to the dedupe table) so far. */
  private appliedThrough = 0;
  readonly stats: ReplicaStats = { stages: { batches: 0, toDurableUsSum: 0, toCommitUsSum: 0 }, proposed: 0, committed: 0, answeredOk: 0, answeredNotLeader: 0, answeredOverloaded: 0, readies: 0, appendsWritten: 0, snapshotsSaved: 0 };
  private readonly runBound = (): void => this.run();

  constructor(
    readonly raft: RaftNode,
    private readonly store: LogStore,
    private readonly transport: Transport,
    private readonly clients: ClientPort,
    private readonly options: ReplicaOptions,
    private readonly onEvent: (event: ReplicaEvent) => void = () => {},
    private readonly onFatal: (error: Error) => void = (error) => {
      throw error;
    },
  ) {
    this.meta = new EntryMetaRing(options.metaRingEntries);
  }

  start(): void {
    this.replayCommitted();
    this.transport.onMessage((message, lease) => this.onMessage(message, lease));
    this.clients.onRequests((link, batch) => this.onRequests(link, batch));
    this.tickTimer = setInterval(() => {
      this.raft.tick();
      this.schedule();
    }, this.options.tickMs);
    this.schedule();
  }

  /**
   * Rebuilds the replicated state (the dedupe table) from the committed log. The raft core starts
   * with applied = the saved commit index, so without this a restarted replica would forget which
   * requests were committed before it stopped: as leader it would commit a retry of one a second
   * time and acknowledge the new index, while every other replica and the log reader apply the
   * whole log and keep the first. The replay starts after the last usable snapshot of the table
   * (loadSnapshot), else at the log's first index; entries after the saved commit are applied as
   * they commit, as usual.
   */
  private replayCommitted(): void {
    const startedMs = performance.now();
    const through = Math.min(this.raft.commitIndex, this.store.lastIndex());
    const fromSnapshot = this.loadSnapshot(through);
    const entries = forEachLogRequest(
      this.store,
      through,
      (index, producer, sequence) => {
        this.dedupe.apply(producer, sequence, index);
      },
      fromSnapshot > 0 ? fromSnapshot + 1 : this.store.firstIndex(),
    );
    this.replayed = { entries, ms: performance.now() - startedMs, fromSnapshot };
    this.lastSnapshotIndex = fromSnapshot;
  }

  /** Restores the dedupe table from the last snapshot when it fits this log; returns its index (0: not used). */
  private loadSnapshot(through: number): number {
    const snapshots = this.options.snapshots;
    if (snapshots === undefined) return 0;
    const loaded = snapshots.store.load();
    if (loaded === undefined) return 0;
    if (typeof loaded === 'string') {
      snapshots.log(`dedupe snapshot not used (${loaded}); replaying the whole committed log`);
      return 0;
    }
    // Only a snapshot of entries this log holds as committed (a crash may have lost a tail that
    // was applied, or the saved commit index may lag the snapshot).
    if (loaded.appliedIndex > through || loaded.appliedIndex < this.store.firstIndex() - 1) {
      snapshots.log(`dedupe snapshot through ${loaded.appliedIndex} not used: the committed log here is ${this.store.firstIndex()}..${through}; replaying it whole`);
      return 0;
    }
    // Taken from another log (one replaced under it) when the entry there has another term.
    const term = this.raft.termAt(asIndex(loaded.appliedIndex));
    if (term !== loaded.appliedTerm) {
      snapshots.log(`dedupe snapshot through ${loaded.appliedIndex} (term ${loaded.appliedTerm}) not used: the entry there has term ${term ?? 'unknown'}; replaying the whole committed log`);
      return 0;
    }
    try {
      this.dedupe = DedupeTable.decode(loaded.table);
    } catch (error) {
      if (!(error instanceof DedupeSnapshotError)) throw error;
      snapshots.log(`${error.message}; replaying the whole committed log`);
      return 0;
    }
    return loaded.appliedIndex;
  }

  /** Saves the dedupe table as applied through `applied` when a snapshot is due (one write at a time). */
  private maybeSnapshot(applied: number): void {
    const snapshots = this.options.snapshots;
    if (snapshots === undefined || this.stopped || this.snapshotInFlight || applied - this.lastSnapshotIndex < snapshots.everyEntries) return;
    // A restart must find every entry the snapshot covers in its log: wait until they are durable here.
    if (this.store.durableIndex() < applied) return;
    const term = this.raft.termAt(asIndex(applied));
    if (term === undefined) return;
    this.snapshotInFlight = true;
    this.lastSnapshotIndex = applied;
    this.snapshotSave = snapshots.store.save({ appliedIndex: applied, appliedTerm: term, table: this.dedupe.encode() }).then(
      () => {
        this.snapshotInFlight = false;
        this.stats.snapshotsSaved++;
        // Entries applied while this one was written may already make the next one due.
        this.maybeSnapshot(this.appliedThrough);
      },
      (error: unknown) => {
        this.snapshotInFlight = false;
        // Not fatal: the previous snapshot (or the whole log) still rebuilds the table.
        snapshots.log(`dedupe snapshot through ${applied} not saved: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  // ---- inputs ----

  private onMessage(message: Message, lease: MessageLease): void {
    if (this.stopped) return;
    if (message.type === 'Append' && message.entries.length > 0) {
      const held: HeldLease = { seq: this.nextLeaseSeq++, release: lease.retain(), lastIndexStored: 0, settled: false };
      this.heldLeases.push(held);
      for (const entry of message.entries as LeasedEntry[]) entry.lease = held;
    }
    this.raft.step(message);
    this.schedule();
  }

  private onRequests(link: ClientLink, batch: Uint8Array): void {
    if (this.stopped) return;
    if (this.raft.role !== 'leader') {
      forEachRequest(batch, (request) => this.respond(link, request.requestId, Status.NotLeader, 0, 0));
      this.flushResponses();
      return;
    }
    const fresh: AppendRequestView[] = [];
    forEachRequest(batch, (request) => {
      const done = this.dedupe.committedIndex(request.producer, request.sequence);
      if (done !== undefined) this.respond(link, request.requestId, Status.Ok, done, this.raft.termAt(asIndex(done)) ?? 0);
      else fresh.push(request);
    });
    if (fresh.length > 0) this.proposeInRuns(link, fresh);
    this.schedule();
  }

  /** Proposes `requests`, taking a Ready after every leaderRunEntries entries (see ReplicaOptions). */
  private proposeInRuns(link: ClientLink, requests: AppendRequestView[]): void {
    const runEntries = this.options.leaderRunEntries;
    if (runEntries === 0) {
      this.propose(link, requests);
      return;
    }
    for (let from = 0; from < requests.length; ) {
      const take = Math.min(requests.length - from, Math.max(1, runEntries - this.proposedSinceRun));
      this.propose(link, take === requests.length ? requests : requests.slice(from, from + take));
      from += take;
      if (this.proposedSinceRun >= runEntries) this.run();
    }
  }

  /** Frames every entry once (the one copy of the bytes), proposes, and remembers who waits. */
  private propose(link: ClientLink, requests: AppendRequestView[]): void {
    const firstIndex = this.raft.lastIndex + 1;
    const term = this.raft.term;
    let totalBytes = 0;
    for (const request of requests) totalBytes += ENTRY_HEADER_BYTES + request.body.byteLength;
    const frames = new Uint8Array(totalBytes);
    const datas: Uint8Array[] = new Array<Uint8Array>(requests.length);
    const frameViews: Uint8Array[] = new Array<Uint8Array>(requests.length);
    let offset = 0;
    for (let i = 0; i < requests.length; i++) {
      const body = requests[i]!.body;
      const written = encodeEntryInto(frames, offset, firstIndex + i, term, body);
      frameViews[i] = frames.subarray(offset, offset + written);
      datas[i] = frames.subarray(offset + ENTRY_HEADER_BYTES, offset + written);
      offset += written;
    }
    if (this.options.leaderSpinUsPerBatch > 0) spinUs(this.options.leaderSpinUsPerBatch);
    if (this.options.leaderSpinNsPerEntry > 0) spinUs((this.options.leaderSpinNsPerEntry * requests.length) / 1000);
    const result = this.raft.propose(datas);
    if (!result.ok) {
      const status = result.reason === 'overloaded' ? Status.Overloaded : Status.NotLeader;
      for (const request of requests) this.respond(link, request.requestId, status, 0, 0);
      return;
    }
    assert(result.firstIndex === firstIndex && result.term === term, () => `propose placed entries at ${result.firstIndex}/term ${result.term}, framed for ${firstIndex}/term ${term}`);
    for (let i = 0; i < requests.length; i++) {
      const index = firstIndex + i;
      const entry = this.raft.entryAt(asIndex(index)) as FramedEntry | undefined;
      if (entry !== undefined && entry.data === datas[i]) entry.frame = frameViews[i];
      const request = requests[i]!;
      this.pending.set(index, { link, requestId: request.requestId, producer: request.producer, sequence: request.sequence });
    }
    this.stats.proposed += requests.length;
    this.proposedSinceRun += requests.length;
    this.batchTimes.push(firstIndex + requests.length - 1, performance.now());
  }

  // ---- the Ready loop ----

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(this.runBound);
  }

  private run(): void {
    this.scheduled = false;
    this.proposedSinceRun = 0;
    if (this.stopped || this.readyOutstanding) return;
    try {
      while (this.raft.hasReady()) {
        const ready = this.raft.ready();
        // Messages stepped from here on (while a hard-state write is awaited) belong to a later Ready.
        const leasesBefore = this.nextLeaseSeq;
        this.readyOutstanding = true;
        this.stats.readies++;
        this.noteSoftState(ready);
        if (ready.hardState !== undefined && ready.mustSync) {
          // A new term or vote is made durable before anything else of this Ready: before its
          // messages leave (a vote must survive a crash) and before its entries are written (a
          // log must never hold entries of a term newer than its durable hard state).
          const state = ready.hardState;
          // This state carries the newest commit too: a commit-only state still waiting to be
          // saved is older (an older term or vote) and must never be written after it.
          this.commitToSave = undefined;
          this.store.setHardState(state).then(
            () => {
              if (this.stopped) return;
              this.storeEntries(ready.entries, leasesBefore);
              this.finish(ready);
              this.schedule();
            },
            (error: unknown) => this.die(error),
          );
          return;
        }
        this.storeEntries(ready.entries, leasesBefore);
        if (ready.hardState !== undefined) this.commitToSave = ready.hardState;
        this.finish(ready);
      }
      // Answers given without a Ready (a retry the dedupe table knows) leave now, not with the
      // next Ready: an idle single voter may never take another.
      this.flushResponses();
      this.maybeSaveCommit();
    } catch (error) {
      this.die(error);
    }
  }

  private finish(ready: Ready): void {
    for (const message of ready.messages) this.transport.send(message.to, message);
    this.transport.flush();
    if (ready.committed !== undefined) this.applyCommitted(ready.committed.from, ready.committed.to);
    this.readyOutstanding = false;
    this.raft.advance(this.store.durableIndex());
    this.flushResponses();
  }

  /** `leasesBefore`: leases of messages stepped before this Ready was taken (those it settles). */
  private storeEntries(entries: Entry[], leasesBefore: number): void {
    // Leases of stepped Appends whose entries are not in this Ready were rejected: release now.
    for (const entry of entries as LeasedEntry[]) {
      this.meta.record(entry.index, entry.data);
      if (entry.lease !== undefined) {
        entry.lease.lastIndexStored = Math.max(entry.lease.lastIndexStored, entry.index);
        entry.lease = undefined;
      }
    }
    // Entries of a message stepped before this Ready that are not in it were rejected or already
    // held: its slot may go once what was stored of it is durable. Later messages wait for theirs.
    for (const held of this.heldLeases) if (held.seq < leasesBefore) held.settled = true;
    if (entries.length > 0) {
      this.stats.appendsWritten++;
      this.store.append(entries).then(
        () => this.onDurable(),
        (error: unknown) => this.die(error),
      );
    }
    this.releaseLeases();
  }

  private onDurable(): void {
    if (this.stopped) return;
    this.batchTimes.durableThrough(this.store.durableIndex(), performance.now(), this.stats.stages);
    this.releaseLeases();
    // With a Ready outstanding (waiting on a hard-state write) finish() reports durability itself.
    if (!this.readyOutstanding) this.raft.advance(this.store.durableIndex());
    // A leader often commits (on its followers) before its own fdatasync: a snapshot skipped then
    // is due once the applied entries are durable here.
    this.maybeSnapshot(this.appliedThrough);
    this.schedule();
  }

  private releaseLeases(): void {
    const durable = this.store.durableIndex();
    let kept = 0;
    for (const held of this.heldLeases) {
      if (held.settled && held.lastIndexStored <= durable) held.release();
      else this.heldLeases[kept++] = held;
    }
    this.heldLeases.length = kept;
  }

  private noteSoftState(ready: Ready): void {
    const { role, leader } = ready.softState;
    if (role === this.role && leader === this.leader) return;
    const wasLeader = this.role === 'leader';
    this.role = role;
    this.leader = leader;
    if (wasLeader && role !== 'leader') {
      // Uncommitted requests may or may not commit under the next leader: the client resends
      // them there and dedupe keeps each exactly once.
      for (const request of this.pending.values()) this.respond(request.link, request.requestId, Status.NotLeader, 0, 0);
      this.pending.clear();
    }
    this.onEvent({ type: 'role', role, term: this.raft.term, leader });
  }

  private applyCommitted(from: LogIndex, to: LogIndex): void {
    if (this.role === 'leader') this.batchTimes.committedThrough(to, performance.now(), this.stats.stages);
    for (let index = from; index <= to; index++) {
      let producer: number;
      let sequence: number;
      if (this.meta.has(index)) {
        producer = this.meta.producer(index);
        sequence = this.meta.sequence(index);
      } else {
        const entry = this.raft.entryAt(asIndex(index));
        assert(entry !== undefined, () => `committed entry ${index} is not in the log`);
        this.meta.record(index, entry.data);
        producer = this.meta.producer(index);
        sequence = this.meta.sequence(index);
      }
      this.stats.committed++;
      if (producer === NO_PRODUCER) continue;
      const original = this.dedupe.apply(producer, sequence, index);
      const request = this.pending.get(index);
      if (request === undefined) continue;
      this.pending.delete(index);
      if (request.producer === producer && request.sequence === sequence) {
        const ackIndex = original !== undefined && original > 0 ? original : index;
        this.respond(request.link, request.requestId, Status.Ok, ackIndex, this.raft.termAt(asIndex(ackIndex)) ?? 0);
      } else {
        this.respond(request.link, request.requestId, Status.NotLeader, 0, 0);
      }
    }
    this.appliedThrough = to;
    this.maybeSnapshot(to);
  }

  private maybeSaveCommit(): void {
    if (this.commitToSave === undefined) return;
    const nowMs = performance.now();
    if (nowMs - this.lastCommitSaveMs < this.options.commitSaveMs) return;
    this.lastCommitSaveMs = nowMs;
    const state = this.commitToSave;
    this.commitToSave = undefined;
    this.store.setHardState(state).catch((error: unknown) => this.die(error));
  }

  // ---- responses ----

  private respond(link: ClientLink, requestId: number, status: Status, index: number, term: number): void {
    let list = this.responses.get(link);
    if (list === undefined) {
      list = [];
      this.responses.set(link, list);
    }
    list.push({ requestId, status, index, term, leaderHint: status === Status.NotLeader ? this.raft.leader : 0 });
    if (status === Status.Ok) this.stats.answeredOk++;
    else if (status === Status.NotLeader) this.stats.answeredNotLeader++;
    else if (status === Status.Overloaded) this.stats.answeredOverloaded++;
  }

  private flushResponses(): void {
    for (const [link, list] of this.responses) {
      // A full response ring drops the batch: the client's retry timer resends and dedupe
      // answers from the table.
      link.sendResponses(list);
    }
    this.responses.clear();
  }

  // ---- lifecycle ----

  private die(error: unknown): void {
    if (this.fatal !== undefined) return;
    this.fatal = error instanceof Error ? error : new Error(String(error));
    this.stopped = true;
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer);
    this.onFatal(this.fatal);
  }

  transportStats(): { sentMessages: number; droppedMessages: number; lostWakeups: number } {
    const stats = this.transport.stats();
    return { sentMessages: stats.sentMessages, droppedMessages: stats.droppedMessages, lostWakeups: stats.lostWakeups };
  }

  transferLeadership(to: NodeId): void {
    this.raft.transferLeadership(to);
    this.schedule();
  }

  /** Blocks this replica's event loop for `ms` (the threads-mode "pause" fault). */
  blockFor(ms: number): void {
    spinUs(ms * 1000);
  }

  async stop(): Promise<void> {
    if (this.stopped && this.fatal === undefined && this.tickTimer === undefined) return;
    this.stopped = true;
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    if (this.fatal === undefined) {
      // First, record how far this replica knows the log is committed, so a read-back after the
      // run (the correctness ledger) sees the whole committed prefix even if closing the links
      // below is slow.
      const commit = Math.min(this.raft.commitIndex, this.store.durableIndex());
      await this.store.setHardState({ term: this.raft.term, vote: this.raft.votedFor, commit: asIndex(commit) });
    }
    for (const held of this.heldLeases) held.release();
    this.heldLeases.length = 0;
    await this.snapshotSave;
    await this.clients.close();
    await this.transport.close();
    await this.store.close();
  }
}

/** Proposal times of the leader's recent batches, to break commit latency down by stage. */
class BatchTimes {
  private static readonly CAPACITY = 4096;
  private readonly lastIndexes = new Float64Array(BatchTimes.CAPACITY);
  private readonly proposedMs = new Float64Array(BatchTimes.CAPACITY);
  private head = 0; // next to fill
  private durableAt = 0; // next whose durability is not yet timed
  private commitAt = 0; // next whose commit is not yet timed

  push(lastIndex: number, nowMs: number): void {
    if (this.head - this.commitAt >= BatchTimes.CAPACITY) this.commitAt++; // bounded: drop the oldest
    if (this.durableAt < this.commitAt) this.durableAt = this.commitAt;
    const slot = this.head % BatchTimes.CAPACITY;
    this.lastIndexes[slot] = lastIndex;
    this.proposedMs[slot] = nowMs;
    this.head++;
  }

  durableThrough(index: number, nowMs: number, stages: StageTimes): void {
    while (this.durableAt < this.head && this.lastIndexes[this.durableAt % BatchTimes.CAPACITY]! <= index) {
      stages.toDurableUsSum += (nowMs - this.proposedMs[this.durableAt % BatchTimes.CAPACITY]!) * 1000;
      this.durableAt++;
    }
  }

  committedThrough(index: number, nowMs: number, stages: StageTimes): void {
    while (this.commitAt < this.head && this.lastIndexes[this.commitAt % BatchTimes.CAPACITY]! <= index) {
      stages.toCommitUsSum += (nowMs - this.proposedMs[this.commitAt % BatchTimes.CAPACITY]!) * 1000;
      stages.batches++;
      this.commitAt++;
    }
    if (this.durableAt < this.commitAt) this.durableAt = this.commitAt;
  }
}

function spinUs(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until) {
    // busy wait: models CPU work on the hot path
  }
}
