// Runs one seeded simulation of a whole group in one thread. A run is a pure function of its
// options: every choice comes from generators forked off one seeded Rng (scheduler, network,
// faults, clients and each replica start get their own, so adding a draw in one place does not
// shift the others), and there is no clock.
//
// Phase 1 (chaos, `steps` steps): each step does exactly one thing — tick a replica, deliver a
// message, take a replica's Ready, persist a taken Ready (then send its messages, report its
// committed range and advance), propose from a client, restart a crashed replica whose downtime
// is over, or inject a fault (crash, random partition, isolate the leader, leadership transfer,
// heal). A crash loses the core and any Ready taken but not persisted; a torn write persists the
// hard state and only a prefix of the Ready's entries, then crashes before anything is sent. The
// rates of all of these are drawn per seed within fixed bounds (drawProfile).
// Phase 2 (quiet): faults stop, partitions heal, crashed replicas restart, the network delivers
// everything at once; then rounds of "every replica ticks once, then all messages and Readies are
// processed until nothing moves". Within livenessTicksMax rounds a leader must commit a new
// proposal.
// The invariant checker sees every event; the run stops at the first violation.

import type { Rng } from '../prng.js';
import { seededRng } from '../prng.js';
import type { Message, RaftConfig } from '../raft/types.js';
import type { LogIndex, NodeId, Term } from '../types.js';
import { asNodeId } from '../types.js';
import { bytesEqual, InvariantChecker } from './invariants.js';
import { QUIET_NETWORK, SimNetwork } from './network.js';
import type { FaultProfile } from './profile.js';
import { drawProfile, SIM_RAFT_CONFIG } from './profile.js';
import type { RaftFactory } from './raft-like.js';
import { SimReplica } from './replica.js';
import { describeMessage, describeRange, describeReady } from './trace.js';
import type { Violation } from './violation.js';

/**
 * Liveness bound: once faults stop, a leader must be elected and must commit a new proposal within
 * this many ticks of every replica. An election needs one randomized timeout, in [electionTicks,
 * 2 * electionTicks) = [10, 20) ticks, plus round trips that the quiet network completes within
 * the same tick; check-quorum leases and a split vote can each add one more timeout. 100 ticks is
 * five maximal timeouts; sweeps of thousands of seeds need at most ~20.
 */
export const livenessTicksMax = 100;

/** Chaos-phase steps per seed by default (sized so 10,000 seeds finish in minutes on 2 cores). */
export const simStepsDefault = 25_000;

export const simReplicaChoices = [3, 5] as const;

/** Messages in flight at once; more are dropped (a full buffer). */
const networkInFlightMax = 2048;
/** Upper bound on passes of the quiet phase's "process until nothing moves" loop per tick. */
const settlePassesMax = 100;
/** Upper bound on one replica's Ready/persist steps per pass (a core that always has a Ready cannot hang the run). */
const settleIoStepsMax = 64;
const clientPayloadBytes = 8;
const MARKER_PAYLOAD = new Uint8Array([0xff, 0x4c, 0x49, 0x56, 0x45, 0x4e, 0x45, 0x53]);

export interface SimOptions {
  seed: number;
  replicas: number;
  /** Steps of the chaos phase. */
  steps: number;
  factory: RaftFactory;
  /** Receives one line per event when set. */
  trace?: (line: string) => void;
}

export interface SimStats {
  /** All steps, chaos and quiet phase. */
  steps: number;
  committedIndexMax: number;
  proposals: number;
  leaderTerms: number;
  crashes: number;
  tornWrites: number;
  restarts: number;
  partitions: number;
  messagesSent: number;
  messagesLost: number;
  /** Ticks the quiet phase needed to commit a new proposal (-1 if it did not get there). */
  livenessTicks: number;
}

export interface SimResult {
  seed: number;
  violation: Violation | undefined;
  stats: SimStats;
}

export function runSeed(options: SimOptions): SimResult {
  return new Simulation(options).run();
}

// Relative weights of delivering a message and of a replica's Ready work, when a step does work.
const deliverWeight = 2;
const ioWeight = 1;

class Simulation {
  private readonly replicas: SimReplica[] = [];
  private readonly ids: NodeId[];
  private readonly checker: InvariantChecker;
  private readonly network: SimNetwork;
  private readonly profile: FaultProfile;
  private readonly scheduler: Rng;
  private readonly faultRng: Rng;
  private readonly clientRng: Rng;
  private readonly coreRng: Rng;
  private readonly trace: ((line: string) => void) | undefined;
  private readonly leaderTerms = new Set<number>();
  private stepNo = 0;
  private clientSeq = 0;
  private quiet = false;
  private markerCommitted = false;
  private readonly stats: SimStats = {
    steps: 0,
    committedIndexMax: 0,
    proposals: 0,
    leaderTerms: 0,
    crashes: 0,
    tornWrites: 0,
    restarts: 0,
    partitions: 0,
    messagesSent: 0,
    messagesLost: 0,
    livenessTicks: -1,
  };

