// Base of the runners that drive phases their own way (on agents, with autocannon) while a
// ScenarioRunner owns the driver, the ack log and the outcomes the result is built from.

import type { Driver } from '../drivers/types.js';
import type { AckLog } from './ack-log.js';
import { ScenarioRunner, type PhaseOutcome, type RunnerOptions } from './run-scenario.js';

export abstract class ScenarioRunnerBase {
  protected readonly inner: ScenarioRunner;

  protected constructor(options: RunnerOptions) {
    this.inner = new ScenarioRunner(options);
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
