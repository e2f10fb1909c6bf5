// A replica group and its handle: start, find the leader, kill / restart / pause members, cut the
// network, read every replica's log back, close. Two modes share this handle:
//   threads — each replica in a worker thread, raft and client traffic over shared-memory rings;
//   process — each replica in a child process, traffic over TCP on loopback (process-group.ts).
// Nothing is left behind: close() stops every replica and removes the data directory it created;
// members are also killed when the process exits or gets SIGINT/SIGTERM.

import type { EngineClient } from '../client/engine-client.js';
import type { ReplicaContents } from '../drivers/types.js';
import type { EngineConfig } from '../node/engine-config.js';
import type { ReplicaEvent } from '../node/replica.js';
import type { ReplicaStatusReport } from '../node/worker-messages.js';

export interface GroupEvent {
  id: number;
  atMs: number;
  event: ReplicaEvent;
}

export interface GroupOptions {
  config: EngineConfig;
  /**
   * The group's data directory, used as it is: a log already there is reopened (restart tests).
   * When omitted, the group makes a fresh directory of its own under `dataDirUnder` (default: the
   * system temp directory) and removes it on close.
   */
  dataDir?: string;
  /** Where the group makes its own fresh data directory when `dataDir` is omitted. */
  dataDirUnder?: string;
  /** Keep the data directory after close (default: removed when the group created it). */
  keepData?: boolean;
  /** Seed for the replicas' RNGs. */
  seed?: number;
  /** Number of independent clients (threads mode: ring pairs per replica). */
  clients?: number;
  log?: (line: string) => void;
}

export interface GroupHandle {
  readonly config: EngineConfig;
  readonly ids: readonly number[];
  readonly dataDir: string;
  /** Replica events (role changes) with wall-clock times, in arrival order. */
  readonly events: GroupEvent[];
  onEvent(listener: (event: GroupEvent) => void): void;
  /** A client using client slot `slot` (each slot is used by at most one client). */
  client(slot?: number): EngineClient;
  /** The replica that currently leads (highest term seen, alive), waiting up to timeoutMs for one. */
  leader(timeoutMs?: number): Promise<number | undefined>;
  status(id: number): Promise<ReplicaStatusReport | undefined>;
  alive(id: number): boolean;
  pid(id: number): number | undefined;
  kill(id: number): Promise<void>;
  restart(id: number): Promise<void>;
  pause(id: number, ms: number): Promise<void>;
  resume(id: number): Promise<void>;
  isolate(id: number): void;
  split(a: readonly number[], b: readonly number[]): void;
  heal(): void;
  transferLeadership(from: number, to: number): void;
  /** Slow disk: every fdatasync of replica `id` completes `delayMs` later (0 ends it). */
  slowDisk(id: number, delayMs: number): void;
  /** Waits (bounded) until every live replica has committed what the leader has. */
  settle(timeoutMs: number): Promise<boolean>;
  /** Stops the replicas (data kept until close) and reads each one's committed entries. */
  stopAndReadLogs(): Promise<ReplicaContents[]>;
  close(): Promise<void>;
}
