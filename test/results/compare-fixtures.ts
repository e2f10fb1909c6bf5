// Synthetic `logbench.result/v1` files for the compare and report tests: a closed-loop phase
// whose per-second throughput is drawn around a mean with autocorrelated noise (AR(1)), and whose
// per-second latency histograms are drawn from a log-normal around a median. Seeded, so each
// fixture is the same on every run.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMergeHistogram, encodeHistogram, percentilesOf } from '../../src/load/histogram.js';
import { Xoshiro128, type Rng } from '../../src/prng.js';
import type { PhaseResult, RunResult } from '../../src/results/result-types.js';
import { resultProblems } from '../../src/results/validate.js';

export interface SyntheticSpec {
  seed: number;
  seconds?: number;
  opsPerSec?: number;
  /** Relative standard deviation of per-second throughput. */
  noise?: number;
  latencyUsMedian?: number;
  scenarioName?: string;
  cpuModel?: string;
  kernel?: string;
  fsync?: string;
  failover?: Record<string, unknown> | null;
}

function gaussian(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

export function syntheticResult(spec: SyntheticSpec): RunResult {
  const rng = new Xoshiro128(spec.seed);
  const seconds = spec.seconds ?? 20;
  const mean = spec.opsPerSec ?? 50_000;
  const noise = spec.noise ?? 0.03;
  const median = spec.latencyUsMedian ?? 800;
  const warmup = 1;
  const all = createMergeHistogram();
  const series: PhaseResult['series'] = [];
  let ar = 0;
  let opsTotal = 0;
  for (let s = 0; s < seconds + warmup; s++) {
    ar = 0.5 * ar + Math.sqrt(1 - 0.25) * gaussian(rng);
    const ops = Math.max(1, Math.round(mean * (1 + noise * ar)));
    const h = createMergeHistogram();
    // Slower seconds have proportionally higher latency (Little's law at fixed concurrency,
    // with latencyUsMedian the median at 50,000 ops/s).
    const scale = (median * 50_000) / ops;
    for (let i = 0; i < 300; i++) h.recordValue(Math.max(1, Math.round(scale * Math.exp(0.5 * gaussian(rng)))));
    const p = percentilesOf(h);
    if (s >= warmup) {
      all.add(h);
      opsTotal += ops;
    }
    series.push({ second: s, warmup: s < warmup, ops, errors: 0, p50Us: p.p50Us, p99Us: p.p99Us, maxUs: p.maxUs, histogram: encodeHistogram(h) });
  }
  const latency = percentilesOf(all);
  const opsPerSec = opsTotal / seconds;
  const phase: PhaseResult = {
    index: 0,
    name: 'closed',
    type: 'closed',
    startedAt: '2026-01-01T00:00:00.000Z',
    target: { concurrency: 64, rate: null, arrival: null, rampFromRate: null, rampSeconds: null, rateRule: null, ops: null, seconds },
    warmupSeconds: warmup,
    measuredSeconds: seconds,
    wallSeconds: seconds + warmup,
    workers: 0,
    interrupted: false,
    ops: { acked: opsTotal, errors: 0, omitted: 0, warmupAcked: series[0]!.ops },
    throughput: { opsPerSec, bytesPerSec: opsPerSec * 1024, mbPerSec: (opsPerSec * 1024) / 1e6 },
    latencyUs: { corrected: latency, serviceTime: latency },
    histograms: { unit: 'us', significantDigits: 3, corrected: encodeHistogram(all), serviceTime: encodeHistogram(all), scheduleLag: encodeHistogram(createMergeHistogram()) },
    series,
    generator: {
      coordinatedOmissionCorrected: false,
      saturated: false,
      scheduleLagMsMax: 10,
      scheduleLagFractionMax: 0.01,
      lateOpsFraction: 0,
      scheduleLagUs: { p99: 0, max: 0 },
      outstandingMax: null,
      delayedByOutstandingLimitFraction: 0,
      completionGapMsMax: 1,
      warnings: [],
    },
    correctness: { acked: opsTotal, lost: 0, duplicated: 0, divergent: 0, ledger: 'ok' },
    diskLimitRatio: null,
    errorSamples: [],
  };
  const fsync = spec.fsync ?? 'always';
  const result: RunResult = {
    schema: 'logbench.result/v1',
    complete: true,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:30.000Z',
    wallSeconds: seconds + warmup,
    command: ['logbench', 'run', 'synthetic.yaml'],
    scenario: {
      name: spec.scenarioName ?? 'synthetic',
      system: 'engine',
      group: { replicas: 3, mode: 'threads', fsync },
      payload: { sizeBytes: 1024 },
      generator: { seed: 1 },
      phases: [{ type: 'closed', name: 'closed', concurrency: 64, warmupSeconds: warmup, seconds }],
    } as unknown as RunResult['scenario'],
    system: { name: 'engine', durability: `fsync ${fsync}`, settings: { fsync, replicas: 3 } },
    environment: {
      logbenchVersion: '0.1.0',
      node: 'v20.20.2',
      v8: '11.3',
      platform: 'linux',
      arch: 'x64',
      cpuModel: spec.cpuModel ?? 'Test CPU',
      cores: 2,
      memoryBytes: 1 << 30,
      kernel: spec.kernel ?? '6.1.0',
      hostname: 'test',
      dataDir: '/tmp',
      filesystem: 'ext4',
      diskLimits: null,
      git: { commit: null, dirty: null },
    },
    phases: [phase],
    correctness: { ledger: 'ok', reason: null, acked: opsTotal, lost: 0, duplicated: 0, divergent: 0, reordered: 0, acksTruncated: false },
    failover: spec.failover ?? null,
    findMax: null,
    warnings: [],
  };
  const problems = resultProblems(result);
  if (problems.length > 0) throw new Error(`synthetic result is invalid: ${problems.join('; ')}`);
  return result;
}

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; write(name: string, value: unknown): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name, value) {
      const path = join(dir, name);
      writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
      return path;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
