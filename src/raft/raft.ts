// The raft state machine of one replica (modelled on etcd-io/raft). Pure: it changes only through
// tick(), step(), propose(), transferLeadership() and advance(), and its only source of randomness
// is the injected Rng. It never does I/O; the host drains ready() and calls advance().
//
// Invariants (asserted):
//   - term never decreases; at most one vote per term (vote is persisted via Ready.hardState
//     before any message of that Ready leaves, see the host contract on Ready in types.ts);
//   - commit never decreases; a committed entry is never replaced; a leader never truncates;
//   - the leader counts its own log toward a majority only through the index advance() reported
//     durable, and commits only entries of its current term by majority (earlier ones follow);
//   - a follower acknowledges (AppendResp) only entries that advance() reported durable;
//   - ready() and advance() alternate: one Ready is outstanding at most.
// Roles swap the step function (stepLeader / stepCandidate / stepFollower) rather than branching
// on the role everywhere.

import { assert } from '../assert.js';
import type { Rng } from '../prng.js';
import type { LogIndex, NodeId, Term } from '../types.js';
import { asIndex, asTerm, NO_NODE } from '../types.js';
import { Progress } from './progress.js';
import type { ProgressState } from './progress.js';
import { GROUP_SIZES, majority, majorityIndex, voteResult } from './quorum.js';
import { RaftLog } from './raft-log.js';
import type {
  AppendRequest,
  AppendResponse,
  Entry,
  HardState,
  Heartbeat,
  Message,
  ProposeResult,
  RaftConfig,
  Ready,
  Role,
  StableLog,
  VoteRequest,
} from './types.js';

export interface ProgressStatus {
  match: LogIndex;
  next: LogIndex;
  state: ProgressState;
  inflightMsgs: number;
  inflightBytes: number;
  recentActive: boolean;
}

export interface RaftStatus {
  id: NodeId;
  role: Role;
  term: Term;
  vote: NodeId;
  leader: NodeId;
  commit: LogIndex;
  persisted: LogIndex;
  lastIndex: LogIndex;
  /** Target of a leadership transfer in progress, NO_NODE when none. */
  transferee: NodeId;
  /** Leader only: one entry per follower, in voter order. */
  progress?: Array<{ id: NodeId } & ProgressStatus>;
}

type CampaignKind = 'pre-vote' | 'election' | 'transfer';
type StepFn = (message: Message) => void;

const EMPTY_PAYLOAD = new Uint8Array(0);

export class RaftNode {
  readonly id: NodeId;
  private readonly config: RaftConfig;
  private readonly voterIds: readonly NodeId[];
  private readonly peerIds: readonly NodeId[];
  private readonly log: RaftLog;
  private readonly rng: Rng;

  private termNow: Term;
  private vote: NodeId;
  private leaderNow: NodeId = NO_NODE;
  private roleNow: Role = 'follower';
  private stepRole: StepFn;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTicks = 0;

  /** Leader only: the view of each follower. Rebuilt on every election. */
  private readonly progress = new Map<NodeId, Progress>();
  /** Candidate / pre-candidate only: granted (true) or rejected (false) per voter. */
  private readonly votes = new Map<NodeId, boolean>();
  private transferee: NodeId = NO_NODE;

  private messages: Message[] = [];

  /** Follower only: highest index matched with the leader that awaits durability before its AppendResp. */
  private ackPendingIndex: LogIndex = asIndex(0);
  private ackPendingTo: NodeId = NO_NODE;
  private ackSentIndex: LogIndex = asIndex(0);

  private readyOutstanding = false;
  private readyTerm: Term;
  private readyVote: NodeId;
  private readyCommit: LogIndex;
  private readyRole: Role = 'follower';
  private readyLeader: NodeId = NO_NODE;

  /** Reused by maybeCommit: [self, ...followers] match indexes. */
  private readonly matchScratch: LogIndex[];

