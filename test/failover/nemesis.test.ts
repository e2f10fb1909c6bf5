// The nemesis against an in-memory fault target: what it does, when, to whom, and what it undoes.

import { describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../src/cluster/fault-spec.js';
import type { FaultTarget, LeaderEvent } from '../../src/cluster/fault-target.js';
import { Nemesis } from '../../src/cluster/nemesis.js';

class FakeTarget implements FaultTarget {
  readonly system = 'fake';
  readonly network = true;
  readonly reportsEvents = true;
  readonly actions: string[] = [];
  leaderId = '1';
  readonly dead = new Set<string>();
  async members(): Promise<string[]> {
    return ['1', '2', '3'];
  }
  async alive(m: string): Promise<boolean> {
    return !this.dead.has(m);
  }
  async leader(): Promise<string | undefined> {
    return this.dead.has(this.leaderId) ? undefined : this.leaderId;
  }
  label(m: string): string {
    return `replica-${m}`;
  }
  async kill(m: string): Promise<void> {
    this.dead.add(m);
    this.actions.push(`kill ${m}`);
  }
  async restart(m: string): Promise<void> {
    this.dead.delete(m);
    this.actions.push(`restart ${m}`);
  }
  async pause(m: string, ms: number): Promise<void> {
    this.actions.push(`pause ${m} ${ms}`);
  }
  async resume(m: string): Promise<void> {
    this.actions.push(`resume ${m}`);
  }
  isolate(m: string): void {
    this.actions.push(`isolate ${m}`);
  }
  split(a: readonly string[], b: readonly string[]): void {
    this.actions.push(`split ${a.join(',')}|${b.join(',')}`);
  }
  heal(): void {
    this.actions.push('heal');
  }
  transfer(from: string, to: string): void {
    this.actions.push(`transfer ${from}->${to}`);
  }
  leaderEvents(): LeaderEvent[] {
    return [];
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('nemesis', () => {
  it('kills the leader at its time and restarts it after restartAfterMs, with markers', async () => {
    const target = new FakeTarget();
    const nemesis = new Nemesis(target, [{ kind: 'kill-leader', atSeconds: 0.02, restartAfterMs: 30 }], { seed: 1 });
    const t0 = performance.timeOrigin + performance.now();
    nemesis.start();
    await sleep(120);
    await nemesis.stop();
    expect(target.actions).toEqual(['kill 1', 'restart 1']);
    const [kill, restart] = nemesis.markers;
    expect(kill).toMatchObject({ kind: 'kill-leader', target: 'replica-1', scheduled: true, leaderBefore: 'replica-1', fault: 0 });
    expect(kill!.atMs - t0).toBeGreaterThanOrEqual(19);
    expect(restart).toMatchObject({ kind: 'restart', target: 'replica-1', scheduled: false });
    expect(kill!.endAtMs).toBe(restart!.atMs);
  });

  it('fires a periodic fault count times', async () => {
    const target = new FakeTarget();
    const nemesis = new Nemesis(target, [{ kind: 'transfer-leader', atSeconds: 0, everySeconds: 0.01, count: 3 }], { seed: 1 });
    nemesis.start();
    await sleep(100);
    await nemesis.stop();
    expect(target.actions.filter((a) => a.startsWith('transfer'))).toHaveLength(3);
  });

  it('phase-anchored faults wait for their phase', async () => {
    const target = new FakeTarget();
    const nemesis = new Nemesis(target, [{ kind: 'kill-follower', atSeconds: 0, phase: 'p2' }], { seed: 7 });
    nemesis.start();
    await sleep(30);
    expect(target.actions).toEqual([]);
    nemesis.phaseStarted('p2');
    await sleep(30);
    await nemesis.stop({ restartKilled: false });
    expect(target.actions).toHaveLength(1);
    expect(target.actions[0]).toMatch(/^kill [23]$/);
  });

  it('stop() resumes a paused leader and heals a partition still in effect', async () => {
    const target = new FakeTarget();
    const faults: FaultSpec[] = [
      { kind: 'pause-leader', atSeconds: 0, durationMs: 60_000 },
      { kind: 'partition-leader', atSeconds: 0.01, durationMs: 60_000 },
    ];
    const nemesis = new Nemesis(target, faults, { seed: 1 });
    nemesis.start();
    await sleep(60);
    await nemesis.stop();
    expect(target.actions).toEqual(['pause 1 60000', 'isolate 1', 'resume 1', 'heal']);
    expect(nemesis.markers.filter((m) => m.note === 'end of run').map((m) => m.kind)).toEqual(['resume', 'heal']);
  });

  it('a leader fault without a leader is recorded as skipped, not dropped', async () => {
    const target = new FakeTarget();
    target.dead.add('1');
    const nemesis = new Nemesis(target, [{ kind: 'kill-leader', atSeconds: 0 }], { seed: 1, leaderWaitMs: 0 });
    nemesis.start();
    await sleep(30);
    await nemesis.stop({ restartKilled: false });
    expect(target.actions).toEqual([]);
    expect(nemesis.markers[0]!.note).toMatch(/^skipped: no leader/);
  });

  it('split puts the leader on the minority side of a 5-member group', async () => {
    const target = new FakeTarget();
    target.members = async () => ['1', '2', '3', '4', '5'];
    const nemesis = new Nemesis(target, [{ kind: 'split', atSeconds: 0, durationMs: 10 }], { seed: 3 });
    nemesis.start();
    await sleep(60);
    await nemesis.stop();
    const split = target.actions.find((a) => a.startsWith('split'))!;
    const [leaderSide, other] = split.slice(6).split('|');
    expect(leaderSide!.split(',')).toHaveLength(2);
    expect(leaderSide!.split(',')[0]).toBe('1');
    expect(other!.split(',')).toHaveLength(3);
    expect(target.actions.at(-1)).toBe('heal');
  });
});
