// TypeScript shape of a `logbench.result/v1` file (the schema is in result-schema.ts).

import type { LatencyPercentiles } from '../load/histogram.js';
import type { SeriesPoint } from '../load/recording-types.js';
import type { Scenario } from '../load/scenario.js';
import type { FailoverSection } from './failover-section.js';

export type LedgerStatus = 'ok' | 'failed' | 'not-run';

export interface PhaseResult {
  index: number;
  name: string;
  type: 'closed' | 'open';
  startedAt: string;
  target: {
    concurrency: number | null;
    rate: number | null;
    arrival: 'constant' | 'poisson' | null;
    rampFromRate: number | null;
    rampSeconds: number | null;
    rateRule: { phase: string; fraction: number; baseOpsPerSec: number } | null;
    ops: number | null;
    seconds: number | null;
  };
  warmupSeconds: number;
  measuredSeconds: number;
  wallSeconds: number;
  workers: number;
  interrupted: boolean;
  ops: { acked: number; errors: number; omitted: number; warmupAcked: number };
  throughput: { opsPerSec: number; bytesPerSec: number; mbPerSec: number };
  latencyUs: { corrected: LatencyPercentiles; serviceTime: LatencyPercentiles };
  histograms: { unit: 'us'; significantDigits: 3; corrected: string; serviceTime: string; scheduleLag: string };
  series: SeriesPoint[];
  generator: {
    coordinatedOmissionCorrected: boolean;
    saturated: boolean;
    scheduleLagMsMax: number;
    scheduleLagFractionMax: number;
    lateOpsFraction: number;
    scheduleLagUs: { p99: number; max: number };
    outstandingMax: number | null;
    delayedByOutstandingLimitFraction: number;
    completionGapMsMax: number;
    warnings: string[];
  };
  correctness: { acked: number; lost: number | null; duplicated: number | null; divergent: number | null; ledger: LedgerStatus };
  diskLimitRatio: number | null;
  errorSamples: string[];
}

export interface Environment {
  logbenchVersion: string;
  node: string;
  /** The node flags the run ran with (process.execArgv; see src/cli/node-flags.ts). Absent in results of earlier versions. */
  nodeFlags?: string[];
  v8: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  kernel: string;
  hostname: string;
  dataDir: string | null;
  filesystem: string | null;
  /** Cached `logbench disk` limits of the data dir when the storage module has measured them. */
  diskLimits: Record<string, unknown> | null;
  git: { commit: string | null; dirty: boolean | null };
}

export interface CorrectnessSummary {
  ledger: LedgerStatus;
  /** Why the ledger did not run, or what failed. */
  reason: string | null;
  acked: number;
  lost: number | null;
  duplicated: number | null;
  divergent: number | null;
  reordered: number | null;
  acksTruncated: boolean;
}

export interface FindMaxPoint {
  rate: number;
  opsPerSec: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  saturated: boolean;
  meetsSlo: boolean;
  phase: string;
}

export interface FindMaxSection {
  slo: string;
  kneeRate: number | null;
  kneeOpsPerSec: number | null;
  curve: FindMaxPoint[];
}

export interface RunResult {
  schema: 'logbench.result/v1';
  complete: boolean;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  command: string[];
  scenario: Scenario;
  /** diagnostics: figures the system reported about itself after the load (Driver.diagnostics). */
  system: { name: string; durability: string; settings: Record<string, string | number | boolean>; diagnostics?: Record<string, number> };
  environment: Environment;
  phases: PhaseResult[];
  correctness: CorrectnessSummary;
  failover: FailoverSection | null;
  findMax: FindMaxSection | null;
  warnings: string[];
}