  constructor(config: RaftConfig, log: StableLog, hardState: HardState, rng: Rng) {
    validateConfig(config);
    this.config = config;
    this.id = config.id;
    this.voterIds = [...config.voters];
    this.peerIds = this.voterIds.filter((v) => v !== config.id);
    this.rng = rng;
    this.log = new RaftLog(log, hardState.commit);
    const lastTerm = this.log.lastTerm();
    assert(Number.isInteger(hardState.term) && hardState.term >= lastTerm, () => `HardState.term ${hardState.term} is below the last stored entry's term ${lastTerm}`);
    assert(hardState.vote === NO_NODE || this.voterIds.includes(hardState.vote), () => `HardState.vote ${hardState.vote} is not a voter of [${this.voterIds.join(', ')}]`);
    this.termNow = hardState.term;
    this.vote = hardState.vote;
    this.readyTerm = hardState.term;
    this.readyVote = hardState.vote;
    this.readyCommit = hardState.commit;
    this.matchScratch = new Array<LogIndex>(this.voterIds.length).fill(asIndex(0));
    this.stepRole = this.stepFollower;
    this.resetRandomizedElectionTicks();
  }

  // ---- read-only accessors ----

  get role(): Role {
    return this.roleNow;
  }

  get term(): Term {
    return this.termNow;
  }

  get leader(): NodeId {
    return this.leaderNow;
  }

  get commitIndex(): LogIndex {
    return this.log.commit;
  }

  get lastIndex(): LogIndex {
    return this.log.lastIndex;
  }

  /** Highest index advance() reported durable that is still part of this log. */
  get persistedIndex(): LogIndex {
    return this.log.persisted;
  }

  get votedFor(): NodeId {
    return this.vote;
  }

  entryAt(index: LogIndex): Entry | undefined {
    return this.log.entryAt(index);
  }

  /** Entries [from, to] inclusive, read through the unstable suffix and the StableLog. */
  entries(from: LogIndex, to: LogIndex): Entry[] {
    return this.log.entries(from, to);
  }

  termAt(index: LogIndex): Term | undefined {
    return this.log.term(index);
  }

  status(): RaftStatus {
    const status: RaftStatus = {
      id: this.id,
      role: this.roleNow,
      term: this.termNow,
      vote: this.vote,
      leader: this.leaderNow,
      commit: this.log.commit,
      persisted: this.log.persisted,
      lastIndex: this.log.lastIndex,
      transferee: this.transferee,
    };
    if (this.roleNow === 'leader') {
      status.progress = this.peerIds.map((id) => {
        const pr = this.progress.get(id)!;
        return {
          id,
          match: pr.match,
          next: pr.next,
          state: pr.state,
          inflightMsgs: pr.inflights.count,
          inflightBytes: pr.inflights.bytes,
          recentActive: pr.recentActive,
        };
      });
    }
    return status;
  }

  // ---- inputs ----

  /** One logical clock tick. */
  tick(): void {
    if (this.roleNow === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  step(message: Message): void {
    this.validateMessage(message);
    const m = message;
    if (m.term > this.termNow) {
      if (m.type === 'PreVote' || m.type === 'Vote') {
        // Leader lease: while a live leader is heard from, a disruptive (rejoining, partitioned)
        // candidate must not depose it. A transfer campaign is sanctioned by the leader itself.
        const inLease = this.config.checkQuorum && this.leaderNow !== NO_NODE && this.electionElapsed < this.config.electionTicks;
        if (inLease && !m.transfer) return;
      }
      if (m.type === 'PreVote') {
        // A pre-vote never changes our term.
      } else if (m.type === 'PreVoteResp' && !m.reject) {
        // Granted pre-votes carry the future term; the pre-candidate keeps its own term.
      } else if (m.type === 'Append' || m.type === 'Heartbeat') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NO_NODE);
      }
    } else if (m.term < this.termNow) {
      if ((m.type === 'Append' || m.type === 'Heartbeat') && (this.config.checkQuorum || this.config.preVote)) {
        // A deposed leader that cannot learn the new term otherwise (our lease and pre-vote keep
        // it from disrupting us): answer with our term so it steps down.
        this.send({ type: 'AppendResp', from: this.id, to: m.from, term: this.termNow, reject: true, matchIndex: asIndex(0), hintIndex: asIndex(0), hintTerm: asTerm(0) });
      } else if (m.type === 'PreVote') {
        this.send({ type: 'PreVoteResp', from: this.id, to: m.from, term: this.termNow, reject: true });
      }
      return;
    }

    if (m.type === 'PreVote' || m.type === 'Vote') {
      this.handleVoteRequest(m);
      return;
    }
    this.stepRole(m);
  }

