// Live progress on stderr, once a second: phase, elapsed/total, ops/s, p99 of the last second,
// errors. On a TTY one line rewritten in place (\r); otherwise (CI logs) one plain line a second.

import type { LiveSnapshot } from './run-scenario.js';

export interface ProgressSink {
  isTTY: boolean;
  write(text: string): void;
}

function fmtUs(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(2)}ms` : `${Math.round(us)}µs`;
}

export function progressLine(s: LiveSnapshot, runElapsedSeconds: number): string {
  const total = s.phaseTotalSeconds !== undefined ? `/${s.phaseTotalSeconds.toFixed(0)}s` : 's';
  // Before the phase's first whole second there is no "last second" yet: the rate so far, marked ~.
  const rate = s.phaseElapsedSeconds < 1 ? `~${s.phaseElapsedSeconds > 0 ? Math.round(s.completed / s.phaseElapsedSeconds) : 0}` : `${s.lastSecondOps}`;
  const p99 = s.phaseElapsedSeconds < 1 ? '-' : fmtUs(s.lastSecondP99Us);
  return `[${runElapsedSeconds.toFixed(0)}s] ${s.phaseName} ${s.phaseElapsedSeconds.toFixed(0)}${total}  ${rate} ops/s  p99 ${p99}  errors ${s.failed}`;
}

export class ProgressPrinter {
  private timer: NodeJS.Timeout | undefined;
  private lastLength = 0;
  private readonly startMs = performance.now();

  constructor(
    private readonly sink: ProgressSink,
    private readonly sample: () => LiveSnapshot | undefined,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  private tick(): void {
    const snapshot = this.sample();
    if (snapshot === undefined) return;
    const line = progressLine(snapshot, (performance.now() - this.startMs) / 1000);
    if (this.sink.isTTY) {
      this.sink.write(`\r${line.padEnd(this.lastLength)}`);
      this.lastLength = line.length;
    } else {
      this.sink.write(line + '\n');
    }
  }

  /** Prints a line without tearing the live line (TTY). */
  message(line: string): void {
    this.clearLine();
    this.sink.write(line + '\n');
  }

  private clearLine(): void {
    if (this.sink.isTTY && this.lastLength > 0) {
      this.sink.write(`\r${' '.repeat(this.lastLength)}\r`);
      this.lastLength = 0;
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.clearLine();
  }
}
