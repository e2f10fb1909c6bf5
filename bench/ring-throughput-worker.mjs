// Worker side of bench/ring-throughput.mjs. Roles:
//   producer / consumer   one-way throughput of fixed-size records through one ring
//   ping / pong           round trips through a pair of rings, then through postMessage
import { parentPort, workerData } from 'node:worker_threads';
import { RingConsumer, RingProducer } from '../dist/src/transport/ring.js';

const { role } = workerData;
parentPort.on('message', () => {}); // keeps the thread alive while parked in Atomics.waitAsync

async function producer({ ring, recordBytes, batchRecords, seconds }) {
  const out = new RingProducer(ring);
  const payload = new Uint8Array(recordBytes).fill(0xab);
  const deadline = performance.now() + seconds * 1000;
  let records = 0;
  let sequence = 0;
  while (performance.now() < deadline) {
    let batch = 0;
    while (batch < batchRecords) {
      const offset = out.tryReserveOffset(recordBytes);
      if (offset < 0) break;
      out.bytes.set(payload, offset);
      out.bytes[offset] = sequence++ & 0xff;
      out.commit();
      batch++;
    }
    records += batch;
    out.flush();
    if (batch < batchRecords) await out.waitForSpace(recordBytes, 1000);
  }
  // An empty record tells the consumer to stop.
  while (!out.fits(0)) await out.waitForSpace(0, 1000);
  out.tryReserve(0);
  out.commit();
  out.flush();
  return { records, full: out.fullCount, doorbells: out.doorbellCount };
}

async function consumer({ ring }) {
  const input = new RingConsumer(ring);
  let records = 0;
  let bytes = 0;
  let expected = 0;
  let outOfOrder = 0;
  const startMs = performance.now();
  for (;;) {
    await input.waitForData(5000);
    let record;
    while ((record = input.take()) !== undefined) {
      if (record.byteLength === 0) {
        input.release();
        return { records, bytes, outOfOrder, elapsedMs: performance.now() - startMs, wakes: input.wakeCount };
      }
      if (record[0] !== (expected++ & 0xff)) outOfOrder++;
      bytes += record.byteLength;
      records++;
      input.release();
    }
  }
}

async function ping({ out: outBuffer, in: inBuffer, port, iterations, messageBytes, spinUs }) {
  const out = new RingProducer(outBuffer);
  const input = new RingConsumer(inBuffer);
  const payload = new Uint8Array(messageBytes).fill(1);
  const ringUs = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    out.tryReserve(messageBytes).set(payload);
    out.commit();
    out.flush();
    await input.waitForData(5000, spinUs);
    input.take();
    input.release();
    ringUs[i] = (performance.now() - t0) * 1000;
  }
  out.tryReserve(0);
  out.commit();
  out.flush();
  const postUs = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    const reply = new Promise((resolve) => port.once('message', resolve));
    port.postMessage(payload);
    await reply;
    postUs[i] = (performance.now() - t0) * 1000;
  }
  port.postMessage(null);
  return { ringUs, postUs };
}

async function pong({ out: outBuffer, in: inBuffer, port, messageBytes, spinUs }) {
  const out = new RingProducer(outBuffer);
  const input = new RingConsumer(inBuffer);
  for (;;) {
    await input.waitForData(5000, spinUs);
    const record = input.take();
    if (record === undefined) continue;
    const length = record.byteLength;
    input.release();
    if (length === 0) break;
    out.tryReserve(messageBytes).fill(2);
    out.commit();
    out.flush();
  }
  await new Promise((resolve) => {
    port.on('message', (message) => {
      if (message === null) resolve();
      else port.postMessage(message);
    });
  });
  return {};
}

const roles = { producer, consumer, ping, pong };
const result = await roles[role](workerData);
parentPort.postMessage(result);
parentPort.close();