  /** Appends `data` (one entry each, non-empty payloads) on the leader. */
  propose(data: Uint8Array[]): ProposeResult {
    if (this.roleNow !== 'leader') return { ok: false, reason: 'not-leader', leader: this.leaderNow };
    if (this.transferee !== NO_NODE) return { ok: false, reason: 'transferring', leader: this.leaderNow };
    assert(data.length >= 1, 'propose: expected at least one entry');
    for (let i = 0; i < data.length; i++) {
      // Zero-length entries are the leader's no-op marker: hosts skip them when applying.
      assert(data[i]!.byteLength > 0, () => `propose: entry ${i} has an empty payload (reserved for the leader's no-op)`);
    }
    const uncommitted = this.log.lastIndex - this.log.commit;
    if (uncommitted + data.length > this.config.uncommittedEntriesMax) {
      return { ok: false, reason: 'overloaded', leader: this.leaderNow };
    }
    const firstIndex = asIndex(this.log.lastIndex + 1);
    this.log.appendNew(this.termNow, data);
    for (let i = 0; i < this.peerIds.length; i++) this.sendAppends(this.peerIds[i]!, false);
    return { ok: true, firstIndex, lastIndex: this.log.lastIndex, term: this.termNow };
  }

  /**
   * Leader only (ignored elsewhere): stop accepting proposals, bring `to` up to date, then tell
   * it to campaign at once. Aborted after electionTicks if `to` has not taken over.
   */
  transferLeadership(to: NodeId): void {
    assert(this.voterIds.includes(to), () => `transferLeadership(${to}): not a voter of [${this.voterIds.join(', ')}]`);
    if (this.roleNow !== 'leader' || to === this.id || this.transferee === to) return;
    this.transferee = to;
    this.electionElapsed = 0;
    const pr = this.progress.get(to)!;
    if (pr.match === this.log.lastIndex) this.sendTimeoutNow(to);
    else this.sendAppends(to, true);
  }

  // ---- output: the Ready / advance protocol ----

  hasReady(): boolean {
    return (
      this.messages.length > 0 ||
      this.log.hasUnhanded() ||
      this.log.hasCommittedToApply() ||
      this.hardStateChanged() ||
      this.roleNow !== this.readyRole ||
      this.leaderNow !== this.readyLeader
    );
  }

  ready(): Ready {
    assert(!this.readyOutstanding, 'ready(): the previous Ready has not been acknowledged with advance()');
    this.readyOutstanding = true;
    let hardState: HardState | undefined;
    let mustSync = false;
    if (this.hardStateChanged()) {
      mustSync = this.termNow !== this.readyTerm || this.vote !== this.readyVote;
      hardState = { term: this.termNow, vote: this.vote, commit: this.durableCommit() };
      this.readyTerm = hardState.term;
      this.readyVote = hardState.vote;
      this.readyCommit = hardState.commit;
    }
    this.readyRole = this.roleNow;
    this.readyLeader = this.leaderNow;
    const messages = this.messages;
    this.messages = [];
    return {
      softState: { role: this.roleNow, leader: this.leaderNow },
      hardState,
      mustSync,
      entries: this.log.takeUnhanded(),
      messages,
      committed: this.log.takeCommitted(),
    };
  }

  /**
   * The host has processed the last Ready (if one is outstanding) and every entry with index <=
   * persistedThrough that any Ready handed out is durable. May also be called with no Ready
   * outstanding, to report durability that completed later (asynchronous fsync).
   */
  advance(persistedThrough: LogIndex): void {
    this.readyOutstanding = false;
    if (!this.log.persistTo(persistedThrough)) return;
    if (this.roleNow === 'leader') {
      if (this.maybeCommit()) this.bcastAppend();
    } else {
      this.flushAck();
    }
  }

  // ---- test hook ----

  /**
   * The highest index a majority of `matches` (self first, then followers) has reached. Protected
   * so that a test-only subclass can break the quorum rule and prove the simulator's checkers
   * catch it. `matches` is a scratch array the callee may reorder.
   */
  protected quorumMatchIndex(matches: LogIndex[]): LogIndex {
    return majorityIndex(matches);
  }

  // ---- role transitions ----

