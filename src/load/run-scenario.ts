// Runs a scenario's phases in order against one connected driver: resolves rateOfPhase from the
// achieved rate of the earlier phase, runs each phase on this thread or split over load workers,
// merges the workers' recordings, and keeps the acks for the ledger. An external stop (Ctrl-C)
// ends the current phase early and skips the rest; the outcome then says complete: false.
// A scenario with faults runs a nemesis beside the load (src/cluster/nemesis.ts) and keeps every
// op's completion time for the failover metrics; stopFaults() ends it before the ledger reads back.

import { assert } from '../assert.js';
import { faultTargetOf, wallMs } from '../cluster/fault-target.js';
import { Nemesis } from '../cluster/nemesis.js';
import { lookupDriver, type DriverContext } from '../drivers/registry.js';
import type { Driver } from '../drivers/types.js';
import { AckLog } from './ack-log.js';
import { RealClock, type Clock } from './clock.js';
import { CompletionLog } from './completion-log.js';
import { mergeRecordings } from './merge.js';
import type { PhaseSpec } from './phase-spec.js';
import type { PhaseRecording } from './recording-types.js';
import { createGenerator, splitPhase } from './run-phase.js';
import { ScenarioError, type Scenario, type ScenarioPhase } from './scenario.js';
import type { SlotGenerator } from './generator.js';
import { LoadWorkerPool } from './worker-pool.js';

export interface PhaseOutcome {
  index: number;
  spec: PhaseSpec;
  /** For rateOfPhase phases: the rule that set spec.rate. */
  rateRule?: { phase: string; fraction: number; baseOpsPerSec: number };
  workers: number;
  startedAt: string;
  wallSeconds: number;
  recording: PhaseRecording;
  /** The phase was cut short by a stop request. */
  interrupted: boolean;
}

export interface LiveSnapshot {
  phaseName: string;
  phaseIndex: number;
  phaseElapsedSeconds: number;
  phaseTotalSeconds: number | undefined;
  completed: number;
  failed: number;
  lastSecondOps: number;
  lastSecondP99Us: number;
}

export interface RunnerOptions {
  scenario: Scenario;
  clock?: Clock;
  /** Overrides the registry (tests inject drivers with a fake clock). */
  createDriver?: (context: DriverContext) => Driver;
  shouldStop: () => boolean;
  /** Nemesis messages (fault injected, resumed, ...). */
  log?: (line: string) => void;
}

/** What a run with faults hands to the failover metrics. */
export interface FaultRecord {
  nemesis: Nemesis;
  completions: CompletionLog;
  /** Wall-clock ms (the markers' clock) = clock µs / 1000 + this. */
  clockToWallMs: number;
}

export function achievedOpsPerSec(recording: PhaseRecording): number {
  return recording.measuredUs > 0 ? recording.counters.acked / (recording.measuredUs / 1e6) : 0;
}

export class ScenarioRunner {
  readonly driver: Driver;
  readonly clock: Clock;
  readonly ackLog: AckLog | undefined;
  readonly outcomes: PhaseOutcome[] = [];
  private pool: LoadWorkerPool | undefined;
  private current: { name: string; index: number; startUs: number; totalSeconds: number | undefined; generator?: SlotGenerator; workers: number } | undefined;
  private readonly workersAllowed: boolean;
  /** Per-op completion times; kept only when the scenario injects faults. */
  readonly completions: CompletionLog | undefined;
  private nemesis: Nemesis | undefined;
  private clockToWallMs = 0;

