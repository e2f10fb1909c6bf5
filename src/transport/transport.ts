// The narrow interface a replica uses to exchange raft messages with its peers. Implementations:
// rings between threads (ring-transport.ts), TCP between processes/hosts (tcp-transport.ts), an
// in-memory twin for tests (memory-transport.ts), and a fault-injecting wrapper (fault-transport.ts).
//
// Contract:
//   - send() never blocks and never throws for a full or broken link: it returns false and the
//     message is dropped (raft retries). It throws only on misuse (unknown peer, oversized message).
//   - Messages to one peer arrive in the order sent, unless a fault layer reorders them.
//   - A received message may be a view of transport-owned memory (a ring slot): it is valid until
//     the handler returns, or, if the handler called lease.retain(), until the returned release
//     function is called. Held messages delay the sender (the ring fills), so release promptly.
//   - Sends are batched: implementations flush what was sent in the current event-loop turn once,
//     on their own; flush() pushes it out immediately.

import type { Message } from '../raft/types.js';
import type { NodeId } from '../types.js';

export interface MessageLease {
  /** Keeps the message's bytes valid after the handler returns; call the result exactly once. */
  retain(): () => void;
}

export type MessageHandler = (msg: Message, lease: MessageLease) => void;

export interface TransportStats {
  sentMessages: number;
  sentBytes: number;
  receivedMessages: number;
  /** send() calls that returned false (link full, down, or closed). */
  droppedMessages: number;
  /** Ring transport: parks that ended by their time limit with data waiting (lost wake-ups, ring.ts). */
  lostWakeups: number;
}

export interface Transport {
  readonly self: NodeId;
  /** Queues `msg` for `to`; false when it was dropped (back-pressure, link down, closed). */
  send(to: NodeId, msg: Message): boolean;
  /** Sets the one receive handler (replacing any previous one). */
  onMessage(handler: MessageHandler): void;
  /** Pushes out everything sent so far without waiting for the end of the turn. */
  flush(): void;
  /** Resolves when a message of `bytes` encoded bytes to `to` would be accepted (or the transport closed). */
  whenWritable(to: NodeId, bytes: number): Promise<void>;
  stats(): TransportStats;
  close(): Promise<void>;
}

/** A lease for messages that own their memory (nothing to release). */
export const NO_LEASE: MessageLease = { retain: () => noop };

function noop(): void {}

export function emptyStats(): TransportStats {
  return { sentMessages: 0, sentBytes: 0, receivedMessages: 0, droppedMessages: 0, lostWakeups: 0 };
}