  constructor(private readonly options: SimOptions) {
    if (!(simReplicaChoices as readonly number[]).includes(options.replicas)) {
      throw new RangeError(`replicas: expected one of ${simReplicaChoices.join(', ')}, got ${options.replicas}`);
    }
    if (!Number.isSafeInteger(options.steps) || options.steps < 0) throw new RangeError(`steps: expected an integer >= 0, got ${options.steps}`);
    const root = seededRng(options.seed);
    const profileRng = root.fork();
    const networkRng = root.fork();
    this.faultRng = root.fork();
    this.clientRng = root.fork();
    this.scheduler = root.fork();
    this.coreRng = root.fork();
    this.profile = drawProfile(profileRng);
    this.ids = [];
    for (let i = 1; i <= options.replicas; i++) this.ids.push(asNodeId(i));
    for (const id of this.ids) this.replicas.push(new SimReplica(id));
    this.checker = new InvariantChecker(options.seed, this.ids);
    this.network = new SimNetwork(networkRng, this.profile.network, this.ids, networkInFlightMax);
    this.trace = options.trace;
  }

  run(): SimResult {
    const p = this.profile;
    this.log(
      `seed ${this.options.seed} replicas=${this.options.replicas} steps=${this.options.steps} drop=${p.network.dropRate.toFixed(3)} dup=${p.network.duplicateRate.toFixed(3)} reorder=${p.network.reorderRate.toFixed(3)} delayMax=${p.network.delayStepsMax} fault=${p.faultRate.toFixed(4)} torn=${p.tornRate.toFixed(4)} propose=${p.proposeRate.toFixed(3)} tick=${p.tickRate.toFixed(3)} downMax=${p.downStepsMax}`,
    );
    for (const replica of this.replicas) this.start(replica);
    while (this.stepNo < this.options.steps && this.checker.ok) this.chaosStep();
    if (this.checker.ok) this.quietPhase();
    this.stats.steps = this.stepNo;
    this.stats.committedIndexMax = this.checker.committedIndexMax;
    this.stats.leaderTerms = this.leaderTerms.size;
    if (this.checker.violation !== undefined) this.log(`violation ${this.checker.violation.invariant}: ${this.checker.violation.description}`);
    return { seed: this.options.seed, violation: this.checker.violation, stats: { ...this.stats } };
  }

  // ---- phase 1 ----

  private chaosStep(): void {
    this.beginStep();
    for (const replica of this.replicas) {
      if (!replica.alive && replica.restartAtStep <= this.stepNo) return this.start(replica);
    }
    const p = this.profile;
    const draw = this.scheduler.next();
    if (draw < p.faultRate) this.injectFault();
    else if (draw < p.faultRate + p.proposeRate) this.propose();
    else if (draw < p.faultRate + p.proposeRate + p.tickRate) this.tickAny();
    else this.work();
  }

  private tickAny(): void {
    const alive = this.replicas.filter((r) => r.alive);
    if (alive.length === 0) return this.log('idle (every replica down)');
    this.tick(alive[this.scheduler.int(alive.length)]!);
  }

  private work(): void {
    const canDeliver = this.network.hasDeliverable(this.stepNo);
    let ioCount = 0;
    for (const replica of this.replicas) {
      if (replica.alive && this.hasIo(replica)) ioCount++;
    }
    const total = (canDeliver ? deliverWeight : 0) + ioCount * ioWeight;
    // Nothing to deliver or persist: time passes.
    if (total === 0) return this.tickAny();
    let pick = this.scheduler.int(total);
    if (canDeliver) {
      if (pick < deliverWeight) return this.deliverOne(false);
      pick -= deliverWeight;
    }
    let nth = Math.floor(pick / ioWeight);
    for (const replica of this.replicas) {
      if (replica.alive && this.hasIo(replica) && nth-- === 0) return this.io(replica);
    }
  }

  private hasIo(replica: SimReplica): boolean {
    if (replica.pending !== undefined) return true;
    const core = replica.core;
    if (core === undefined) return false;
    return this.guard(replica, 'hasReady', () => core.hasReady()) === true;
  }

