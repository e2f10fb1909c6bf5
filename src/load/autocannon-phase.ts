// Runs one closed-loop phase with autocannon (its programmatic API) against a logbench HTTP
// gateway and records it in logbench's own format, so its numbers sit in the same result file
// as logbench's generators.
//
// What this measures, stated in every result: autocannon keeps `concurrency` connections with
// one request each (pipelining 1) and times each request from its send to its response. That is
// closed-loop service time: when the system stalls, autocannon stops sending, and the requests it
// would have sent are never timed (coordinated omission, not corrected). Each response's time is
// taken from autocannon's 'response' event (ms, from process.hrtime) and recorded in µs into a
// logbench PhaseRecorder: the histograms are mergeable and the per-second series matches the
// other phases'. Every request carries a fresh load tag (producer, sequence) so systems that
// de-duplicate by it (NATS message ids) store every request.

import { createRequire } from 'node:module';
import { writeTag } from '../check/tag.js';
import { Xoshiro128 } from '../prng.js';
import { producerId, PRODUCER_WORKERS_MAX } from './ack-log.js';
import { RealClock, type Clock } from './clock.js';
import type { ClosedPhaseSpec, GeneratorSettings } from './phase-spec.js';
import { PhaseRecorder } from './recorder.js';
import type { PhaseOutcome } from './run-scenario.js';

// The typed surface of autocannon 8 that is used here (the package ships no type declarations).
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  setupRequest?: (req: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  pipelining: number;
  duration?: number;
  amount?: number;
  timeout: number;
  method: string;
  headers: Record<string, string>;
  requests: AutocannonRequest[];
}
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): void;
  on(event: 'reqError', listener: (error: Error) => void): void;
  stop(): void;
}
type AutocannonFn = (options: AutocannonOptions, done: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

const require = createRequire(import.meta.url);
const TICK_MS = 100;
/** autocannon's own worker index in producer ids: above any load worker logbench starts. */
const AUTOCANNON_WORKER_INDEX = PRODUCER_WORKERS_MAX - 1;

export function autocannonVersion(): string {
  return (require('autocannon/package.json') as { version: string }).version;
}

export interface AutocannonPhaseInput {
  /** Gateway base URL (http://HOST:PORT). */
  url: string;
  phase: ClosedPhaseSpec;
  index: number;
  settings: GeneratorSettings;
  sizeBytes: number;
  shouldStop: () => boolean;
  clock?: Clock;
  /** Receives the live recorder while the phase runs (progress line). */
  onRecorder?: (recorder: PhaseRecorder | undefined) => void;
}

export interface AutocannonPhaseOutcome extends PhaseOutcome {
  /** autocannon's own summary, for the side-by-side note (its latency in ms, requests/s). */
  autocannon: { version: string; requestsPerSecAverage: number; latencyMsP50: number; latencyMsP99: number; errors: number; timeouts: number; non2xx: number };
}

export async function runAutocannonPhase(input: AutocannonPhaseInput): Promise<AutocannonPhaseOutcome> {
  const autocannon = require('autocannon') as AutocannonFn;
  const { phase, settings } = input;
  const clock = input.clock ?? new RealClock();
  const producer = producerId(input.index, AUTOCANNON_WORKER_INDEX, 0);
  const rng = new Xoshiro128((settings.seed + input.index * 7919) >>> 0);
  const fill = Buffer.alloc(input.sizeBytes);
  for (let i = 0; i < fill.length; i++) fill[i] = rng.int(256);
  let sequence = 0;
  const startedAt = new Date().toISOString();
  const wallStart = performance.now();
  const startUs = clock.nowUs();
  const warmupEndUs = startUs + phase.warmupSeconds * 1e6;
  const recorder = new PhaseRecorder(startUs, warmupEndUs, settings.scheduleLagMsMax * 1000);
  input.onRecorder?.(recorder);
  const length = phase.seconds !== undefined ? { duration: phase.warmupSeconds + phase.seconds } : { amount: phase.ops ?? 1 };
  let instance: AutocannonInstance | undefined;
  let stoppedEarly = false;
  const tick = setInterval(() => {
    recorder.advanceTo(clock.nowUs());
    if (input.shouldStop() && !stoppedEarly) {
      stoppedEarly = true;
      instance?.stop();
    }
  }, TICK_MS);
  try {
    const summary = await new Promise<AutocannonResult>((resolve, reject) => {
      instance = autocannon(
        {
          url: input.url,
          connections: phase.concurrency,
          pipelining: 1,
          ...length,
          timeout: Math.max(1, Math.ceil(settings.drainSeconds)),
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream' },
          requests: [
            {
              method: 'POST',
              path: '/append',
              setupRequest: (req) => {
                const body = Buffer.from(fill);
                writeTag(body, producer, sequence++);
                req.body = body;
                return req;
              },
            },
          ],
        },
        (error, result) => (error !== null ? reject(error) : resolve(result)),
      );
      instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
        const nowUs = clock.nowUs();
        const measured = nowUs >= warmupEndUs;
        if (statusCode >= 200 && statusCode < 300) recorder.recordSuccess(nowUs, responseTimeMs * 1000, responseTimeMs * 1000, measured);
        else recorder.recordError(nowUs, new Error(`HTTP ${statusCode} from ${input.url}/append`), measured);
      });
      instance.on('reqError', (error) => recorder.recordError(clock.nowUs(), error, clock.nowUs() >= warmupEndUs));
    });
    const endUs = clock.nowUs();
    const recording = recorder.finish(endUs, Math.max(0, endUs - warmupEndUs));
    return {
      index: input.index,
      spec: phase,
      workers: 0,
      startedAt,
      wallSeconds: (performance.now() - wallStart) / 1000,
      recording,
      interrupted: stoppedEarly,
      autocannon: {
        version: autocannonVersion(),
        requestsPerSecAverage: summary.requests.average,
        latencyMsP50: summary.latency.p50,
        latencyMsP99: summary.latency.p99,
        errors: summary.errors,
        timeouts: summary.timeouts,
        non2xx: summary.non2xx,
      },
    };
  } catch (error) {
    recorder.dispose();
    throw error;
  } finally {
    clearInterval(tick);
    input.onRecorder?.(undefined);
  }
}

/** The note every autocannon phase carries in the result and the summary. */
export function autocannonNote(outcome: AutocannonPhaseOutcome): string {
  const a = outcome.autocannon;
  return (
    `phase ${outcome.spec.name}: driven by autocannon ${a.version} (closed loop: ${(outcome.spec as ClosedPhaseSpec).concurrency} connections, pipelining 1); ` +
    `latency is per-request service time, coordinated omission NOT corrected: a stall of the system delays the requests autocannon never sent, which no percentile shows. ` +
    `Open-loop phases of this run are logbench's own generator (latency from each op's intended start, corrected). ` +
    `autocannon's own summary: ${a.requestsPerSecAverage.toFixed(0)} req/s average, p50 ${a.latencyMsP50} ms, p99 ${a.latencyMsP99} ms, errors ${a.errors}, timeouts ${a.timeouts}, non-2xx ${a.non2xx}`
  );
}