  private reset(term: Term): void {
    if (term !== this.termNow) {
      assert(term > this.termNow, () => `term would go back from ${this.termNow} to ${term}`);
      this.termNow = term;
      this.vote = NO_NODE;
    }
    this.leaderNow = NO_NODE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTicks();
    this.transferee = NO_NODE;
    this.votes.clear();
    this.progress.clear();
    this.ackPendingIndex = asIndex(0);
    this.ackPendingTo = NO_NODE;
    this.ackSentIndex = asIndex(0);
  }

  private becomeFollower(term: Term, leader: NodeId): void {
    this.reset(term);
    this.roleNow = 'follower';
    this.leaderNow = leader;
    this.stepRole = this.stepFollower;
  }

  private becomePreCandidate(): void {
    assert(this.roleNow !== 'leader', 'a leader cannot become pre-candidate');
    // Term and vote stay: a pre-vote must not disturb anyone.
    this.roleNow = 'pre-candidate';
    this.leaderNow = NO_NODE;
    this.votes.clear();
    this.ackPendingIndex = asIndex(0);
    this.ackPendingTo = NO_NODE;
    this.stepRole = this.stepCandidate;
  }

  private becomeCandidate(): void {
    assert(this.roleNow !== 'leader', 'a leader cannot become candidate');
    this.reset(asTerm(this.termNow + 1));
    this.vote = this.id;
    this.roleNow = 'candidate';
    this.stepRole = this.stepCandidate;
  }

  private becomeLeader(): void {
    assert(this.roleNow === 'candidate', () => `becomeLeader from role ${this.roleNow}`);
    this.reset(this.termNow);
    this.roleNow = 'leader';
    this.leaderNow = this.id;
    this.stepRole = this.stepLeader;
    const next = asIndex(this.log.lastIndex + 1);
    for (const peer of this.peerIds) {
      this.progress.set(peer, new Progress(next, this.config.inflightMsgsMax, this.config.inflightBytesMax));
    }
    // An entry of the new term: entries of earlier terms commit only once it does (Figure 8).
    this.log.appendNew(this.termNow, [EMPTY_PAYLOAD]);
  }

  private campaign(kind: CampaignKind): void {
    let voteTerm: Term;
    let type: 'PreVote' | 'Vote';
    if (kind === 'pre-vote') {
      this.becomePreCandidate();
      voteTerm = asTerm(this.termNow + 1);
      type = 'PreVote';
    } else {
      this.becomeCandidate();
      voteTerm = this.termNow;
      type = 'Vote';
    }
    if (this.recordVote(this.id, true) === 'won') {
      // Single-voter group.
      if (kind === 'pre-vote') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const lastLogIndex = this.log.lastIndex;
    const lastLogTerm = this.log.lastTerm();
    for (const peer of this.peerIds) {
      this.send({ type, from: this.id, to: peer, term: voteTerm, lastLogIndex, lastLogTerm, transfer: kind === 'transfer' });
    }
  }

  private recordVote(from: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const v of this.votes.values()) {
      if (v) yes++;
      else no++;
    }
    return voteResult(yes, no, this.voterIds.length);
  }

