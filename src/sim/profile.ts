// What a seed's run looks like: the raft settings of the simulated replicas and the per-seed mix
// of faults, drawn from the seed within fixed bounds so that a sweep of seeds covers calm runs,
// lossy networks, frequent crashes and everything between.

import type { Rng } from '../prng.js';
import type { RaftConfig } from '../raft/types.js';
import { DEFAULT_RAFT_CONFIG } from '../raft/types.js';
import type { NetworkFaults } from './network.js';

/** Raft settings of simulated replicas: small windows and batches so limits are exercised often. */
export const SIM_RAFT_CONFIG: Omit<RaftConfig, 'id' | 'voters'> = {
  ...DEFAULT_RAFT_CONFIG,
  electionTicks: 10,
  heartbeatTicks: 2,
  inflightMsgsMax: 4,
  inflightBytesMax: 256,
  batchEntriesMax: 8,
  batchBytesMax: 128,
  uncommittedEntriesMax: 64,
};

export interface FaultProfile {
  network: NetworkFaults;
  /** Probability that a chaos step injects a fault. */
  faultRate: number;
  /** Probability that a persist step is cut short by a crash (a torn write). */
  tornRate: number;
  /** Probability that a chaos step is a client proposal. */
  proposeRate: number;
  /** Probability that a chaos step ticks a replica (otherwise it delivers or persists, if there is work). */
  tickRate: number;
  /** Upper bound of a crashed replica's downtime, in steps. */
  downStepsMax: number;
}

/** Each seed gets its own fault mix, within these bounds. */
export function drawProfile(rng: Rng): FaultProfile {
  return {
    network: {
      dropRate: rng.next() * 0.2,
      duplicateRate: rng.next() * 0.1,
      reorderRate: rng.next() * 0.5,
      delayStepsMax: 1 + rng.int(12),
    },
    faultRate: 0.0005 + rng.next() * 0.0045,
    tornRate: rng.next() * 0.02,
    proposeRate: 0.02 + rng.next() * 0.06,
    tickRate: 0.05 + rng.next() * 0.15,
    downStepsMax: 100 + rng.int(2000),
  };
}