  private injectFault(): void {
    const kind = this.faultRng.int(6);
    const alive = this.replicas.filter((r) => r.alive);
    switch (kind) {
      case 0:
      case 1:
        if (alive.length > 0) return this.crash(alive[this.faultRng.int(alive.length)]!, 'crash');
        break;
      case 2: {
        // A random split into two non-empty sides.
        const sides = new Map<NodeId, number>();
        const mask = 1 + this.faultRng.int((1 << this.ids.length) - 2);
        for (const id of this.ids) sides.set(id, (mask >> (id - 1)) & 1);
        this.network.partition(sides);
        this.stats.partitions++;
        return this.log(`partition ${this.network.describePartition()}`);
      }
      case 3: {
        const leader = this.currentLeader();
        if (leader === undefined) break;
        if (this.faultRng.chance(0.5)) {
          const sides = new Map<NodeId, number>();
          for (const id of this.ids) sides.set(id, id === leader.id ? 1 : 0);
          this.network.partition(sides);
          this.stats.partitions++;
          return this.log(`isolate leader n${leader.id}: ${this.network.describePartition()}`);
        }
        const others = this.ids.filter((id) => id !== leader.id);
        const to = others[this.faultRng.int(others.length)]!;
        this.log(`transfer leadership n${leader.id} -> n${to}`);
        this.guard(leader, 'transferLeadership', () => leader.core!.transferLeadership(to));
        return this.observe(leader);
      }
      default:
        break;
    }
    this.network.heal();
    this.log('heal partitions');
  }

  private currentLeader(): SimReplica | undefined {
    let best: SimReplica | undefined;
    for (const replica of this.replicas) {
      const core = replica.core;
      if (core === undefined || core.role !== 'leader') continue;
      if (best === undefined || core.term > best.core!.term) best = replica;
    }
    return best;
  }

  private propose(): void {
    const alive = this.replicas.filter((r) => r.alive);
    if (alive.length === 0) return;
    let target = alive[this.clientRng.int(alive.length)]!;
    // Most clients know the leader; some ask a random replica (and get redirected or refused).
    const believed = target.core!.leader;
    if (believed !== 0 && this.clientRng.chance(0.8)) {
      const leader = this.replicas[believed - 1];
      if (leader?.alive === true) target = leader;
    }
    const count = 1 + this.clientRng.int(3);
    const payloads: Uint8Array[] = [];
    for (let i = 0; i < count; i++) payloads.push(clientPayload(++this.clientSeq));
    this.stats.proposals += count;
    const core = target.core!;
    const result = this.guard(target, 'propose', () => core.propose(payloads));
    if (result !== undefined) {
      this.log(result.ok ? `propose n${target.id} #${this.clientSeq - count + 1}..${this.clientSeq} -> ${result.firstIndex}..${result.lastIndex}@t${result.term}` : `propose n${target.id} #${this.clientSeq - count + 1}..${this.clientSeq} -> ${result.reason} (leader n${result.leader})`);
    }
    this.observe(target);
  }

  // ---- replica events ----

  private start(replica: SimReplica): void {
    const config: RaftConfig = { ...SIM_RAFT_CONFIG, id: replica.id, voters: [...this.ids] };
    const hardState = { ...replica.hardState };
    const wasDown = replica.tracedTerm >= 0;
    this.log(`${wasDown ? 'restart' : 'start'} n${replica.id} ${`hs=t${hardState.term}/v${hardState.vote}/c${hardState.commit}`} log=${replica.log.firstIndex()}..${replica.log.lastIndex()}`);
    if (wasDown) this.stats.restarts++;
    this.checker.restarted(replica.id, hardState);
    try {
      replica.core = this.options.factory(config, replica.log, hardState, this.coreRng.fork());
    } catch (error) {
      this.checker.fail('coreAssertion', `starting n${replica.id}: ${errorText(error)}`);
      return;
    }
    this.observe(replica);
  }

  private crash(replica: SimReplica, why: string): void {
    const lost = replica.pending === undefined ? '' : ` (lost unpersisted Ready: ${describeReady(replica.pending.ready)})`;
    this.log(`${why} n${replica.id}${lost}`);
    replica.core = undefined;
    replica.pending = undefined;
    replica.tracedRole = 'down';
    replica.restartAtStep = this.stepNo + 1 + this.faultRng.int(this.profile.downStepsMax);
    this.stats.crashes++;
    this.checker.crashed(replica.id);
  }

  private tick(replica: SimReplica): void {
    const core = replica.core!;
    if (this.trace !== undefined) this.log(`tick n${replica.id}`);
    this.guard(replica, 'tick', () => core.tick());
    this.observe(replica);
  }