  // ---- ticks ----

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTicks) {
      this.electionElapsed = 0;
      this.campaign(this.config.preVote ? 'pre-vote' : 'election');
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.termNow, NO_NODE);
        return;
      }
      // A transfer that did not complete within an election timeout is abandoned.
      this.transferee = NO_NODE;
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  /** True when a majority (counting self) was heard from since the last check; clears the marks. */
  private quorumActive(): boolean {
    let active = 1;
    for (const pr of this.progress.values()) {
      if (pr.recentActive) active++;
      pr.recentActive = false;
    }
    return active >= majority(this.voterIds.length);
  }

  // ---- step functions per role ----

  private readonly stepFollower: StepFn = (m) => {
    switch (m.type) {
      case 'Append':
        this.electionElapsed = 0;
        this.leaderNow = m.from;
        this.handleAppend(m);
        return;
      case 'Heartbeat':
        this.electionElapsed = 0;
        this.leaderNow = m.from;
        this.handleHeartbeat(m);
        return;
      case 'TimeoutNow':
        this.campaign('transfer');
        return;
      default:
        // Responses meant for an earlier role of ours: stale.
        return;
    }
  };

  private readonly stepCandidate: StepFn = (m) => {
    switch (m.type) {
      case 'Append':
        this.becomeFollower(this.termNow, m.from);
        this.handleAppend(m);
        return;
      case 'Heartbeat':
        this.becomeFollower(this.termNow, m.from);
        this.handleHeartbeat(m);
        return;
      case 'PreVoteResp':
      case 'VoteResp': {
        const wanted = this.roleNow === 'pre-candidate' ? 'PreVoteResp' : 'VoteResp';
        if (m.type !== wanted) return;
        const result = this.recordVote(m.from, !m.reject);
        if (result === 'won') {
          if (this.roleNow === 'pre-candidate') {
            this.campaign('election');
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === 'lost') {
          this.becomeFollower(this.termNow, NO_NODE);
        }
        return;
      }
      default:
        return;
    }
  };

  private readonly stepLeader: StepFn = (m) => {
    switch (m.type) {
      case 'AppendResp':
        this.handleAppendResp(m);
        return;
      case 'HeartbeatResp': {
        const pr = this.progress.get(m.from)!;
        pr.recentActive = true;
        pr.probeSent = false;
        // The follower is alive: let one more message through a full window.
        if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
        if (pr.match < this.log.lastIndex) this.sendAppends(m.from, true);
        return;
      }
      case 'Append':
      case 'Heartbeat':
        assert(false, () => `node ${this.id}: two leaders in term ${this.termNow} (${this.id} and ${m.from})`);
        return;
      default:
        return;
    }
  };

  // ---- message handlers ----

  private handleVoteRequest(m: VoteRequest): void {
    const respType = m.type === 'PreVote' ? 'PreVoteResp' : 'VoteResp';
    const canVote =
      this.vote === m.from ||
      (this.vote === NO_NODE && this.leaderNow === NO_NODE) ||
      (m.type === 'PreVote' && m.term > this.termNow);
    if (canVote && this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm)) {
      // Respond in the candidate's term; for a Vote this is our term now.
      this.send({ type: respType, from: this.id, to: m.from, term: m.term, reject: false });
      if (m.type === 'Vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, from: this.id, to: m.from, term: this.termNow, reject: true });
    }
  }

  private handleAppend(m: AppendRequest): void {
    if (m.prevIndex < this.log.commit) {
      // Already committed here, hence matching the leader through our commit index.
      this.scheduleAck(m.from, this.log.commit);
      return;
    }
    const lastNew = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.entries);
    if (lastNew >= 0) {
      this.log.commitTo(asIndex(Math.min(m.commit, lastNew)));
      this.scheduleAck(m.from, asIndex(lastNew));
      return;
    }
    // Mismatch at prevIndex: tell the leader where our log could match at best, so it can skip a
    // whole term of entries per round trip instead of one entry.
    const hint = this.log.findConflictByTerm(asIndex(Math.min(m.prevIndex, this.log.lastIndex)), m.prevTerm);
    this.send({
      type: 'AppendResp',
      from: this.id,
      to: m.from,
      term: this.termNow,
      reject: true,
      matchIndex: m.prevIndex,
      hintIndex: hint.index,
      hintTerm: hint.term,
    });
  }

  private handleHeartbeat(m: Heartbeat): void {
    this.log.commitTo(m.commit);
    this.send({ type: 'HeartbeatResp', from: this.id, to: m.from, term: this.termNow });
  }

  /** Acknowledge a match with the leader through `index`, now if durable, else once advance() says so. */
  private scheduleAck(to: NodeId, index: LogIndex): void {
    if (index <= this.log.persisted) {
      this.sendAck(to, index);
      return;
    }
    this.ackPendingTo = to;
    if (index > this.ackPendingIndex) this.ackPendingIndex = index;
  }

  private flushAck(): void {
    if (this.ackPendingIndex === 0) return;
    const durable = asIndex(Math.min(this.ackPendingIndex, this.log.persisted));
    if (durable > this.ackSentIndex) this.sendAck(this.ackPendingTo, durable);
    if (durable >= this.ackPendingIndex) {
      this.ackPendingIndex = asIndex(0);
      this.ackPendingTo = NO_NODE;
    }
  }

  private sendAck(to: NodeId, index: LogIndex): void {
    if (index > this.ackSentIndex) this.ackSentIndex = index;
    this.send({ type: 'AppendResp', from: this.id, to, term: this.termNow, reject: false, matchIndex: index, hintIndex: asIndex(0), hintTerm: asTerm(0) });
  }

  private handleAppendResp(m: AppendResponse): void {
    const pr = this.progress.get(m.from)!;
    pr.recentActive = true;
    if (m.reject) {
      let nextProbe = m.hintIndex;
      if (m.hintTerm > 0) nextProbe = this.log.findConflictByTerm(m.hintIndex, m.hintTerm).index;
      if (pr.maybeDecrTo(m.matchIndex, nextProbe)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppends(m.from, true);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.matchIndex)) return;
    if (pr.state === 'probe') pr.becomeReplicate();
    else pr.inflights.freeLE(m.matchIndex);
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else {
      // A follower that was paused may not know the commit index yet: tell it even if nothing is new.
      this.sendAppends(m.from, wasPaused);
    }
    if (m.from === this.transferee && pr.match === this.log.lastIndex) this.sendTimeoutNow(m.from);
  }

  // ---- leader: replication and commit ----

  /** Advances commit to the majority match if that entry is of the current term. */
  private maybeCommit(): boolean {
    const matches = this.matchScratch;
    matches[0] = this.log.persisted;
    for (let i = 0; i < this.peerIds.length; i++) matches[i + 1] = this.progress.get(this.peerIds[i]!)!.match;
    const index = this.quorumMatchIndex(matches);
    if (index <= this.log.commit) return false;
    if (this.log.term(index) !== this.termNow) return false;
    return this.log.commitTo(index);
  }

  private bcastAppend(): void {
    for (let i = 0; i < this.peerIds.length; i++) this.sendAppends(this.peerIds[i]!, true);
  }

  private bcastHeartbeat(): void {
    for (let i = 0; i < this.peerIds.length; i++) {
      const to = this.peerIds[i]!;
      const pr = this.progress.get(to)!;
      // Under load Appends flow constantly; each already resets the follower's election timer and
      // draws a response (check-quorum activity), so a heartbeat beside them only costs a wake-up.
      // Only for a follower in steady replication: a probing follower may have lost that Append.
      const skip = pr.appendSinceHeartbeat && pr.state === 'replicate';
      pr.appendSinceHeartbeat = false;
      if (skip) continue;
      this.send({ type: 'Heartbeat', from: this.id, to, term: this.termNow, commit: asIndex(Math.min(pr.match, this.log.commit)) });
    }
  }

  /** Sends one Append (empty if `sendIfEmpty` and nothing is new), then, in replicate state, as many more as the window allows. */
  private sendAppends(to: NodeId, sendIfEmpty: boolean): void {
    if (!this.maybeSendAppend(to, sendIfEmpty)) return;
    const pr = this.progress.get(to)!;
    if (pr.state !== 'replicate') return;
    while (pr.next <= this.log.lastIndex && this.maybeSendAppend(to, false)) {
      // keep streaming until the window or the log is exhausted
    }
  }

  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to)!;
    if (pr.isPaused()) return false;
    const prevIndex = asIndex(pr.next - 1);
    const prevTerm = this.log.term(prevIndex);
    assert(prevTerm !== undefined, () => `leader ${this.id}: term of ${prevIndex} unavailable for follower ${to}`);
    let bytesMax = this.config.batchBytesMax;
    if (pr.state === 'replicate') bytesMax = Math.min(bytesMax, pr.inflights.bytesMax - pr.inflights.bytes);
    const entries = this.log.slice(pr.next, this.config.batchEntriesMax, bytesMax);
    if (entries.length === 0 && !sendIfEmpty) return false;
    const bytes = this.log.lastSliceBytes;
    this.send({ type: 'Append', from: this.id, to, term: this.termNow, prevIndex, prevTerm, entries, commit: this.log.commit });
    pr.sentEntries(entries.length, asIndex(prevIndex + entries.length), bytes);
    return true;
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: 'TimeoutNow', from: this.id, to, term: this.termNow });
  }

  // ---- helpers ----

  private send(message: Message): void {
    if (message.type === 'Append') {
      const pr = this.progress.get(message.to);
      if (pr !== undefined) pr.appendSinceHeartbeat = true;
    }
    this.messages.push(message);
  }

  private hardStateChanged(): boolean {
    return this.termNow !== this.readyTerm || this.vote !== this.readyVote || this.durableCommit() !== this.readyCommit;
  }

  /** The commit index a restart may trust: never beyond what is durable here. */
  private durableCommit(): LogIndex {
    return asIndex(Math.min(this.log.commit, this.log.persisted));
  }

  private resetRandomizedElectionTicks(): void {
    this.randomizedElectionTicks = this.config.electionTicks + this.rng.int(this.config.electionTicks);
  }

  private validateMessage(m: Message): void {
    assert(m.to === this.id, () => `node ${this.id}: stepped a ${m.type} addressed to ${m.to}`);
    assert(m.from !== this.id && this.peerIds.includes(m.from), () => `node ${this.id}: ${m.type} from ${m.from}, not a peer of [${this.voterIds.join(', ')}]`);
    assert(Number.isInteger(m.term) && m.term >= 0, () => `node ${this.id}: ${m.type} from ${m.from} with invalid term ${m.term}`);
    switch (m.type) {
      case 'Append': {
        assert(Number.isInteger(m.prevIndex) && m.prevIndex >= 0, () => `Append from ${m.from}: invalid prevIndex ${m.prevIndex}`);
        assert(m.prevTerm <= m.term, () => `Append from ${m.from}: prevTerm ${m.prevTerm} above message term ${m.term}`);
        assert(m.commit >= 0, () => `Append from ${m.from}: invalid commit ${m.commit}`);
        let previousTerm = m.prevTerm;
        for (let i = 0; i < m.entries.length; i++) {
          const e = m.entries[i]!;
          assert(e.index === m.prevIndex + 1 + i, () => `Append from ${m.from}: entry ${i} has index ${e.index}, expected ${m.prevIndex + 1 + i}`);
          assert(e.term >= previousTerm && e.term <= m.term, () => `Append from ${m.from}: entry ${e.index} term ${e.term} not in [${previousTerm}, ${m.term}]`);
          previousTerm = e.term;
        }
        return;
      }
      case 'AppendResp':
        assert(m.matchIndex >= 0 && m.hintIndex >= 0 && m.hintTerm >= 0, () => `AppendResp from ${m.from}: negative index or term`);
        return;
      case 'PreVote':
      case 'Vote':
        assert(m.lastLogIndex >= 0 && m.lastLogTerm >= 0 && m.lastLogTerm <= m.term, () => `${m.type} from ${m.from}: last log ${m.lastLogIndex}/${m.lastLogTerm} invalid for term ${m.term}`);
        return;
      case 'Heartbeat':
        assert(m.commit >= 0, () => `Heartbeat from ${m.from}: invalid commit ${m.commit}`);
        return;
      default:
        return;
    }
  }
}

