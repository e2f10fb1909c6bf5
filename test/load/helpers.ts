// Shared test helpers: run one phase against the null system on a given clock.

import { NullDriver, type NullDriverOptions } from '../../src/drivers/null-driver.js';
import { AckLog } from '../../src/load/ack-log.js';
import type { Clock } from '../../src/load/clock.js';
import { GENERATOR_DEFAULTS, type GeneratorSettings, type PhaseSpec } from '../../src/load/phase-spec.js';
import type { PhaseRecording } from '../../src/load/recording-types.js';
import { createGenerator } from '../../src/load/run-phase.js';

export async function runNullPhase(
  clock: Clock,
  phase: PhaseSpec,
  driverOptions: NullDriverOptions = {},
  settings: Partial<GeneratorSettings> = {},
  ackLog?: AckLog,
): Promise<{ recording: PhaseRecording; driver: NullDriver }> {
  const driver = new NullDriver(driverOptions, clock);
  await driver.connect();
  const generator = createGenerator({
    driver,
    clock,
    phase,
    phaseIndex: 0,
    workerIndex: 0,
    settings: { ...GENERATOR_DEFAULTS, ...settings },
    sizeBytes: 64,
    ackLog,
    shouldStop: () => false,
  });
  return { recording: await generator.run(), driver };
}

export { AckLog };
