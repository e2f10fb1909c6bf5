// The processes of one managed peer cluster (etcd or nats-server members on loopback) and the
// faults the nemesis applies to them: kill (SIGKILL), restart (same data dir and ports), pause
// (SIGSTOP) and resume (SIGCONT). System-specific parts (arguments, readiness, who leads) stay
// in the system's own cluster module.
//
// Invariants:
// - Members are addressed by id ("m0".."m2" / "n0".."n2"); an unknown id is an error naming the valid ids.
// - A paused member is resumed before it is stopped or restarted, so SIGTERM is delivered.
// - close() stops every member (SIGTERM, then SIGKILL after graceMs) and removes the temp dir.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pollUntil } from './deadline.js';
import { PeerProcess } from './peer-process.js';
import type { MemberInfo } from './types.js';

export interface GroupMember {
  readonly id: string;
  readonly process: PeerProcess;
  paused: boolean;
}

// etcd's last member standing may spend seconds on SIGTERM (trying to hand leadership to peers
// that are already gone); the data dir is removed anyway, so it gets SIGKILL after this.
export const STOP_GRACE_MS = 1000;

/** A fresh directory under os.tmpdir() for one cluster's data dirs, configs and logs. */
export function makeClusterDir(system: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `logbench-${system}-`));
}

export class ManagedGroup {
  private closed = false;

  constructor(
    readonly system: string,
    readonly dir: string,
    readonly members: readonly GroupMember[],
  ) {}

  member(id: string): GroupMember {
    const found = this.members.find((m) => m.id === id);
    if (!found) throw new Error(`${this.system}: no member "${id}" (members: ${this.members.map((m) => m.id).join(', ')})`);
    return found;
  }

  startAll(): void {
    for (const m of this.members) m.process.start();
  }

  /** Running and not paused: the members that can answer requests. */
  responsive(): GroupMember[] {
    return this.members.filter((m) => m.process.running && !m.paused);
  }

  async kill(id: string): Promise<void> {
    const m = this.member(id);
    if (!m.process.running) throw new Error(`${this.system}: member ${id} is not running (${m.process.exitDescription()}); cannot kill it`);
    await m.process.kill();
    m.paused = false;
  }

  /** Starts a killed member again with the same arguments (same data dir and ports). */
  restart(id: string): void {
    const m = this.member(id);
    if (m.process.running) throw new Error(`${this.system}: member ${id} is running (pid ${m.process.pid}); kill it before restarting it`);
    m.paused = false;
    m.process.start();
  }

  pause(id: string): void {
    const m = this.member(id);
    if (m.paused) throw new Error(`${this.system}: member ${id} is already paused`);
    m.process.signal('SIGSTOP');
    m.paused = true;
  }

  resume(id: string): void {
    const m = this.member(id);
    if (!m.paused) throw new Error(`${this.system}: member ${id} is not paused`);
    m.process.signal('SIGCONT');
    m.paused = false;
  }

  /** Stops every member and removes the cluster's directory. Safe to call twice. */
  async close(keepDir = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.members.map((m) => m.process.stop(STOP_GRACE_MS)));
    for (const m of this.members) m.paused = false;
    if (!keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Error text for members (all, or those in `ids`) that are not running, quoting their logs. */
  deathReport(ids?: readonly string[]): string | undefined {
    const dead = this.members.filter((m) => !m.process.running && (ids === undefined || ids.includes(m.id)));
    if (dead.length === 0) return undefined;
    return dead
      .map((m) => `${this.system} member ${m.id} exited (${m.process.exitDescription()}); last lines of ${m.process.logPath}:\n${m.process.logTail()}`)
      .join('\n');
  }
}

/** ClusterControl.members for a managed group: every member with its pid and who leads. */
export function managedMembers(group: ManagedGroup, leader: string | undefined): MemberInfo[] {
  return group.members.map((m) => {
    const info: MemberInfo = { id: m.id, alive: m.process.running, leader: m.id === leader };
    const pid = m.process.pid;
    if (pid !== undefined) info.pid = pid;
    return info;
  });
}

/** ClusterControl.findLeader: polls `currentLeader` until it names one or `timeoutMs` passes. */
export async function findLeaderWithin(currentLeader: () => Promise<string | undefined>, timeoutMs: number, intervalMs: number, what: string): Promise<string | undefined> {
  try {
    return await pollUntil(currentLeader, { timeoutMs, intervalMs, what });
  } catch {
    return undefined;
  }
}
