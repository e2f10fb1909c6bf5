// The nemesis: injects a scenario's faults into a running system while the load runs, and
// records each action as a marker {atMs, kind, target} on the wall clock replica events use.
//
// - Faults anchored on the load start are scheduled by start(); faults anchored on a phase when
//   phaseStarted(name) is called. Periodic faults re-arm themselves (bounded by `count` and by
//   FAULT_FIRINGS_MAX).
// - Actions run one at a time (a queue), so two faults never interleave halfway (e.g. a kill
//   picking a leader another fault is pausing).
// - Follow-ups (resume after a pause, heal after a partition, restart after a kill) are markers
//   too, with `scheduled: false`; the scheduled marker's endAtMs says when its fault ended.
// - stop() cancels what has not fired, waits for the running action, then undoes what is still
//   in effect (resumes paused members, heals the network, restarts killed members) so the
//   ledger can read every replica back.
// Which replica is "a follower" is drawn from a seeded RNG, so a run's fault plan replays.

import { assert } from '../assert.js';
import { seededRng, type Rng } from '../prng.js';
import { FAULT_FIRINGS_MAX, FSYNC_DELAY_MS_DEFAULT, SKIPPED_NOTE_PREFIX, type FaultKind, type FaultSpec } from './fault-spec.js';
import { wallMs, type FaultTarget, type LeaderEvent } from './fault-target.js';

export type MarkerKind = FaultKind | 'resume' | 'disk-restored';

export interface FaultMarker {
  atMs: number;
  kind: MarkerKind;
  /** Member label (engine: replica-N), or a description for group-wide actions (heal, split). */
  target: string;
  /** Index in the scenario's faults list (null: an end-of-run clean-up). */
  fault: number | null;
  /** True for a scenario fault firing; false for a follow-up (resume, heal, restart). */
  scheduled: boolean;
  /** When the fault stopped being in effect (resume / heal / restart), null if it never did. */
  endAtMs: number | null;
  /** Leader at the moment of the fault (the member the metrics watch for a successor). */
  leaderBefore: string | null;
  /** What happened when the fault could not be applied as asked (no leader found, ...). */
  note: string | null;
}

export interface NemesisOptions {
  seed: number;
  log?: (line: string) => void;
  /** How long a fault waits for a leader to aim at. */
  leaderWaitMs?: number;
  /** Markers kept at most (older runs beyond it keep counting in `markersDropped`). */
  markersMax?: number;
}

const LEADER_WAIT_MS_DEFAULT = 5_000;
const MARKERS_MAX_DEFAULT = 10_000;
const POLL_EVERY_MS = 10;
const POLL_FOR_MS = 30_000;

export class Nemesis {
  readonly markers: FaultMarker[] = [];
  markersDropped = 0;
  /** Leader changes found by polling (targets that do not report events). */
  private readonly polledEvents: LeaderEvent[] = [];
  private readonly rng: Rng;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly firings: number[];
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly paused = new Set<string>();
  private readonly slowed = new Set<string>();
  private readonly killed = new Set<string>();
  private partitioned = false;
  private readonly leaderWaitMs: number;
  private readonly markersMax: number;
  private readonly log: (line: string) => void;

  constructor(
    private readonly target: FaultTarget,
    private readonly faults: readonly FaultSpec[],
    options: NemesisOptions,
  ) {
    this.rng = seededRng(options.seed >>> 0);
    this.firings = faults.map(() => 0);
    this.leaderWaitMs = options.leaderWaitMs ?? LEADER_WAIT_MS_DEFAULT;
    this.markersMax = options.markersMax ?? MARKERS_MAX_DEFAULT;
    this.log = options.log ?? (() => {});
    for (const fault of faults) {
      if (!target.network && (fault.kind === 'partition-leader' || fault.kind === 'split' || fault.kind === 'heal' || fault.kind === 'transfer-leader')) {
        throw new Error(`${fault.kind}: system ${target.system} has no network fault layer (kill / pause / restart only)`);
      }
    }
  }

  /** Schedules the faults anchored on the start of the load. */
  start(): void {
    this.faults.forEach((fault, i) => {
      if (fault.phase === undefined) this.arm(i, fault.atSeconds * 1000);
    });
  }

  /** Schedules the faults anchored on this phase; call it as the phase starts. */
  phaseStarted(name: string): void {
    this.faults.forEach((fault, i) => {
      if (fault.phase === name) this.arm(i, fault.atSeconds * 1000);
    });
  }

  /** Leader changes: reported by the target, or found by polling after leader faults. */
  leaderEvents(): LeaderEvent[] {
    return this.target.reportsEvents ? this.target.leaderEvents() : [...this.polledEvents];
  }