  constructor(private readonly options: RunnerOptions) {
    const { scenario } = options;
    this.clock = options.clock ?? new RealClock();
    const context: DriverContext = { group: scenario.group, options: scenario.driver, sizeBytes: scenario.payload.sizeBytes, clock: this.clock };
    const entry = options.createDriver === undefined ? lookupDriver(scenario.system) : undefined;
    this.driver = options.createDriver !== undefined ? options.createDriver(context) : entry!.create(context);
    this.workersAllowed = entry?.workerSafe ?? false;
    const record = scenario.generator.recordAcks;
    const keep = record === 'always' || (record === 'auto' && this.driver.readBack !== undefined);
    this.ackLog = keep ? new AckLog(scenario.generator.acksMax) : undefined;
    if (scenario.generator.workers > 0 && !this.workersAllowed) {
      throw new ScenarioError(`generator.workers: system ${scenario.system} cannot be driven from load workers (its driver is not worker-safe); expected 0`);
    }
    if (scenario.faults.length > 0 && scenario.generator.workers > 0) {
      throw new ScenarioError('generator.workers: a scenario with faults records every completion on the main thread; expected 0');
    }
    this.completions = scenario.faults.length > 0 ? new CompletionLog() : undefined;
  }

  async connect(): Promise<void> {
    await this.driver.connect();
    this.clockToWallMs = wallMs() - this.clock.nowUs() / 1000;
    const faults = this.options.scenario.faults;
    if (faults.length === 0) return;
    const target = faultTargetOf(this.driver);
    if (typeof target === 'string') throw new ScenarioError(`faults: ${target}`);
    this.nemesis = new Nemesis(target, faults, { seed: this.options.scenario.generator.seed, ...(this.options.log !== undefined ? { log: this.options.log } : {}) });
  }

  /** Ends fault injection (undoing faults still in effect); the record for the failover metrics. */
  async stopFaults(): Promise<FaultRecord | undefined> {
    const nemesis = this.nemesis;
    if (nemesis === undefined || this.completions === undefined) return undefined;
    this.nemesis = undefined;
    await nemesis.stop();
    return { nemesis, completions: this.completions, clockToWallMs: this.clockToWallMs };
  }

  /** Runs every phase of the scenario; stops early (and returns) when shouldStop() turns true. */
  async runAll(): Promise<void> {
    const phases = this.options.scenario.phases;
    this.nemesis?.start();
    for (let i = 0; i < phases.length; i++) {
      if (this.options.shouldStop()) return;
      await this.runPhase(this.resolvePhase(phases[i]!, i), i);
    }
  }

  /** Turns rateOfPhase into a rate from the achieved throughput of the named earlier phase. */
  resolvePhase(phase: ScenarioPhase, index: number): PhaseSpec & { rateRule?: PhaseOutcome['rateRule'] } {
    if (phase.type === 'closed') return phase;
    if (phase.rate !== undefined) {
      const { rateOfPhase: _unused, ...rest } = phase;
      return { ...rest, rate: phase.rate };
    }
    const rule = phase.rateOfPhase;
    assert(rule !== undefined, `phase ${phase.name} has neither rate nor rateOfPhase`);
    const base = this.outcomes.find((o) => o.spec.name === rule.phase);
    if (base === undefined) throw new ScenarioError(`phases[${index}].rateOfPhase.phase: phase "${rule.phase}" has not run`);
    const baseOpsPerSec = achievedOpsPerSec(base.recording);
    if (!(baseOpsPerSec > 0)) throw new ScenarioError(`phases[${index}].rateOfPhase: phase "${rule.phase}" achieved 0 ops/s; no rate to take ${rule.fraction} of`);
    const { rateOfPhase: _unused, ...rest } = phase;
    return { ...rest, rate: baseOpsPerSec * rule.fraction, rateRule: { ...rule, baseOpsPerSec } };
  }

