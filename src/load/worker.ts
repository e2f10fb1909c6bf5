// piscina worker: runs one share of a phase against its own driver instance and returns the
// recording (histograms base64-encoded) and its acks. Live counters go to the main thread through
// a SharedArrayBuffer (no message per op); the stop flag comes back the same way.
// Layout of `live` (Float64Array, LIVE_FIELDS per worker): completed, failed, p99 of the last
// second (µs), ops of the last second. `stop` is an Int32Array of one flag.

import { lookupDriver } from '../drivers/registry.js';
import { AckLog, type AckLogData } from './ack-log.js';
import { RealClock } from './clock.js';
import type { GeneratorSettings, PhaseSpec } from './phase-spec.js';
import type { PhaseRecording } from './recording-types.js';
import { createGenerator } from './run-phase.js';

export const LIVE_FIELDS = 4;
const LIVE_UPDATE_MS = 250;

export interface WorkerTask {
  system: string;
  group: Record<string, unknown>;
  options: Record<string, unknown>;
  sizeBytes: number;
  phase: PhaseSpec;
  phaseIndex: number;
  workerIndex: number;
  settings: GeneratorSettings;
  recordAcks: boolean;
  live: SharedArrayBuffer;
  stop: SharedArrayBuffer;
}

export interface WorkerResult {
  recording: PhaseRecording;
  acks: AckLogData | undefined;
}

export default async function runWorkerTask(task: WorkerTask): Promise<WorkerResult> {
  const driver = lookupDriver(task.system).create({ group: task.group, options: task.options, sizeBytes: task.sizeBytes });
  const live = new Float64Array(task.live);
  const stop = new Int32Array(task.stop);
  const ackLog = task.recordAcks ? new AckLog(task.settings.acksMax) : undefined;
  await driver.connect();
  try {
    const generator = createGenerator({
      driver,
      clock: new RealClock(),
      phase: task.phase,
      phaseIndex: task.phaseIndex,
      workerIndex: task.workerIndex,
      settings: task.settings,
      sizeBytes: task.sizeBytes,
      ackLog,
      shouldStop: () => Atomics.load(stop, 0) !== 0,
    });
    const base = task.workerIndex * LIVE_FIELDS;
    const publish = (): void => {
      const r = generator.recorder;
      live[base] = r.completedOps;
      live[base + 1] = r.failedOps;
      live[base + 2] = r.lastSecondP99Us;
      live[base + 3] = r.lastSecondOps;
    };
    const timer = setInterval(publish, LIVE_UPDATE_MS);
    try {
      const recording = await generator.run();
      publish();
      return { recording, acks: ackLog?.toData() };
    } finally {
      clearInterval(timer);
    }
  } finally {
    await driver.close();
  }
}