  private arm(faultIndex: number, delayMs: number): void {
    if (this.stopped) return;
    const fault = this.faults[faultIndex]!;
    const jitterMs = fault.jitterSeconds !== undefined ? this.rng.next() * fault.jitterSeconds * 1000 : 0;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      const firing = this.firings[faultIndex]!++;
      const limit = Math.min(FAULT_FIRINGS_MAX, fault.count ?? (fault.everySeconds !== undefined ? FAULT_FIRINGS_MAX : 1));
      if (fault.everySeconds !== undefined && firing + 1 < limit) this.arm(faultIndex, fault.everySeconds * 1000);
      this.enqueue(() => this.fire(faultIndex));
    }, Math.max(0, delayMs + jitterMs));
    this.timers.add(timer);
  }

  private after(delayMs: number, action: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) this.enqueue(action);
    }, delayMs);
    this.timers.add(timer);
  }

  private enqueue(action: () => Promise<void>): void {
    this.queue = this.queue.then(action).catch((error: unknown) => this.log(`nemesis: ${error instanceof Error ? error.message : String(error)}`));
  }

  private mark(kind: MarkerKind, member: string | null, fault: number | null, scheduled: boolean, leaderBefore: string | null, note: string | null = null, atMs = wallMs()): FaultMarker {
    const marker: FaultMarker = { atMs, kind, target: member === null ? 'group' : this.target.label(member), fault, scheduled, endAtMs: null, leaderBefore: leaderBefore === null ? null : this.target.label(leaderBefore), note };
    if (this.markers.length < this.markersMax) this.markers.push(marker);
    else this.markersDropped++;
    this.log(`nemesis: ${kind} ${marker.target}${note !== null ? ` (${note})` : ''}`);
    return marker;
  }

  private async followers(leader: string | undefined): Promise<string[]> {
    const members = await this.target.members();
    const live: string[] = [];
    for (const m of members) if (m !== leader && !this.killed.has(m) && (await this.target.alive(m))) live.push(m);
    return live;
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.rng.int(items.length)];
  }

  private async fire(faultIndex: number): Promise<void> {
    if (this.stopped) return;
    const fault = this.faults[faultIndex]!;
    const leader = await this.target.leader(this.leaderWaitMs);
    const leaderBefore = leader ?? null;
    const skip = (why: string): void => {
      this.mark(fault.kind, null, faultIndex, true, leaderBefore, `${SKIPPED_NOTE_PREFIX} ${why}`);
    };
    switch (fault.kind) {
      case 'kill-leader':
      case 'kill-follower': {
        const member = fault.kind === 'kill-leader' ? leader : this.pick(await this.followers(leader));
        if (member === undefined) return skip(fault.kind === 'kill-leader' ? `no leader within ${this.leaderWaitMs} ms` : 'no live follower');
        const marker = this.mark(fault.kind, member, faultIndex, true, leaderBefore);
        await this.target.kill(member);
        this.killed.add(member);
        if (fault.kind === 'kill-leader') this.pollLeader(member, marker.atMs);
        if (fault.restartAfterMs !== undefined) this.after(fault.restartAfterMs, () => this.restartMember(member, faultIndex, marker));
        return;
      }
      case 'pause-leader':
      case 'pause-follower': {
        const member = fault.kind === 'pause-leader' ? leader : this.pick(await this.followers(leader));
        if (member === undefined) return skip(fault.kind === 'pause-leader' ? `no leader within ${this.leaderWaitMs} ms` : 'no live follower');
        const durationMs = fault.durationMs!;
        const marker = this.mark(fault.kind, member, faultIndex, true, leaderBefore);
        await this.target.pause(member, durationMs);
        this.paused.add(member);
        if (fault.kind === 'pause-leader') this.pollLeader(member, marker.atMs);
        this.after(durationMs, async () => {
          if (!this.paused.delete(member)) return;
          await this.target.resume(member);
          marker.endAtMs = this.mark('resume', member, faultIndex, false, null).atMs;
        });
        return;
      }
      case 'restart': {
        const members = [...this.killed];
        if (members.length === 0) return skip('no killed member');
        for (const member of members) await this.restartMember(member, faultIndex, undefined);
        return;
      }
      case 'partition-leader': {
        if (leader === undefined) return skip(`no leader within ${this.leaderWaitMs} ms`);
        const marker = this.mark(fault.kind, leader, faultIndex, true, leaderBefore);
        this.target.isolate(leader);
        this.partitioned = true;
        this.after(fault.durationMs!, async () => this.healNetwork(faultIndex, marker));
        return;
      }
      case 'split': {
        if (leader === undefined) return skip(`no leader within ${this.leaderWaitMs} ms`);
        const members = await this.target.members();
        const minoritySize = Math.floor((members.length - 1) / 2);
        if (minoritySize === 0) return skip(`a group of ${members.length} has no minority`);
        const others = this.shuffle(members.filter((m) => m !== leader));
        const withLeader = (fault.leaderSide ?? 'minority') === 'minority' ? minoritySize - 1 : members.length - minoritySize - 1;
        const leaderSide = [leader, ...others.slice(0, withLeader)];
        const otherSide = others.slice(withLeader);
        const marker = this.mark(fault.kind, null, faultIndex, true, leaderBefore, `${leaderSide.map((m) => this.target.label(m)).join(',')} | ${otherSide.map((m) => this.target.label(m)).join(',')}`);
        this.target.split(leaderSide, otherSide);
        this.partitioned = true;
        this.after(fault.durationMs!, async () => this.healNetwork(faultIndex, marker));
        return;
      }
      case 'heal': {
        this.mark('heal', null, faultIndex, true, leaderBefore);
        this.target.heal();
        this.partitioned = false;
        return;
      }
      case 'slow-disk-leader':
      case 'slow-disk-follower': {
        const member = fault.kind === 'slow-disk-leader' ? leader : this.pick(await this.followers(leader));
        if (member === undefined) return skip(fault.kind === 'slow-disk-leader' ? `no leader within ${this.leaderWaitMs} ms` : 'no live follower');
        const delayMs = fault.fsyncDelayMs ?? FSYNC_DELAY_MS_DEFAULT;
        const marker = this.mark(fault.kind, member, faultIndex, true, leaderBefore, `fdatasync +${delayMs} ms`);
        this.target.slowDisk(member, delayMs);
        this.slowed.add(member);
        this.after(fault.durationMs!, async () => {
          if (!this.slowed.delete(member)) return;
          this.target.slowDisk(member, 0);
          marker.endAtMs = this.mark('disk-restored', member, faultIndex, false, null).atMs;
        });
        return;
      }
      case 'transfer-leader': {
        if (leader === undefined) return skip(`no leader within ${this.leaderWaitMs} ms`);
        const to = this.pick(await this.followers(leader));
        if (to === undefined) return skip('no live follower to transfer to');
        this.mark(fault.kind, leader, faultIndex, true, leaderBefore, `to ${this.target.label(to)}`);
        this.target.transfer(leader, to);
        return;
      }
    }
  }

  private shuffle(items: string[]): string[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  private async restartMember(member: string, faultIndex: number, marker: FaultMarker | undefined): Promise<void> {
    if (!this.killed.delete(member)) return;
    await this.target.restart(member);
    const atMs = this.mark('restart', member, faultIndex, false, null).atMs;
    if (marker !== undefined) marker.endAtMs = atMs;
  }

  private async healNetwork(faultIndex: number, marker: FaultMarker): Promise<void> {
    if (!this.partitioned) return;
    this.target.heal();
    this.partitioned = false;
    marker.endAtMs = this.mark('heal', null, faultIndex, false, null).atMs;
  }

  /**
   * For targets without events: polls for a leader other than `old` after a leader fault and
   * records when one is seen (bounded; an upper bound of the election time by POLL_EVERY_MS).
   */
  private pollLeader(old: string, sinceMs: number): void {
    if (this.target.reportsEvents) return;
    void (async () => {
      while (!this.stopped && wallMs() - sinceMs < POLL_FOR_MS) {
        const leader = await this.target.leader(0).catch(() => undefined);
        if (leader !== undefined && leader !== old) {
          this.polledEvents.push({ atMs: wallMs(), member: leader, role: 'leader', term: null });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
      }
    })();
  }

  /** Cancels pending faults and undoes those in effect (resume, heal, restart). */
  async stop(options: { restartKilled?: boolean } = {}): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.queue;
    for (const member of [...this.paused]) {
      this.paused.delete(member);
      await this.target.resume(member);
      this.mark('resume', member, null, false, null, 'end of run');
    }
    for (const member of [...this.slowed]) {
      this.slowed.delete(member);
      this.target.slowDisk(member, 0);
      this.mark('disk-restored', member, null, false, null, 'end of run');
    }
    if (this.partitioned) {
      this.target.heal();
      this.partitioned = false;
      this.mark('heal', null, null, false, null, 'end of run');
    }
    if (options.restartKilled ?? true) {
      for (const member of [...this.killed]) {
        this.killed.delete(member);
        await this.target.restart(member);
        this.mark('restart', member, null, false, null, 'end of run');
      }
    }
    assert(this.paused.size === 0, 'nemesis stopped with a paused member');
  }
}
