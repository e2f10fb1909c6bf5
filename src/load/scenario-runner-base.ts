// Base of the runners that drive phases their own way (on agents, with autocannon) while a
// ScenarioRunner owns the driver, the ack log and the outcomes the result is built from, and
// resolves each phase (rates of other phases) before the subclass's runPhase runs it.

import type { Driver } from '../drivers/types.js';
import type { AckLog } from './ack-log.js';
import type { PhaseSpec } from './phase-spec.js';
import { ScenarioRunner, type PhaseOutcome, type RunnerOptions } from './run-scenario.js';

export abstract class ScenarioRunnerBase {
  protected readonly inner: ScenarioRunner;

  protected constructor(private readonly runnerOptions: RunnerOptions) {
    this.inner = new ScenarioRunner(runnerOptions);
  }

  abstract runPhase(spec: PhaseSpec & { rateRule?: PhaseOutcome['rateRule'] }, index: number): Promise<PhaseOutcome>;

  /** Runs every phase of the scenario; stops early (and returns) when shouldStop() turns true. */
  async runAll(): Promise<void> {
    const phases = this.runnerOptions.scenario.phases;
    for (let i = 0; i < phases.length; i++) {
      if (this.runnerOptions.shouldStop()) return;
      await this.runPhase(this.inner.resolvePhase(phases[i]!, i), i);
    }
  }

  get driver(): Driver {
    return this.inner.driver;
  }

  get ackLog(): AckLog | undefined {
    return this.inner.ackLog;
  }

  get outcomes(): PhaseOutcome[] {
    return this.inner.outcomes;
  }
}
