// One server process (etcd, nats-server) that a managed cluster started and owns.
//
// Invariants:
// - Every process started here is in `liveProcesses` until it has exited, and an exit or
//   SIGINT/SIGTERM/SIGHUP of this Node process kills it (SIGKILL, via src/cluster/cleanup.ts): no
//   orphan servers survive a run.
// - Servers run in their own process group: a terminal's Ctrl-C signals only logbench, which
//   stops the load and reads the servers back (the ledger) before it stops them.
// - A process is only ever signalled by the pid this module spawned; nothing is killed by name.
// - Output goes to a log file (not a pipe), so a chatty server can never block on a full pipe,
//   and the log's tail is quoted when the server dies before it is ready.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { assert } from '../assert.js';
import { onProcessExit } from '../cluster/cleanup.js';
import { sleep } from './deadline.js';

const liveProcesses = new Set<ChildProcess>();

/** Pids of processes started by this module that have not exited yet (for tests and diagnostics). */
export function livePeerPids(): number[] {
  return [...liveProcesses].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers signal 0; its /proc status says Z.
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

export class PeerProcess {
  private child: ChildProcess | undefined;
  private exitCode: number | null | undefined;
  private exitSignal: NodeJS.Signals | null | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    readonly name: string,
    readonly binary: string,
    readonly args: readonly string[],
    readonly logPath: string,
  ) {}

  /** Spawns the server. Must not already be running. */
  start(): void {
    assert(!this.running, () => `${this.name}: start while running (pid ${this.pid})`);
    const logFd = fs.openSync(this.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.binary, [...this.args], { stdio: ['ignore', logFd, logFd], detached: true });
    } finally {
      fs.closeSync(logFd);
    }
    const unregister = onProcessExit(() => {
      try {
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    });
    this.child = child;
    this.exitCode = undefined;
    this.exitSignal = undefined;
    this.stopped = false;
    liveProcesses.add(child);
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        liveProcesses.delete(child);
        unregister();
        if (this.child === child) {
          this.exitCode = code;
          this.exitSignal = signal;
        }
        resolve();
      };
      child.once('exit', done);
      child.once('error', (err) => {
        // spawn failure (ENOENT, EACCES): report it like an exit so waiters wake up.
        fs.appendFileSync(this.logPath, `spawn ${this.binary} failed: ${err.message}\n`);
        done(127, null);
      });
    });
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitCode === undefined && this.exitSignal === undefined;
  }

  /** How the last run ended, for error messages ("exit code 1", "signal SIGKILL"). */
  exitDescription(): string {
    if (this.running) return 'running';
    if (this.exitSignal) return `signal ${this.exitSignal}`;
    return `exit code ${this.exitCode ?? 'unknown'}`;
  }

  signal(signal: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid === undefined) throw new Error(`${this.name} is not running (${this.exitDescription()}); cannot send ${signal}`);
    process.kill(pid, signal);
  }

  /** SIGKILL and wait until the kernel has reaped it. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (after SIGCONT, in case it is paused), then SIGKILL if it outlives graceMs. */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.stopped = true;
    try {
      this.signal('SIGCONT');
      this.signal('SIGTERM');
    } catch {
      // Exited between the check and the signal.
    }
    const exitedInTime = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!exitedInTime) await this.kill();
  }

  /** Resolves when the current run has exited. */
  waitExit(): Promise<void> {
    return this.exited;
  }

  get stoppedOnPurpose(): boolean {
    return this.stopped;
  }

  /** Last lines of the server's log, quoted in errors when it dies unexpectedly. */
  logTail(lineCount = 15): string {
    try {
      const lines = fs.readFileSync(this.logPath, 'utf8').trimEnd().split('\n');
      return lines.slice(-lineCount).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
