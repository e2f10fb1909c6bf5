// The part of the raft core the simulator drives. The real core (src/raft/raft.ts) satisfies it;
// tests pass a deliberately broken subclass through a RaftFactory to show the checkers catch it.
// The simulator is the host: it persists each Ready, then sends its messages, then reports its
// committed range, then calls advance() — and it may crash between any two of those duties.

import type { Rng } from '../prng.js';
import type { HardState, Message, ProposeResult, RaftConfig, Ready, Role, StableLog } from '../raft/types.js';
import type { LogIndex, NodeId, Term } from '../types.js';

export interface RaftLike {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: Term;
  readonly leader: NodeId;
  readonly commitIndex: LogIndex;
  readonly lastIndex: LogIndex;
  tick(): void;
  step(message: Message): void;
  propose(data: Uint8Array[]): ProposeResult;
  transferLeadership(to: NodeId): void;
  hasReady(): boolean;
  ready(): Ready;
  advance(persistedThrough: LogIndex): void;
}

/** Builds a replica's core from its persisted state; called at start and at every restart. */
export type RaftFactory = (config: RaftConfig, log: StableLog, hardState: HardState, rng: Rng) => RaftLike;