  private deliverOne(ignoreDelay: boolean): void {
    const message = this.network.take(this.stepNo, ignoreDelay, (lost) => {
      this.stats.messagesLost++;
      if (this.trace !== undefined) this.log(`lost (partition) ${describeMessage(lost)}`);
    });
    if (message === undefined) return;
    const replica = this.replicas[message.to - 1]!;
    const core = replica.core;
    if (core === undefined) {
      this.stats.messagesLost++;
      if (this.trace !== undefined) this.log(`lost (n${message.to} down) ${describeMessage(message)}`);
      return;
    }
    if (this.trace !== undefined) this.log(`deliver ${describeMessage(message)}`);
    this.guard(replica, 'step', () => core.step(message));
    this.observe(replica);
  }

  private io(replica: SimReplica): void {
    if (replica.pending !== undefined) return this.persist(replica);
    const core = replica.core!;
    const ready = this.guard(replica, 'ready', () => core.ready());
    if (ready === undefined) return;
    replica.pending = { ready, termAtReady: core.term };
    if (this.trace !== undefined) this.log(`ready n${replica.id} ${describeReady(ready)}`);
    if (core.role === 'leader') this.checker.leaderLogVisible(replica.id, core.term, replica);
    this.observe(replica);
  }

  /** Persists the pending Ready, then sends, reports commits and advances — or is torn by a crash. */
  private persist(replica: SimReplica): void {
    const { ready, termAtReady } = replica.pending!;
    const entries = ready.entries;
    const torn = !this.quiet && entries.length > 0 && this.profile.tornRate > 0 && this.faultRng.chance(this.profile.tornRate);
    const kept = torn ? this.faultRng.int(entries.length + 1) : entries.length;
    const written = kept === entries.length ? entries : entries.slice(0, kept);
    replica.pending = undefined;

    const replaced: { index: number; term: Term }[] = [];
    if (written.length > 0) {
      for (let index = written[0]!.index; index <= replica.log.lastIndex(); index++) {
        replaced.push({ index, term: replica.log.term(index as LogIndex)! });
      }
      this.guard(replica, 'persist entries', () => replica.log.append(written));
      if (!this.checker.ok) return;
    }
    const hardState = ready.hardState;
    if (hardState !== undefined) {
      // Written before the entries (a torn write keeps it): its term must cover every stored entry.
      // Its commit index must not point past the stored log even when the entries were cut short,
      // or a restart would trust entries it does not have.
      replica.hardState = { ...hardState };
      if (hardState.commit > replica.log.lastIndex()) {
        this.checker.fail('hardState', `n${replica.id} persisted commit ${hardState.commit} beyond its stored log (last index ${replica.log.lastIndex()}${torn ? ', after a torn write' : ''})`);
      }
    }
    this.checker.persisted(replica.id, written, replaced, hardState, replica);
    if (this.trace !== undefined) this.log(`persist n${replica.id} ${describeRange(written)}${torn ? ` of ${describeRange(entries)}` : ''} ${hardState === undefined ? '' : `hs=t${hardState.term}/v${hardState.vote}/c${hardState.commit}`}`.trimEnd());
    if (torn) {
      this.stats.tornWrites++;
      return this.crash(replica, 'crash during persist (torn write)');
    }

    for (const message of ready.messages) this.send(message);

    const committed = ready.committed;
    if (committed !== undefined) {
      const lastStored = replica.log.lastIndex();
      if (committed.to > lastStored || committed.from < replica.log.firstIndex() || committed.from > committed.to) {
        this.checker.fail('committedPrefix', `n${replica.id} reported ${committed.from}..${committed.to} committed but has persisted ${replica.log.firstIndex()}..${lastStored}`);
        return;
      }
      const done = replica.log.entries(committed.from, committed.to, Number.POSITIVE_INFINITY);
      this.checker.committedReported(replica.id, committed.from, done, termAtReady);
      if (this.quiet && !this.markerCommitted) {
        for (const entry of done) if (bytesEqual(entry.data, MARKER_PAYLOAD)) this.markerCommitted = true;
      }
    }
    const core = replica.core!;
    this.guard(replica, 'advance', () => core.advance(replica.log.lastIndex()));
    this.observe(replica);
  }

  private send(message: Message): void {
    this.stats.messagesSent++;
    const outcome = this.network.send(message, this.stepNo);
    if (outcome !== 'queued' && outcome !== 'duplicated') this.stats.messagesLost++;
    if (this.trace !== undefined && outcome !== 'queued') this.log(`send ${outcome} ${describeMessage(message)}`);
  }

