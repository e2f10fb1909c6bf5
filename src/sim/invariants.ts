// Safety invariants of Raft, checked incrementally as the simulator reports events, so the cost
// per step is proportional to what changed rather than to the size of every log.
//
// How each invariant is reduced to local checks:
//   - electionSafety: a map term → the one replica ever seen as leader in it.
//   - logMatching: a registry (index, term) → (payload, term of index-1). If every persisted entry
//     agrees with the registry then, by induction on the index, equal (index, term) pairs carry
//     equal prefixes.
//   - committedPrefix / stateMachineSafety: the first report of a committed index is recorded;
//     later reports must agree, and no replica may replace or drop an entry it held that matches
//     a recorded committed entry.
//   - leaderCompleteness: an entry reported committed by a replica whose term was T at the time
//     was committed in a term <= T, so every leader of a term > T must hold it. Checked when a
//     leadership first shows its whole log, and again for each entry committed afterwards.
//   - commitMonotonic / hardState: per-replica high-water marks.
// The first violation is kept; later events are ignored (the run stops at it anyway).

import type { HardState, Role } from '../raft/types.js';
import type { LogIndex, NodeId, Term } from '../types.js';
import type { InvariantName, Violation } from './violation.js';

/** A read-only view of one replica's whole log: what it persisted plus what it is persisting. */
export interface LogView {
  lastIndex(): number;
  /** Term at `index`, or undefined when the log does not hold it. */
  termAt(index: number): Term | undefined;
}

interface RegisteredEntry {
  term: Term;
  prevTerm: Term;
  data: Uint8Array;
}

interface CommittedEntry {
  term: Term;
  data: Uint8Array;
  /** Term of the first replica to report it, when it reported: an upper bound of the commit term. */
  boundTerm: Term;
  reportedBy: NodeId;
  reportedAtStep: number;
}

interface ReplicaMarks {
  termSeen: number;
  commitSeen: number;
  appliedThrough: number;
  persisted: HardState;
}

interface Leadership {
  term: Term;
  view: LogView;
}

export class InvariantChecker {
  violation: Violation | undefined;
  /** Set by the simulator before each step so violations carry it. */
  step = 0;
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** registry[index] = entries ever persisted at that index, one per distinct term. */
  private readonly registry: RegisteredEntry[][] = [];
  private readonly committed: (CommittedEntry | undefined)[] = [];
  private readonly marks: ReplicaMarks[] = [];
  private readonly leaderships = new Map<NodeId, Leadership>();
  private committedMax = 0;

  constructor(
    readonly seed: number,
    replicaIds: readonly NodeId[],
  ) {
    for (const id of replicaIds) {
      this.marks[id] = { termSeen: 0, commitSeen: 0, appliedThrough: 0, persisted: { term: 0 as Term, vote: 0 as NodeId, commit: 0 as LogIndex } };
    }
  }

  get ok(): boolean {
    return this.violation === undefined;
  }

  /** Highest index reported committed by any replica. */
  get committedIndexMax(): number {
    return this.committedMax;
  }

  /** The entry first reported committed at `index`, if any. */
  committedAt(index: number): { term: Term; data: Uint8Array } | undefined {
    return this.committed[index];
  }

  fail(invariant: InvariantName, description: string): void {
    if (this.violation === undefined) this.violation = { seed: this.seed, invariant, step: this.step, description };
  }

  /** After every event that touched replica `id`: its volatile state as the core reports it. */
  observe(id: NodeId, role: Role, term: Term, commitIndex: LogIndex): void {
    const marks = this.mark(id);
    if (term < marks.termSeen) this.fail('hardState', `n${id} term went back from ${marks.termSeen} to ${term}`);
    marks.termSeen = term;
    if (commitIndex < marks.commitSeen) this.fail('commitMonotonic', `n${id} commit index went back from ${marks.commitSeen} to ${commitIndex}`);
    marks.commitSeen = commitIndex;
    if (role === 'leader') {
      const known = this.leaderOfTerm.get(term);
      if (known === undefined) this.leaderOfTerm.set(term, id);
      else if (known !== id) this.fail('electionSafety', `n${id} and n${known} were both leader in term ${term}`);
    }
    const leadership = this.leaderships.get(id);
    if (leadership !== undefined && (role !== 'leader' || leadership.term !== term)) this.leaderships.delete(id);
  }

