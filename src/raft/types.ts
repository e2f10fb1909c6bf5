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
  /** On success: the highest index the follower now matches (prevIndex + entries.length). */
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
 * What the host must do next. Order of duties (as in etcd-io/raft):
 *  1. persist `hardState` (if present) and append `entries` to stable storage
 *     (entries may overwrite a suffix: the first entry's index may be <= the last stored index);
 *  2. send `messages` (the leader may send before its own persist completes — that is the
 *     pipelining; followers' AppendResp messages are only emitted for entries after they are
 *     reported persisted through advance());
 *  3. apply/ack `committed` (entries in [from, to], inclusive; all already persisted locally);
 *  4. call advance(persistedThrough) once `entries` are durable.
 */
export interface Ready {
  softState: SoftState;
  hardState: HardState | undefined;
  entries: Entry[];
  messages: Message[];
  /** Newly committed range, or undefined. */
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
  /** Upper bound on entries proposed but not yet persisted by the leader (back-pressure). */
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
