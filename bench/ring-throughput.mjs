// Measures the shared-memory ring between two worker threads, against the compiled code in dist/
// (run `node scripts/ensure-build.mjs` first):
//   1. one-way throughput of 1 KiB records, batched (one flush/doorbell per batch), in records/s and MB/s;
//   2. round-trip latency of a ping-pong through two rings (Atomics.waitAsync doorbells) versus
//      the same ping-pong through postMessage on a MessageChannel, between the same two threads.
//   3. the same ring ping-pong when the waiting side polls for up to --spin-us before parking.
// Usage: node bench/ring-throughput.mjs [--seconds 3] [--iterations 20000] [--spin-us 50] [--json]
import { MessageChannel, Worker } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { createRingBuffer } from '../dist/src/transport/ring.js';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '3' },
  iterations: { type: 'string', default: '20000' },
  'ring-bytes': { type: 'string', default: String(4 << 20) },
  'batch-records': { type: 'string', default: '64' },
  'spin-us': { type: 'string', default: '50' },
  json: { type: 'boolean', default: false },
} });
const seconds = Number(values.seconds);
const iterations = Number(values.iterations);
const ringBytes = Number(values['ring-bytes']);
const batchRecords = Number(values['batch-records']);
const spinUs = Number(values['spin-us']);
const WORKER = new URL('./ring-throughput-worker.mjs', import.meta.url);

function run(workerData, transferList = []) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData, transferList });
    let result;
    worker.once('message', (message) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) => (result !== undefined ? resolve(result) : reject(new Error(`${workerData.role} worker exited with code ${code}`))));
  });
}

function percentiles(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const round = (x) => Math.round(x * 10) / 10;
  return { p50Us: round(at(0.5)), p90Us: round(at(0.9)), p99Us: round(at(0.99)), maxUs: round(sorted[sorted.length - 1]), meanUs: round(mean) };
}

const ring = createRingBuffer(ringBytes);
const recordBytes = 1024;
const [produced, consumed] = await Promise.all([
  run({ role: 'producer', ring, recordBytes, batchRecords, seconds }),
  run({ role: 'consumer', ring }),
]);
if (consumed.records !== produced.records || consumed.outOfOrder !== 0) throw new Error(`ring lost or reordered records: ${JSON.stringify({ produced, consumed })}`);
const throughput = {
  recordBytes, batchRecords, ringBytes, seconds: consumed.elapsedMs / 1000,
  recordsPerSec: Math.round(consumed.records / (consumed.elapsedMs / 1000)),
  mbPerSec: Math.round((consumed.bytes / (consumed.elapsedMs / 1000) / 1e6) * 10) / 10,
  ringFull: produced.full, doorbells: produced.doorbells, consumerWakes: consumed.wakes,
};

const messageBytes = 64;
const warmup = Math.floor(iterations / 10);
async function pingPong(spinUs) {
  const channel = new MessageChannel();
  const ab = createRingBuffer(1 << 16);
  const ba = createRingBuffer(1 << 16);
  const [pinged] = await Promise.all([
    run({ role: 'ping', out: ab, in: ba, port: channel.port1, iterations, messageBytes, spinUs }, [channel.port1]),
    run({ role: 'pong', out: ba, in: ab, port: channel.port2, messageBytes, spinUs }, [channel.port2]),
  ]);
  return pinged;
}
const parked = await pingPong(0);
const spinning = await pingPong(spinUs);
const latency = {
  messageBytes, iterations: iterations - warmup, spinUs,
  ringRoundTrip: percentiles(parked.ringUs.subarray(warmup)),
  ringSpinRoundTrip: percentiles(spinning.ringUs.subarray(warmup)),
  postMessageRoundTrip: percentiles(parked.postUs.subarray(warmup)),
};

const environment = { node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadAverage1m: os.loadavg()[0] };
if (values.json) {
  process.stdout.write(JSON.stringify({ environment, throughput, latency }, null, 2) + '\n');
} else {
  process.stdout.write(`environment: node ${environment.node}, ${environment.cores} x ${environment.cpu}, load average ${environment.loadAverage1m.toFixed(2)}\n`);
  process.stdout.write(`ring throughput (${recordBytes}-byte records, batches of ${batchRecords}, ${ringBytes >> 20} MiB ring): ` +
    `${throughput.recordsPerSec.toLocaleString('en-US')} records/s, ${throughput.mbPerSec} MB/s over ${throughput.seconds.toFixed(2)} s ` +
    `(ring full ${throughput.ringFull} times, ${throughput.doorbells} doorbells)\n`);
  const line = (name, p) => `${name.padEnd(24)} p50 ${p.p50Us} us  p90 ${p.p90Us} us  p99 ${p.p99Us} us  max ${p.maxUs} us  mean ${p.meanUs} us\n`;
  process.stdout.write(`round trip, ${messageBytes}-byte message, ${latency.iterations} samples:\n`);
  process.stdout.write(line('  ring (waitAsync)', latency.ringRoundTrip));
  process.stdout.write(line(`  ring (spin ${spinUs} us)`, latency.ringSpinRoundTrip));
  process.stdout.write(line('  postMessage', latency.postMessageRoundTrip));
}
