// Every knob of the engine, with the defaults printed with every result. One object crosses into
// each replica (workerData in threads mode, argv JSON in process mode).

import { UsageError } from '../cli/args.js';
import { DEFAULT_RAFT_CONFIG } from '../raft/types.js';
import { FSYNCS_IN_FLIGHT_LIMIT } from '../storage/file-store.js';
import { FSYNC_POLICY_EXPECTED, fsyncPolicyOf } from '../storage/log-store.js';

export const REPLICA_COUNTS = [1, 3, 5, 7] as const;
export const GROUP_MODES = ['threads', 'process'] as const;
export type GroupMode = (typeof GROUP_MODES)[number];

export interface EngineConfig {
  replicas: number;
  mode: GroupMode;
  /** always | none | interval:<ms> */
  fsync: string;
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  batchEntriesMax: number;
  batchBytesMax: number;
  inflightMsgsMax: number;
  inflightBytesMax: number;
  uncommittedEntriesMax: number;
  segmentBytes: number;
  /**
   * Bytes written per fdatasync by a replica's log (group commit). Large enough that one client
   * round of 256 × 1 KiB appends is one write and one fdatasync: measured 15k vs 19k commits/s for
   * one replica against the store's 128 KiB default (which suits a single local writer better).
   */
  storeBatchBytesMax: number;
  /**
   * fdatasyncs a replica's log keeps in flight at once (group commit; 1 = the next batch waits for
   * the one being synced and then takes everything queued meanwhile). One, because the replicas
   * of a group started here share one disk: three replicas with one each already keep three
   * fdatasyncs on the device, and with three each the nine split the same journal commits into
   * smaller batches. Threads mode, 3 replicas, c=256, 8 s runs, 15 interleaved pairs on the
   * 2-core test machine: mean 57.2k commits/s with 1 against 51.9k with 3, 1 ahead in 10 of 15;
   * in minutes when the disk was slow (3 at 38–54k) 1 was ahead in 10 of 11 pairs, by 3–74%
   * (2% behind in the other), and when it was fast (3 at 61–72k) 3 was ahead in all 4, by
   * 1–11%. A lone store (`bench storage`) keeps three (FSYNCS_IN_FLIGHT_MAX): there it is the
   * only writer on the disk.
   */
  storeFsyncsInFlightMax: number;
  /**
   * The leader sends and writes proposed entries as soon as this many have been proposed, instead
   * of once per event-loop turn (0 = once per turn). 256 clients answered by one commit send their
   * next 256 appends in one burst; taken as one batch, they go through framing, the rings, the
   * followers' disks and back in lock-step, and each stage waits for the one before. Cut into
   * runs of 64, the first run is on the followers' disks while the leader still frames the rest.
   * Threads mode, 3 replicas, c=256, 5 s runs, 8 interleaved pairs on the 2-core test machine:
   * median 28.0k commits/s once per turn vs 29.8k at 64; 64 was ahead in 7 of the 8 pairs
   * (median pair +4%). The disk stays the limit: three replicas fdatasync on one device.
   */
  leaderRunEntries: number;
  /** Bytes of each shared-memory ring between two replicas (threads mode). */
  ringBytes: number;
  /** Bytes of each client ring (threads mode). */
  clientRingBytes: number;
  /** Calibration knob: busy-spin µs per proposed batch on the leader (0 = off). */
  leaderSpinUsPerBatch: number;
  /**
   * Calibration knob: busy-spin ns per proposed entry on the leader (0 = off). Unlike a spin per
   * batch (which larger batches amortize: it can even raise throughput), this cost grows with the
   * work, so it lowers throughput steadily; `logbench calibrate` uses it on the engine.
   */
  leaderSpinNsPerEntry: number;
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  replicas: 3,
  mode: 'threads',
  fsync: 'always',
  // Election timeout 60–120 ms, heartbeats every 10 ms: a killed leader is replaced in well
  // under 150 ms on loopback, while an event-loop stall of less than 60 ms causes no election.
  tickMs: 5,
  electionTicks: 12,
  heartbeatTicks: 2,
  batchEntriesMax: DEFAULT_RAFT_CONFIG.batchEntriesMax,
  // A lagging follower is caught up at most inflightBytesMax per round trip; each message is read
  // from the log, checked and framed on the leader's loop, so these bound how long catching up
  // may hold that loop (8 MiB at once held it past the 60 ms election timeout).
  batchBytesMax: 256 * 1024,
  inflightMsgsMax: 32,
  inflightBytesMax: 2 * 1024 * 1024,
  uncommittedEntriesMax: 65_536,
  segmentBytes: 64 * 1024 * 1024,
  storeBatchBytesMax: 1024 * 1024,
  storeFsyncsInFlightMax: 1,
  leaderRunEntries: 64,
  // Every page of a ring is touched as it wraps, so ring sizes are resident memory: 6 rings of
  // 8 MiB for 3 replicas. 8 MiB still holds four in-flight windows of 2 MiB.
  ringBytes: 8 * 1024 * 1024,
  clientRingBytes: 4 * 1024 * 1024,
  leaderSpinUsPerBatch: 0,
  leaderSpinNsPerEntry: 0,
};

