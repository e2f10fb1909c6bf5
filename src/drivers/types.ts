// The one interface every measured system implements: this engine, etcd, NATS JetStream and
// the `null` system (acks at once, measures the harness). Generators, scenarios, faults and the
// correctness ledger only talk to a Driver.

export interface AppendAck {
  /** Position the system assigned (log index, etcd revision, stream sequence). */
  index: number;
  /** Raft term when the system exposes one. */
  term?: number;
}

import type { EntryTable } from './replica-entries.js';

/** What one replica holds, read back after a run for the correctness ledger. */
export interface ReplicaContents {
  replica: string;
  /**
   * Committed entries in log order: position and payload (the raw payload, or a digest that starts
   * with its load tag: src/cluster/read-logs.ts), in a compact table (ReplicaEntries).
   */
  entries: EntryTable;
}

export interface MemberInfo {
  id: string;
  pid?: number;
  alive: boolean;
  leader: boolean;
}

/** Optional cluster control used by the nemesis (fault injection). */
export interface ClusterControl {
  members(): Promise<MemberInfo[]>;
  findLeader(timeoutMs: number): Promise<string | undefined>;
  kill(memberId: string): Promise<void>;
  restart(memberId: string): Promise<void>;
  pause(memberId: string): Promise<void>;
  resume(memberId: string): Promise<void>;
}

export interface Driver {
  /** 'engine' | 'etcd' | 'nats' | 'null'. */
  readonly system: string;
  /** Stated durability of an ack, printed with every result (e.g. "fsync on majority before ack"). */
  readonly durability: string;
  /** Every knob that shaped the run, with its value (printed with results). */
  readonly settings: Record<string, string | number | boolean>;
  connect(): Promise<void>;
  /** Resolves once the system has committed the payload. */
  append(payload: Uint8Array): Promise<AppendAck>;
  /** Reads every replica's committed contents (for the ledger). Undefined when unsupported. */
  readBack?(): Promise<ReplicaContents[]>;
  /**
   * Figures the system reports about itself after the load and before the read-back (the engine:
   * where a batch's time went, fdatasync times), recorded as the result's system.diagnostics.
   */
  diagnostics?(): Promise<Record<string, number>>;
  control?: ClusterControl;
  close(): Promise<void>;
}