  // ---- phase 2 ----

  private quietPhase(): void {
    this.quiet = true;
    this.network.heal();
    this.network.setFaults(QUIET_NETWORK);
    this.log('quiet phase: faults stop, partitions heal, crashed replicas restart');
    for (const replica of this.replicas) {
      if (!replica.alive) {
        this.beginStep();
        this.start(replica);
      }
    }
    let markerTarget = '';
    for (let tick = 1; tick <= livenessTicksMax && this.checker.ok; tick++) {
      for (const replica of this.replicas) {
        if (!replica.alive) continue;
        this.beginStep();
        this.tick(replica);
      }
      this.settle();
      if (this.markerCommitted) {
        this.stats.livenessTicks = tick;
        this.log(`liveness: a new proposal committed ${tick} ticks after faults stopped`);
        return;
      }
      const leader = this.currentLeader();
      if (leader !== undefined && `${leader.id}/${leader.core!.term}` !== markerTarget) {
        this.beginStep();
        const core = leader.core!;
        const result = this.guard(leader, 'propose', () => core.propose([MARKER_PAYLOAD]));
        if (result?.ok === true) markerTarget = `${leader.id}/${core.term}`;
        this.log(`propose liveness marker to n${leader.id}: ${result?.ok === true ? `${result.firstIndex}@t${result.term}` : (result?.reason ?? 'threw')}`);
        this.observe(leader);
      }
    }
    if (this.checker.ok) {
      const leader = this.currentLeader();
      this.checker.fail('liveness', `no new proposal committed within ${livenessTicksMax} ticks after faults stopped (${leader === undefined ? 'no leader' : `leader n${leader.id} of term ${leader.core!.term}`})`);
    }
  }

  /** Delivers every message and processes every Ready until nothing moves (bounded). */
  private settle(): void {
    for (let pass = 0; pass < settlePassesMax && this.checker.ok; pass++) {
      let moved = false;
      for (const replica of this.replicas) {
        for (let cycle = 0; cycle < settleIoStepsMax && replica.alive && this.hasIo(replica) && this.checker.ok; cycle++) {
          this.beginStep();
          this.io(replica);
          moved = true;
        }
      }
      while (this.network.size > 0 && this.checker.ok) {
        this.beginStep();
        this.deliverOne(true);
        moved = true;
      }
      if (!moved) return;
    }
  }

  // ---- plumbing ----

  private beginStep(): void {
    this.stepNo++;
    this.checker.step = this.stepNo;
  }

  private observe(replica: SimReplica): void {
    const core = replica.core;
    if (core === undefined) return;
    const role = core.role;
    const term = core.term;
    this.checker.observe(replica.id, role, term, core.commitIndex);
    if (role === 'leader') this.leaderTerms.add(term);
    if (this.trace !== undefined && (role !== replica.tracedRole || term !== replica.tracedTerm)) {
      this.log(`n${replica.id} is ${role} of term ${term}`);
    }
    replica.tracedRole = role;
    replica.tracedTerm = term;
  }

  /** Runs a call into the core; an exception becomes a coreAssertion violation. */
  private guard<T>(replica: SimReplica, what: string, call: () => T): T | undefined {
    try {
      return call();
    } catch (error) {
      this.checker.fail('coreAssertion', `${what} on n${replica.id}: ${errorText(error)}`);
      return undefined;
    }
  }

  private log(text: string): void {
    if (this.trace !== undefined) this.trace(`${this.stepNo} ${text}`);
  }
}

/** Client payloads are carved out of shared slabs: one allocation per slab, not per entry. */
const payloadSlabBytes = 64 * 1024;
let payloadSlab = new Uint8Array(payloadSlabBytes);
let payloadSlabUsed = 0;

/** A unique payload per proposal of a run: a tag byte and the proposal's sequence number. */
function clientPayload(seq: number): Uint8Array {
  if (payloadSlabUsed + clientPayloadBytes > payloadSlabBytes) {
    payloadSlab = new Uint8Array(payloadSlabBytes);
    payloadSlabUsed = 0;
  }
  const bytes = payloadSlab.subarray(payloadSlabUsed, payloadSlabUsed + clientPayloadBytes);
  payloadSlabUsed += clientPayloadBytes;
  bytes[0] = 0x01;
  bytes[4] = seq & 0xff;
  bytes[5] = (seq >>> 8) & 0xff;
  bytes[6] = (seq >>> 16) & 0xff;
  bytes[7] = (seq >>> 24) & 0xff;
  return bytes;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