/** Checks a (possibly user-supplied) config; `what` prefixes errors, e.g. "flag" or "scenario group". */
export function validateEngineConfig(config: EngineConfig): EngineConfig {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new UsageError(`group.${field}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  if (!(REPLICA_COUNTS as readonly number[]).includes(config.replicas)) fail('replicas', REPLICA_COUNTS.join(', '), config.replicas);
  if (!(GROUP_MODES as readonly string[]).includes(config.mode)) fail('mode', GROUP_MODES.join(' or '), config.mode);
  if (typeof config.fsync !== 'string' || fsyncPolicyOf(config.fsync) === undefined) fail('fsync', FSYNC_POLICY_EXPECTED, config.fsync);
  const ints: Array<[keyof EngineConfig, number, number]> = [
    ['tickMs', 1, 10_000],
    ['electionTicks', 2, 10_000],
    ['heartbeatTicks', 1, 10_000],
    ['batchEntriesMax', 1, 1 << 20],
    ['batchBytesMax', 1024, 64 * 1024 * 1024],
    ['inflightMsgsMax', 1, 4096],
    ['inflightBytesMax', 1024, 1024 * 1024 * 1024],
    ['uncommittedEntriesMax', 1, 1 << 22],
    ['segmentBytes', 4096, 1024 * 1024 * 1024],
    ['storeBatchBytesMax', 4096, 64 * 1024 * 1024],
    ['storeFsyncsInFlightMax', 1, FSYNCS_IN_FLIGHT_LIMIT],
    ['leaderRunEntries', 0, 1 << 20],
    ['ringBytes', 1 << 16, 1 << 30],
    ['clientRingBytes', 1 << 16, 1 << 30],
    ['leaderSpinUsPerBatch', 0, 1_000_000],
    ['leaderSpinNsPerEntry', 0, 1_000_000],
  ];
  for (const [field, min, max] of ints) {
    const value = config[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(field, `an integer in [${min}, ${max}]`, value);
  }
  if (config.heartbeatTicks >= config.electionTicks) fail('heartbeatTicks', `fewer than electionTicks (${config.electionTicks})`, config.heartbeatTicks);
  for (const field of ['ringBytes', 'clientRingBytes'] as const) {
    if ((config[field] & (config[field] - 1)) !== 0) fail(field, 'a power of two', config[field]);
  }
  if (config.batchBytesMax * 2 + 4096 > config.ringBytes / 2) fail('batchBytesMax', `at most a quarter of ringBytes (${config.ringBytes})`, config.batchBytesMax);
  return config;
}

/** The settings printed with results: every knob, flat. */
export function engineSettings(config: EngineConfig): Record<string, string | number | boolean> {
  return { ...config };
}