  /**
   * A replica wrote entries (possibly replacing a suffix) and/or a hard state to stable storage.
   * `replaced` lists the (index, term) pairs its log held at the replaced positions before the write;
   * `log` is its log after the write.
   */
  persisted(id: NodeId, entries: readonly { index: number; term: Term; data: Uint8Array }[], replaced: readonly { index: number; term: Term }[], hardState: HardState | undefined, log: LogView): void {
    const marks = this.mark(id);
    for (const entry of entries) {
      const prevTerm = log.termAt(entry.index - 1);
      if (prevTerm === undefined) {
        this.fail('logMatching', `n${id} persisted entry ${entry.index} with no entry ${entry.index - 1} before it`);
        return;
      }
      this.register(id, entry.index, entry.term, prevTerm, entry.data);
    }
    for (const old of replaced) {
      const committed = this.committed[old.index];
      if (committed !== undefined && committed.term === old.term && log.termAt(old.index) !== old.term) {
        const now = log.termAt(old.index);
        this.fail('stateMachineSafety', `n${id} replaced committed entry ${old.index} (term ${old.term}, committed per n${committed.reportedBy} at step ${committed.reportedAtStep}) with ${now === undefined ? 'nothing' : `an entry of term ${now}`}`);
      }
    }
    if (hardState !== undefined) {
      const before = marks.persisted;
      if (hardState.term < before.term) this.fail('hardState', `n${id} persisted term ${hardState.term} after term ${before.term}`);
      if (hardState.term === before.term && before.vote !== 0 && hardState.vote !== before.vote) {
        this.fail('hardState', `n${id} changed its persisted vote in term ${hardState.term} from n${before.vote} to n${hardState.vote}`);
      }
      if (hardState.commit < before.commit) this.fail('commitMonotonic', `n${id} persisted commit ${hardState.commit} after commit ${before.commit}`);
      marks.persisted = { ...hardState };
    }
  }

  /** The persisted hard state a replica restarts from (after a crash that may have torn a write). */
  restarted(id: NodeId, hardState: HardState): void {
    const marks = this.mark(id);
    marks.commitSeen = hardState.commit;
    marks.appliedThrough = hardState.commit;
    marks.termSeen = hardState.term;
    this.leaderships.delete(id);
  }

  crashed(id: NodeId): void {
    this.leaderships.delete(id);
  }

  /**
   * Replica `id` reported entries [from, from + entries.length - 1] committed, read from its
   * persisted log. `termAtReady` is its term when it produced the Ready that reported them.
   */
  committedReported(id: NodeId, from: number, entries: readonly { index: number; term: Term; data: Uint8Array }[], termAtReady: Term): void {
    const marks = this.mark(id);
    if (from > marks.appliedThrough + 1) {
      this.fail('stateMachineSafety', `n${id} reported ${from} committed but had only reported through ${marks.appliedThrough}: entries skipped`);
      return;
    }
    for (const entry of entries) {
      const known = this.committed[entry.index];
      if (known !== undefined) {
        if (known.term !== entry.term || !bytesEqual(known.data, entry.data)) {
          this.fail('committedPrefix', `n${id} reported entry ${entry.index} committed with term ${entry.term}, but n${known.reportedBy} reported term ${known.term}${known.term === entry.term ? ' and other payload' : ''} at step ${known.reportedAtStep}`);
          return;
        }
        continue;
      }
      const record: CommittedEntry = { term: entry.term, data: entry.data, boundTerm: termAtReady, reportedBy: id, reportedAtStep: this.step };
      this.committed[entry.index] = record;
      if (entry.index > this.committedMax) this.committedMax = entry.index;
      for (const [leaderId, leadership] of this.leaderships) {
        if (leadership.term > record.boundTerm) this.checkLeaderHolds(leaderId, leadership, entry.index, record);
      }
    }
    const last = entries.length > 0 ? entries[entries.length - 1]!.index : from - 1;
    if (last > marks.appliedThrough) marks.appliedThrough = last;
  }

  /** Replica `id` is leader of `term` and `view` shows its whole log: check leader completeness. */
  leaderLogVisible(id: NodeId, term: Term, view: LogView): void {
    const current = this.leaderships.get(id);
    if (current !== undefined && current.term === term) return;
    const leadership: Leadership = { term, view };
    this.leaderships.set(id, leadership);
    for (let index = 1; index <= this.committedMax; index++) {
      const record = this.committed[index];
      if (record !== undefined && term > record.boundTerm) {
        this.checkLeaderHolds(id, leadership, index, record);
        if (this.violation !== undefined) return;
      }
    }
  }

  private checkLeaderHolds(id: NodeId, leadership: Leadership, index: number, record: CommittedEntry): void {
    const held = leadership.view.termAt(index);
    if (held !== record.term) {
      this.fail('leaderCompleteness', `n${id} is leader of term ${leadership.term} but ${held === undefined ? 'lacks' : `holds term ${held} at`} entry ${index} (term ${record.term}) reported committed by n${record.reportedBy} in term <= ${record.boundTerm} at step ${record.reportedAtStep}`);
    }
  }

  private register(id: NodeId, index: number, term: Term, prevTerm: Term, data: Uint8Array): void {
    let slot = this.registry[index];
    if (slot === undefined) {
      slot = [];
      this.registry[index] = slot;
    }
    for (const known of slot) {
      if (known.term !== term) continue;
      if (known.prevTerm !== prevTerm) {
        this.fail('logMatching', `n${id} holds entry ${index} of term ${term} after an entry of term ${prevTerm}; another replica holds it after term ${known.prevTerm}`);
      } else if (!bytesEqual(known.data, data)) {
        this.fail('logMatching', `n${id} holds entry ${index} of term ${term} with a payload different from another replica's entry ${index} of term ${term}`);
      }
      return;
    }
    slot.push({ term, prevTerm, data });
  }

  private mark(id: NodeId): ReplicaMarks {
    const marks = this.marks[id];
    if (marks === undefined) throw new RangeError(`InvariantChecker: unknown replica n${id}`);
    return marks;
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