  async runPhase(spec: PhaseSpec & { rateRule?: PhaseOutcome['rateRule'] }, index: number): Promise<PhaseOutcome> {
    const { scenario } = this.options;
    const settings = scenario.generator;
    const startedAt = new Date().toISOString();
    const wallStart = performance.now();
    const totalSeconds = spec.seconds !== undefined ? spec.warmupSeconds + spec.seconds : undefined;
    const slotsWanted = spec.type === 'closed' ? spec.concurrency : settings.outstandingMax;
    const workers = Math.min(settings.workers, slotsWanted);
    const { rateRule, ...phase } = spec;
    this.nemesis?.phaseStarted(phase.name);
    // The first step of a stepped phase also starts the phase the scenario named.
    if (phase.name.endsWith('.1')) this.nemesis?.phaseStarted(phase.name.slice(0, -2));
    let recording: PhaseRecording;
    if (workers === 0) {
      const generator = createGenerator({
        driver: this.driver,
        clock: this.clock,
        phase,
        phaseIndex: index,
        workerIndex: 0,
        settings,
        sizeBytes: scenario.payload.sizeBytes,
        ackLog: this.ackLog,
        completions: this.completions,
        shouldStop: this.options.shouldStop,
      });
      this.current = { name: phase.name, index, startUs: this.clock.nowUs(), totalSeconds, generator, workers: 0 };
      recording = await generator.run();
    } else {
      this.pool ??= new LoadWorkerPool(workers);
      assert(this.pool.threads >= workers, 'load pool smaller than the phase needs');
      this.pool.resetLive();
      this.current = { name: phase.name, index, startUs: this.clock.nowUs(), totalSeconds, workers };
      const stopWatch = setInterval(() => {
        if (this.options.shouldStop()) this.pool?.requestStop();
      }, 50);
      try {
        const results = await Promise.all(
          Array.from({ length: workers }, (_, w) => {
            const share = splitPhase(phase, settings, workers, w);
            return this.pool!.run({
              system: scenario.system,
              group: scenario.group,
              options: scenario.driver,
              sizeBytes: scenario.payload.sizeBytes,
              phase: share.phase,
              phaseIndex: index,
              workerIndex: w,
              settings: share.settings,
              recordAcks: this.ackLog !== undefined,
            });
          }),
        );
        recording = mergeRecordings(results.map((r) => r.recording));
        for (const r of results) if (r.acks !== undefined) this.ackLog?.appendAll(AckLog.fromData(r.acks));
      } finally {
        clearInterval(stopWatch);
      }
    }
    this.current = undefined;
    const outcome: PhaseOutcome = {
      index,
      spec: phase,
      workers,
      startedAt,
      wallSeconds: (performance.now() - wallStart) / 1000,
      recording,
      interrupted: this.options.shouldStop(),
    };
    if (rateRule !== undefined) outcome.rateRule = rateRule;
    this.outcomes.push(outcome);
    return outcome;
  }

  /** What the progress line shows, sampled once a second. */
  live(): LiveSnapshot | undefined {
    const current = this.current;
    if (current === undefined) return undefined;
    const base = { phaseName: current.name, phaseIndex: current.index, phaseElapsedSeconds: (this.clock.nowUs() - current.startUs) / 1e6, phaseTotalSeconds: current.totalSeconds };
    if (current.generator !== undefined) {
      const r = current.generator.recorder;
      return { ...base, completed: r.completedOps, failed: r.failedOps, lastSecondOps: r.lastSecondOps, lastSecondP99Us: r.lastSecondP99Us };
    }
    let completed = 0;
    let failed = 0;
    let lastSecondOps = 0;
    let p99 = 0;
    for (let w = 0; w < current.workers; w++) {
      const l = this.pool!.liveOf(w);
      completed += l.completed;
      failed += l.failed;
      lastSecondOps += l.lastSecondOps;
      // The largest worker p99 bounds the merged p99 from above (exact merging happens at the end).
      p99 = Math.max(p99, l.p99Us);
    }
    return { ...base, completed, failed, lastSecondOps, lastSecondP99Us: p99 };
  }

  async close(): Promise<void> {
    try {
      await this.nemesis?.stop({ restartKilled: false });
      await this.pool?.close();
    } finally {
      this.pool = undefined;
      await this.driver.close();
    }
  }
}
