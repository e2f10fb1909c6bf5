// Builds one replica from plain data (its config, its links) in whatever thread or process runs
// it: opens the data directory, reads the hard state, creates the raft core with a seeded RNG,
// and starts the loop. Shared by the worker-thread and child-process entry points.

import { seededRng } from '../prng.js';
import { RaftNode } from '../raft/raft.js';
import type { RaftConfig } from '../raft/types.js';
import { FileLogStore } from '../storage/file-store.js';
import { parseFsyncPolicy } from '../storage/log-store.js';
import { FaultTransport } from '../transport/fault-transport.js';
import { PartitionTable } from '../transport/partition-table.js';
import type { Transport } from '../transport/transport.js';
import { asNodeId } from '../types.js';
import type { ClientPort } from './client-port.js';
import { FileDedupeSnapshots } from './dedupe-snapshot.js';
import type { EngineConfig } from './engine-config.js';
import { Replica } from './replica.js';
import type { ReplicaEvent } from './replica.js';

/**
 * A replica snapshots its dedupe table every this many applied entries, so a restart replays at
 * most about this many (a freshly started replica replayed 70 k entries in 0.96 s, 575 k in 3.8 s; 1 KiB entries). A snapshot is a few MiB at
 * most for a few producers (16 B per remembered request), written off the replica's thread.
 */
export const DEDUPE_SNAPSHOT_ENTRIES = 1 << 17;

export interface ReplicaSpec {
  id: number;
  voters: number[];
  dataDir: string;
  config: EngineConfig;
  /** Seed of this replica's RNG (election timeouts, fault layer). */
  seed: number;
  /** Shared partition table (threads mode) so the group's nemesis can cut links. */
  partitionBuffer?: SharedArrayBuffer;
}

export function raftConfigOf(spec: ReplicaSpec): RaftConfig {
  const c = spec.config;
  return {
    id: asNodeId(spec.id),
    voters: spec.voters.map(asNodeId),
    electionTicks: c.electionTicks,
    heartbeatTicks: c.heartbeatTicks,
    inflightMsgsMax: c.inflightMsgsMax,
    inflightBytesMax: c.inflightBytesMax,
    batchEntriesMax: c.batchEntriesMax,
    batchBytesMax: c.batchBytesMax,
    uncommittedEntriesMax: c.uncommittedEntriesMax,
    preVote: true,
    checkQuorum: true,
  };
}

export interface HostedReplica {
  replica: Replica;
  store: FileLogStore;
  faults: FaultTransport;
}

export async function hostReplica(
  spec: ReplicaSpec,
  transport: Transport,
  clients: ClientPort,
  onEvent: (event: ReplicaEvent) => void,
  onFatal: (error: Error) => void,
  log: (line: string) => void,
): Promise<HostedReplica> {
  const store = await FileLogStore.open({
    dir: spec.dataDir,
    fsync: parseFsyncPolicy(spec.config.fsync, 'fsync'),
    segmentBytes: spec.config.segmentBytes,
    pipelineBatchBytesMax: spec.config.storeBatchBytesMax,
    fsyncsInFlightMax: spec.config.storeFsyncsInFlightMax,
    // Never fdatasync on the replica's own thread: a disk that stalls would stall its event loop,
    // and with it heartbeats and elections. Nor is it faster here: threads mode, c=1, 5 pairs,
    // p50 1.24–1.60 ms through the pool vs 1.42–1.57 ms inline (the pool ahead in 4 of 5).
    inlineFsyncBytesMax: 0,
    log: (line) => log(`replica ${spec.id}: ${line}`),
  });
  const rng = seededRng(spec.seed >>> 0);
  const partitions = spec.partitionBuffer !== undefined ? new PartitionTable(spec.partitionBuffer) : undefined;
  const faults = new FaultTransport(transport, { rng: rng.fork(), ...(partitions !== undefined ? { partitions } : {}) });
  const raft = new RaftNode(raftConfigOf(spec), store, store.hardState(), rng);
  const replica = new Replica(
    raft,
    store,
    faults,
    clients,
    {
      tickMs: spec.config.tickMs,
      commitSaveMs: 1000,
      metaRingEntries: nextPowerOfTwo(Math.max(1 << 16, spec.config.uncommittedEntriesMax * 2)),
      leaderSpinUsPerBatch: spec.config.leaderSpinUsPerBatch,
      leaderSpinNsPerEntry: spec.config.leaderSpinNsPerEntry,
      leaderRunEntries: spec.config.leaderRunEntries,
      snapshots: { store: new FileDedupeSnapshots(spec.dataDir), everyEntries: DEDUPE_SNAPSHOT_ENTRIES, log: (line) => log(`replica ${spec.id}: ${line}`) },
    },
    onEvent,
    onFatal,
  );
  replica.start();
  const replayed = replica.replayed;
  if (replayed.ms >= 100) log(`replica ${spec.id}: replayed ${replayed.entries} committed entries${replayed.fromSnapshot > 0 ? ` after its dedupe snapshot through ${replayed.fromSnapshot}` : ''} into its dedupe table in ${Math.round(replayed.ms)} ms`);
  return { replica, store, faults };
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