function validateConfig(config: RaftConfig): void {
  const { id, voters } = config;
  const sizes: readonly number[] = GROUP_SIZES;
  assert(sizes.includes(voters.length), () => `RaftConfig.voters: expected 1, 3, 5 or 7 voters, got ${voters.length}`);
  assert(new Set(voters).size === voters.length, () => `RaftConfig.voters: duplicate ids in [${voters.join(', ')}]`);
  for (const v of voters) assert(Number.isInteger(v) && v > 0, () => `RaftConfig.voters: ids must be integers >= 1, got ${v}`);
  assert(voters.includes(id), () => `RaftConfig.id ${id} is not in voters [${voters.join(', ')}]`);
  const positive = (field: keyof RaftConfig, value: number): void =>
    assert(Number.isInteger(value) && value >= 1, () => `RaftConfig.${field}: expected an integer >= 1, got ${value}`);
  positive('heartbeatTicks', config.heartbeatTicks);
  positive('electionTicks', config.electionTicks);
  assert(config.electionTicks > config.heartbeatTicks, () => `RaftConfig.electionTicks (${config.electionTicks}) must exceed heartbeatTicks (${config.heartbeatTicks})`);
  positive('inflightMsgsMax', config.inflightMsgsMax);
  positive('inflightBytesMax', config.inflightBytesMax);
  positive('batchEntriesMax', config.batchEntriesMax);
  positive('batchBytesMax', config.batchBytesMax);
  positive('uncommittedEntriesMax', config.uncommittedEntriesMax);
}
