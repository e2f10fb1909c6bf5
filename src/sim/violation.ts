// What a failed simulation reports: enough to understand the failure and to replay it exactly.

export type InvariantName =
  /** At most one leader per term, over the whole history. */
  | 'electionSafety'
  /** Term never decreases; a persisted vote never changes within a term; a persisted commit lies within the stored log. */
  | 'hardState'
  /** Two logs holding an entry with the same index and term hold identical prefixes up to it. */
  | 'logMatching'
  /** Every entry reported committed is in the log of every leader of a later term. */
  | 'leaderCompleteness'
  /** Every replica reports the same entry as committed at each index (committed prefixes agree). */
  | 'committedPrefix'
  /** A replica's commit index never decreases, in memory or (across restarts) on stable storage. */
  | 'commitMonotonic'
  /** No entry reported committed is ever lost or changed on a replica that stored it. */
  | 'stateMachineSafety'
  /** After faults heal, a leader is elected and a new proposal commits within livenessTicksMax. */
  | 'liveness'
  /** The core (or the log it writes) threw: an assertion at a boundary failed. */
  | 'coreAssertion';

export interface Violation {
  seed: number;
  invariant: InvariantName;
  /** Simulation step at which the checker saw the violation (steps are numbered from 1). */
  step: number;
  description: string;
}

export function formatViolation(violation: Violation): string {
  return `seed ${violation.seed}: ${violation.invariant} violated at step ${violation.step}: ${violation.description}`;
}
