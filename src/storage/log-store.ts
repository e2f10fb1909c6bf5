// The LogStore interface: a replica's persisted log plus its durable hard state. Two
// implementations: FileLogStore (segmented files, group-commit fsync) and MemoryLogStore (the twin
// used by tests). Both also satisfy the raft core's synchronous StableLog.
//
// Invariants every implementation keeps:
//   - entries are contiguous in [firstIndex, lastIndex]; terms never decrease along the log;
//   - append/appendEncoded/truncateSuffix take effect on the visible log (lastIndex, term, read)
//     in call order: immediately, or — when the write queue is full (back-pressure) — once the
//     queue drains and the call is admitted; their promises resolve once the change is durable under the
//     store's fsync policy, and reject (with a StorageError) if it can never become durable — the
//     visible log then rolls back to the last durable entry, so no unacknowledged partial write is
//     ever visible, before or after a restart;
//   - reads are synchronous.

import type { Entry, HardState, StableLog } from '../raft/types.js';
import type { LogIndex } from '../types.js';
import { StorageError } from './storage-error.js';

/**
 * When appends are acknowledged:
 *   always    — after fdatasync of the bytes (the default; the only policy that survives power loss);
 *   interval  — after the write reaches the OS page cache; fdatasync runs every `intervalMs`;
 *   none      — after the write; fdatasync only when a segment is sealed or the store closes.
 */
export type FsyncPolicy = { kind: 'always' } | { kind: 'interval'; intervalMs: number } | { kind: 'none' };

export const FSYNC_ALWAYS: FsyncPolicy = { kind: 'always' };

/** What an fsync policy must look like, for error messages. */
export const FSYNC_POLICY_EXPECTED = 'always, none or interval:<ms> with 1 <= ms <= 60000';

/** The policy `text` names, or undefined when it names none (see FSYNC_POLICY_EXPECTED). */
export function fsyncPolicyOf(text: string): FsyncPolicy | undefined {
  if (text === 'always') return { kind: 'always' };
  if (text === 'none') return { kind: 'none' };
  const match = /^interval:(\d+)$/.exec(text);
  if (match !== null) {
    const intervalMs = Number(match[1]);
    if (intervalMs >= 1 && intervalMs <= 60_000) return { kind: 'interval', intervalMs };
  }
  return undefined;
}

export function parseFsyncPolicy(text: string, what = 'fsync policy'): FsyncPolicy {
  const policy = fsyncPolicyOf(text);
  if (policy === undefined) throw new StorageError('INVALID', '', `${what}: expected ${FSYNC_POLICY_EXPECTED}, got "${text}"`);
  return policy;
}

export function formatFsyncPolicy(policy: FsyncPolicy): string {
  return policy.kind === 'interval' ? `interval:${policy.intervalMs}` : policy.kind;
}

export interface LogStore extends StableLog {
  readonly fsyncPolicy: FsyncPolicy;
  /**
   * Appends entries. entries[0].index must be in [firstIndex, lastIndex + 1]; when it is <= lastIndex
   * the stored suffix from that index is replaced (as raft's Ready requires). The store keeps no
   * reference to the entries' data after the call returns.
   */
  append(entries: readonly Entry[]): Promise<void>;
  /**
   * Appends `count` already-encoded entries (the entry format, back to back) exactly as given: the
   * follower's path, writing the bytes it received without re-encoding. Every frame's CRC and index
   * are verified before anything is accepted. The bytes are copied once; `frames` may be reused
   * as soon as the call returns.
   */
  appendEncoded(frames: Uint8Array, count: number): Promise<void>;
  /** Resolves when everything appended so far is on disk (fdatasync), whatever the policy. */
  sync(): Promise<void>;
  /** Drops entries with index >= fromIndex (no-op when fromIndex > lastIndex). */
  truncateSuffix(fromIndex: LogIndex): Promise<void>;
  /** Entries [from, to] inclusive. */
  read(from: LogIndex, to: LogIndex): Entry[];
  /** Highest index known durable under the store's policy. */
  durableIndex(): LogIndex;
  hardState(): HardState;
  /** Persists term, vote and commit atomically (temp file, fsync, rename, fsync directory). */
  setHardState(state: HardState): Promise<void>;
  close(): Promise<void>;
}
