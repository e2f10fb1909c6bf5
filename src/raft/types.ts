// Wire-level and host-facing types of the pure raft core. Every message a replica sends or
// receives is one of `Message`; the host moves them (transport), the core interprets them.
// Invariants the core asserts when a message is stepped in:
//   - from/to are members of the configuration, from !== to;
//   - term >= 0; Append entries are contiguous and start at prevIndex + 1;
//   - entry terms never decrease along a message.

import type { LogIndex, NodeId, Term } from '../types.js';

export interface Entry {
  term: Term;
  index: LogIndex;
  /** Opaque payload. The core never looks inside. May be a view into a larger buffer (zero-copy). */
  data: Uint8Array;
}

export type MessageType =
  | 'PreVote'
  | 'PreVoteResp'
  | 'Vote'
  | 'VoteResp'
  | 'Append'
  | 'AppendResp'
  | 'Heartbeat'
  | 'HeartbeatResp'
  | 'TimeoutNow';

interface MessageBase {
  from: NodeId;
  to: NodeId;
  /** For PreVote this is the term the sender *would* campaign in (its term + 1). */
  term: Term;
}

export interface VoteRequest extends MessageBase {
  type: 'PreVote' | 'Vote';
  lastLogIndex: LogIndex;
  lastLogTerm: Term;
  /** Set when the campaign follows a leadership transfer: voters ignore their leader lease. */
  transfer: boolean;
}

export interface VoteResponse extends MessageBase {
  type: 'PreVoteResp' | 'VoteResp';
  reject: boolean;
}

export interface AppendRequest extends MessageBase {
  type: 'Append';
  prevIndex: LogIndex;
  prevTerm: Term;
  entries: Entry[];
  /** Leader's commit index. */
  commit: LogIndex;
}

export interface AppendResponse extends MessageBase {
  type: 'AppendResp';
  reject: boolean;
  /**
   * On success: the highest index through which the follower's log matches the leader's AND is
   * durable on the follower (acks are cumulative). On reject: the prevIndex of the rejected
   * Append (lets the leader ignore stale rejections).
   */
  matchIndex: LogIndex;
  /** On reject: hint for fast back-off (etcd-style). The leader retries from at most hintIndex. */
  hintIndex: LogIndex;
  hintTerm: Term;
}

export interface Heartbeat extends MessageBase {
  type: 'Heartbeat';
  /** min(leader commit, follower's match) so a follower never commits past what it matches. */
  commit: LogIndex;
}

export interface HeartbeatResponse extends MessageBase {
  type: 'HeartbeatResp';
}

export interface TimeoutNow extends MessageBase {
  type: 'TimeoutNow';
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | TimeoutNow;

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

export interface HardState {
  term: Term;
  /** NO_NODE (0) when no vote has been cast in `term`. */
  vote: NodeId;
  commit: LogIndex;
}

export interface SoftState {
  role: Role;
  /** NO_NODE when unknown. */
  leader: NodeId;
}

/**
 * What the host must do next. The host contract (the core relies on it for safety):
 *
 *  1. Persist `hardState` if present. When `mustSync` is true (term or vote changed) it must be
 *     DURABLE before any message of this Ready is sent: a vote must survive a crash. When
 *     `mustSync` is false the change is only a commit index, which may be written lazily (losing
 *     it is safe; `hardState.commit` never exceeds what is durable locally).
 *  2. Write `entries` to the StableLog, in Ready order. They may overwrite a suffix: the first
 *     entry's index may be <= the last stored index, and stored entries at or after it must be
 *     dropped. The write need NOT be durable before step 3.
 *  3. Send `messages`. This is safe before `entries` are durable because every message whose
 *     correctness depends on durability is withheld by the core until advance() reports it:
 *     a follower emits AppendResp (its match claim) only for entries reported durable, and the
 *     leader counts its own log toward commit only through the index reported durable. So a
 *     leader sends its Append messages while its own fsync runs (pipelining).
 *  4. Apply / acknowledge `committed` (entries [from, to] inclusive; all durable locally; read them
 *     with RaftNode.entries()). Zero-length entries are leaders' no-ops: skip them.
 *  5. Call advance(persistedThrough) before the next ready(): persistedThrough is an index such that
 *     every entry with index <= persistedThrough handed out in any Ready so far is durable (a
 *     synchronous host passes the last index it stored). An asynchronous host may call advance()
 *     again later, without a new Ready, when an fsync completes; with a FIFO write queue it must
 *     not report an older write's last index beyond (first index of a later queued write - 1).
 *
 * The simplest correct host: persist hardState and entries durably, send messages, apply
 * committed, advance(last stored index).
 */
export interface Ready {
  softState: SoftState;
  hardState: HardState | undefined;
  /** hardState must be durable before `messages` are sent (term or vote changed). */
  mustSync: boolean;
  entries: Entry[];
  messages: Message[];
  /** Newly committed range that is durable locally, or undefined. */
  committed: { from: LogIndex; to: LogIndex } | undefined;
}

/** Read access the core needs to the log that the host has persisted. Synchronous on purpose. */
export interface StableLog {
  /** Index of the first entry still stored (1 for a log that was never compacted). */
  firstIndex(): LogIndex;
  /** Index of the last stored entry, or firstIndex() - 1 when empty. */
  lastIndex(): LogIndex;
  /** Term of the entry at `index`; the term of index firstIndex()-1 must be known (0 for index 0). */
  term(index: LogIndex): Term | undefined;
  /** Entries [from, to] inclusive, stopping early once maxBytes of payload is exceeded (always at least one). */
  entries(from: LogIndex, to: LogIndex, maxBytes: number): Entry[];
}

export interface RaftConfig {
  id: NodeId;
  /** All voters including `id`. Size 1, 3, 5 or 7. */
  voters: NodeId[];
  /** A follower campaigns after a random timeout in [electionTicks, 2 * electionTicks). */
  electionTicks: number;
  heartbeatTicks: number;
  /** Pipelining window per follower: at most this many Append messages in flight ... */
  inflightMsgsMax: number;
  /** ... and at most this many payload bytes in flight. */
  inflightBytesMax: number;
  /** Upper bounds of one Append message. */
  batchEntriesMax: number;
  batchBytesMax: number;
  /** Upper bound on entries in the leader's log that are not yet committed: propose() beyond it is refused as 'overloaded'. */
  uncommittedEntriesMax: number;
  preVote: boolean;
  checkQuorum: boolean;
}

export const DEFAULT_RAFT_CONFIG: Omit<RaftConfig, 'id' | 'voters'> = {
  electionTicks: 10,
  heartbeatTicks: 1,
  inflightMsgsMax: 64,
  inflightBytesMax: 8 * 1024 * 1024,
  batchEntriesMax: 1024,
  batchBytesMax: 1024 * 1024,
  uncommittedEntriesMax: 65536,
  preVote: true,
  checkQuorum: true,
};

export type ProposeResult =
  | { ok: true; firstIndex: LogIndex; lastIndex: LogIndex; term: Term }
  | { ok: false; reason: 'not-leader' | 'transferring' | 'overloaded'; leader: NodeId };
