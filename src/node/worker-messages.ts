// Control messages between the group (main thread) and a replica's worker thread. The data path
// never uses these: entries travel over shared-memory rings; these carry rare control only.

import type { FsyncStats } from '../storage/file-store.js';
import type { ClientRingPair } from '../client/ring-channel.js';
import type { RingMeshEndpoint } from '../transport/ring-transport.js';
import type { ReplicaEvent, ReplicaStats } from './replica.js';
import type { ReplicaSpec } from './replica-host.js';

export interface WorkerInit {
  spec: ReplicaSpec;
  mesh: RingMeshEndpoint;
  clientRings: ClientRingPair[];
}

export type ToWorker =
  | { type: 'status'; requestId: number }
  | { type: 'block'; ms: number }
  | { type: 'transfer'; to: number }
  /** Replaces the replica's blocked links (process mode; threads share one table instead). */
  | { type: 'partition'; blocked: Array<[number, number]> }
  /** Delays every fdatasync of the replica by delayMs (0 ends the fault). */
  | { type: 'slow-disk'; delayMs: number }
  | { type: 'stop' };

export interface ReplicaStatusReport {
  id: number;
  role: string;
  term: number;
  leader: number;
  commit: number;
  lastIndex: number;
  durableIndex: number;
  stats: ReplicaStats;
  /** Raft messages sent, refused by a full or broken link (back-pressure), and ring wake-ups lost (recovered by the park time limit). */
  transport: { sentMessages: number; droppedMessages: number; lostWakeups: number };
  /** The store's group-commit fdatasyncs: on the replica's own thread (idle, small batch) or through the thread pool. */
  fsyncs: FsyncStats;
  /** Leader only: each follower's replication progress (match, next, probe/replicate, in flight). */
  progress?: Array<{ id: number; match: number; next: number; state: string; inflightMsgs: number }>;
}

export type FromWorker =
  | { type: 'started'; id: number }
  | { type: 'event'; id: number; atMs: number; event: ReplicaEvent }
  | { type: 'status'; requestId: number; status: ReplicaStatusReport }
  | { type: 'fatal'; id: number; message: string }
  | { type: 'stopped'; id: number };

/** Wall-clock milliseconds with sub-millisecond precision, comparable across threads. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}
