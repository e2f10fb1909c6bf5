// One simulated replica: its stable storage (a MemoryLog and a hard state, which survive
// crashes), its running core (gone while crashed), and the Ready it has taken but not yet
// persisted (lost by a crash). As a LogView it shows the replica's whole log: the persisted
// entries overlaid with the entries of the pending Ready, which may replace a suffix.

import { MemoryLog } from '../raft/memory-log.js';
import type { HardState, Ready } from '../raft/types.js';
import type { LogIndex, NodeId, Term } from '../types.js';
import type { LogView } from './invariants.js';
import type { RaftLike } from './raft-like.js';

export interface PendingReady {
  ready: Ready;
  /** The core's term when it produced the Ready (bounds the term of any commit it reports). */
  termAtReady: Term;
}

export class SimReplica implements LogView {
  readonly log = new MemoryLog();
  hardState: HardState = { term: 0 as Term, vote: 0 as NodeId, commit: 0 as LogIndex };
  core: RaftLike | undefined;
  pending: PendingReady | undefined;
  /** While crashed: the step at which the replica restarts. */
  restartAtStep = 0;
  /** Role and term last written to the trace, to report changes once. */
  tracedRole = '';
  tracedTerm = -1;

  constructor(readonly id: NodeId) {}

  get alive(): boolean {
    return this.core !== undefined;
  }

  lastIndex(): number {
    const entries = this.pending?.ready.entries;
    if (entries !== undefined && entries.length > 0) return entries[entries.length - 1]!.index;
    return this.log.lastIndex();
  }

  termAt(index: number): Term | undefined {
    const entries = this.pending?.ready.entries;
    if (entries !== undefined && entries.length > 0) {
      const first = entries[0]!.index;
      if (index >= first) return index - first < entries.length ? entries[index - first]!.term : undefined;
    }
    return this.log.term(index as LogIndex);
  }
}
