// `logbench run --generator autocannon`: a scenario against an HTTP gateway (system http) in
// which the closed-loop phases are driven by autocannon (autocannon-phase.ts) and the open-loop
// phases by logbench's own generator through the http driver, on the same gateway, in the same
// result file. Each autocannon phase's note (closed loop, not corrected) goes into the warnings.

import { autocannonNote, runAutocannonPhase } from './autocannon-phase.js';
import type { PhaseSpec } from './phase-spec.js';
import type { PhaseRecorder } from './recorder.js';
import type { LiveSnapshot, PhaseOutcome } from './run-scenario.js';
import { ScenarioRunnerBase } from './scenario-runner-base.js';
import { ScenarioError, type Scenario } from './scenario.js';

export class AutocannonRunner extends ScenarioRunnerBase {
  private readonly url: string;
  readonly notes: string[] = [];
  private current: { name: string; index: number; startMs: number; totalSeconds: number | undefined; recorder?: PhaseRecorder } | undefined;

  constructor(
    private readonly scenario: Scenario,
    private readonly shouldStop: () => boolean,
  ) {
    if (scenario.system !== 'http') {
      throw new ScenarioError(`--generator autocannon: expected system http (a gateway started with \`logbench serve --http HOST:PORT\`, given by --endpoints http://HOST:PORT), got system ${scenario.system}`);
    }
    const endpoints = scenario.driver['endpoints'];
    const first = Array.isArray(endpoints) ? endpoints[0] : typeof endpoints === 'string' ? endpoints.split(',')[0] : undefined;
    if (typeof first !== 'string') throw new ScenarioError('--generator autocannon: expected the gateway URL in --endpoints (driver.endpoints)');
    if (scenario.generator.workers !== 0) throw new ScenarioError('generator.workers: autocannon phases run on the main thread; expected 0');
    super({ scenario, shouldStop });
    this.url = first.replace(/\/+$/, '');
  }

  connect(): Promise<void> {
    return this.inner.connect();
  }

  async runPhase(spec: PhaseSpec & { rateRule?: PhaseOutcome['rateRule'] }, index: number): Promise<PhaseOutcome> {
    if (spec.type === 'open') return this.inner.runPhase(spec, index);
    const totalSeconds = spec.seconds !== undefined ? spec.warmupSeconds + spec.seconds : undefined;
    this.current = { name: spec.name, index, startMs: performance.now(), totalSeconds };
    try {
      const outcome = await runAutocannonPhase({
        url: this.url,
        phase: spec,
        index,
        settings: this.scenario.generator,
        sizeBytes: this.scenario.payload.sizeBytes,
        shouldStop: this.shouldStop,
        onRecorder: (recorder) => {
          if (this.current !== undefined && recorder !== undefined) this.current.recorder = recorder;
        },
      });
      this.notes.push(autocannonNote(outcome));
      const { autocannon: _summary, ...plain } = outcome;
      this.inner.outcomes.push(plain);
      return plain;
    } finally {
      this.current = undefined;
    }
  }

  live(): LiveSnapshot | undefined {
    const c = this.current;
    if (c === undefined) return this.inner.live();
    const r = c.recorder;
    return {
      phaseName: `${c.name} (autocannon)`,
      phaseIndex: c.index,
      phaseElapsedSeconds: (performance.now() - c.startMs) / 1000,
      phaseTotalSeconds: c.totalSeconds,
      completed: r?.completedOps ?? 0,
      failed: r?.failedOps ?? 0,
      lastSecondOps: r?.lastSecondOps ?? 0,
      lastSecondP99Us: r?.lastSecondP99Us ?? 0,
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
