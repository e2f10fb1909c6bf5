// Closed-loop throughput and latency of the real-peer drivers on loopback (3 members, 1 KiB
// payloads), plus etcd's client-visible failover time. A measuring script, not a test:
//
//   node --import tsx bench/peers/closed-loop.ts [seconds=5] [trials=3]
//
// Prints one line per (system, mode, concurrency): puts/s, p50/p99 latency in ms, errors; then
// for each SIGKILL of the etcd leader under a 4-client load, the time to the first put that
// both started and succeeded after the kill, and to the next leader being visible.

import { writeTag } from '../../src/check/tag.js';
import { EtcdDriver } from '../../src/drivers/etcd/driver.js';
import { NatsDriver } from '../../src/drivers/nats/driver.js';
import type { Driver } from '../../src/drivers/types.js';

const seconds = Number(process.argv[2] ?? 5);
const trials = Number(process.argv[3] ?? 3);
const PAYLOAD_BYTES = 1024;
const CONCURRENCIES = [1, 256];

interface LoadStats {
  ok: number;
  errors: number;
  latenciesMs: number[];
  okAtMs: Array<{ startMs: number; endMs: number }>;
}

async function closedLoop(driver: Driver, concurrency: number, durationMs: number, firstProducer: number, keepTimes = false): Promise<LoadStats> {
  const stats: LoadStats = { ok: 0, errors: 0, latenciesMs: [], okAtMs: [] };
  const endMs = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, c) => {
      const producer = firstProducer + c;
      for (let seq = 0; performance.now() < endMs; seq++) {
        const payload = new Uint8Array(PAYLOAD_BYTES);
        writeTag(payload, producer, seq);
        const t0 = performance.now();
        try {
          await driver.append(payload);
          const t1 = performance.now();
          stats.ok++;
          stats.latenciesMs.push(t1 - t0);
          if (keepTimes) stats.okAtMs.push({ startMs: t0, endMs: t1 });
        } catch {
          stats.errors++;
        }
      }
    }),
  );
  return stats;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(name: string, make: () => Driver): Promise<void> {
  const driver = make();
  await driver.connect();
  try {
    let producerBase = 0;
    for (const concurrency of CONCURRENCIES) {
      await closedLoop(driver, concurrency, 500, (producerBase += 1000)); // warm-up
      const stats = await closedLoop(driver, concurrency, seconds * 1000, (producerBase += 1000));
      const sorted = stats.latenciesMs.sort((a, b) => a - b);
      console.log(
        `${name.padEnd(18)} conc ${String(concurrency).padStart(3)}: ${(stats.ok / seconds).toFixed(0).padStart(6)} puts/s  p50 ${percentile(sorted, 50).toFixed(2)} ms  p99 ${percentile(sorted, 99).toFixed(2)} ms  errors ${stats.errors}`,
      );
    }
  } finally {
    await driver.close();
  }
}

async function failover(name: string, make: () => Driver): Promise<void> {
  for (let trial = 0; trial < trials; trial++) {
    const driver = make();
    await driver.connect();
    try {
      const control = driver.control!;
      const leader = await control.findLeader(5000);
      const loadDone = closedLoop(driver, 4, 20_000, 1000 * (trial + 1), true);
      await new Promise((r) => setTimeout(r, 1000));
      const killedAtMs = performance.now();
      await control.kill(leader!);
      const newLeader = await control.findLeader(20_000);
      const leaderSeenMs = performance.now() - killedAtMs;
      const stats = await loadDone;
      const after = stats.okAtMs.filter((t) => t.startMs >= killedAtMs).map((t) => t.endMs - killedAtMs);
      const anyAfter = stats.okAtMs.filter((t) => t.endMs >= killedAtMs).map((t) => t.endMs - killedAtMs);
      console.log(
        `${name} failover trial ${trial + 1}: killed ${leader}, new leader ${newLeader} seen after ${leaderSeenMs.toFixed(0)} ms; ` +
          `first put started+acked after kill: ${Math.min(...after).toFixed(0)} ms (first ack of any put: ${Math.min(...anyAfter).toFixed(0)} ms); errors ${stats.errors}`,
      );
    } finally {
      await driver.close();
    }
  }
}

await measure('etcd', () => new EtcdDriver());
await measure('nats default', () => new NatsDriver({ durabilityMode: 'default' }));
try {
  await measure('nats sync-always', () => new NatsDriver({ durabilityMode: 'sync-always' }));
} catch (err) {
  console.log(`nats sync-always: not measured: ${err instanceof Error ? err.message : String(err)}`);
}
await failover('etcd', () => new EtcdDriver());
await failover('nats', () => new NatsDriver());
