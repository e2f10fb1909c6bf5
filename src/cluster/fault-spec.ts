// The faults a scenario schedules (its `faults:` list), their JSON Schema and the checks the
// schema cannot express. A fault fires `atSeconds` after the start of the load (or of the named
// `phase`), then, with `everySeconds`, periodically (`count` times at most; `jitterSeconds` adds a
// seeded random delay to each firing). Faults that end by themselves carry their length:
// pause-* resume after `durationMs`, partition-leader and split heal after `durationMs`, kill-*
// restart the killed replica after `restartAfterMs` when it is given.
//
// Which member is hit is decided when the fault fires (the leader at that moment; a follower
// chosen with the seeded RNG), so the scenario names a role, never a replica id.

export const FAULT_KINDS = ['kill-leader', 'kill-follower', 'pause-leader', 'pause-follower', 'restart', 'partition-leader', 'split', 'heal', 'transfer-leader', 'slow-disk-leader', 'slow-disk-follower'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Kinds that need the group's network (partitions) or raft (transfer): the engine only. */
export const NETWORK_FAULT_KINDS: readonly FaultKind[] = ['partition-leader', 'split', 'heal', 'transfer-leader', 'slow-disk-leader', 'slow-disk-follower'];
/** Kinds whose `durationMs` says when they end (required). */
export const TIMED_FAULT_KINDS: readonly FaultKind[] = ['pause-leader', 'pause-follower', 'partition-leader', 'split', 'slow-disk-leader', 'slow-disk-follower'];
/** How the nemesis's note for a scheduled fault it could not inject begins (no leader, no live follower). */
export const SKIPPED_NOTE_PREFIX = 'skipped:';

/** Kinds aimed at the leader: their metrics include the time until a new leader is elected. */
export const LEADER_FAULT_KINDS: readonly FaultKind[] = ['kill-leader', 'pause-leader', 'partition-leader', 'split', 'transfer-leader', 'slow-disk-leader'];

export const FAULT_COUNT_MAX = 1_000;
export const FAULT_FIRINGS_MAX = 10_000;
export const FAULT_DURATION_MS_MAX = 600_000;

export interface FaultSpec {
  kind: FaultKind;
  /** First firing, seconds after the start of the load, or of `phase` when given. */
  atSeconds: number;
  /** Name of the phase whose start `atSeconds` counts from. */
  phase?: string;
  /** Fire again every this many seconds (until the load ends, or `count` firings). */
  everySeconds?: number;
  /** Firings at most (default 1, or unbounded with everySeconds). */
  count?: number;
  /** Seeded random extra delay in [0, jitterSeconds) added to every firing. */
  jitterSeconds?: number;
  /** pause-*: resume after; partition-leader / split: heal after. */
  durationMs?: number;
  /** kill-*: restart the killed replica this long after the kill. */
  restartAfterMs?: number;
  /** split: whether the leader ends up on the minority side (default) or the majority side. */
  leaderSide?: 'minority' | 'majority';
  /** slow-disk-*: extra time added to every fdatasync of the target, in ms (default 20). */
  fsyncDelayMs?: number;
}

export const FSYNC_DELAY_MS_DEFAULT = 20;

const durationMs = { type: 'integer', minimum: 1, maximum: FAULT_DURATION_MS_MAX } as const;

/** Schema of one `faults[i]` entry (the scenario schema embeds it). */
export const FAULT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'atSeconds'],
  properties: {
    kind: { type: 'string', enum: [...FAULT_KINDS] },
    atSeconds: { type: 'number', minimum: 0 },
    phase: { type: 'string', minLength: 1 },
    everySeconds: { type: 'number', exclusiveMinimum: 0 },
    count: { type: 'integer', minimum: 1, maximum: FAULT_FIRINGS_MAX },
    jitterSeconds: { type: 'number', minimum: 0 },
    durationMs,
    restartAfterMs: durationMs,
    leaderSide: { type: 'string', enum: ['minority', 'majority'] },
    fsyncDelayMs: { type: 'integer', minimum: 1, maximum: 10_000 },
  },
} as const;

export const FAULTS_SCHEMA = { type: 'array', maxItems: FAULT_COUNT_MAX, items: FAULT_SCHEMA } as const;

/**
 * Cross-field checks of schema-valid faults; returns one `faults[i].field: expected ...` line per
 * problem. `phaseNames`: the phases of the scenario (after steps were expanded), `system`: the
 * measured system (partitions and transfers need the engine).
 */
export function faultProblems(faults: readonly FaultSpec[], phaseNames: ReadonlySet<string>, system: string): string[] {
  const problems: string[] = [];
  faults.forEach((fault, i) => {
    const at = `faults[${i}]`;
    if (TIMED_FAULT_KINDS.includes(fault.kind) && fault.durationMs === undefined) problems.push(`${at}.durationMs: missing; expected how long ${fault.kind} lasts, in ms (a positive integer)`);
    if (!TIMED_FAULT_KINDS.includes(fault.kind) && fault.durationMs !== undefined) problems.push(`${at}.durationMs: only pause-*, partition-leader, split and slow-disk-* last a duration; remove it from ${fault.kind}`);
    if (fault.restartAfterMs !== undefined && !fault.kind.startsWith('kill-')) problems.push(`${at}.restartAfterMs: only kill-leader and kill-follower restart; remove it from ${fault.kind}`);
    if (fault.leaderSide !== undefined && fault.kind !== 'split') problems.push(`${at}.leaderSide: only split has sides; remove it from ${fault.kind}`);
    if (fault.fsyncDelayMs !== undefined && !fault.kind.startsWith('slow-disk-')) problems.push(`${at}.fsyncDelayMs: only slow-disk-leader and slow-disk-follower delay fsyncs; remove it from ${fault.kind}`);
    if (fault.count !== undefined && fault.count > 1 && fault.everySeconds === undefined) problems.push(`${at}.everySeconds: missing; expected the period of the ${fault.count} firings, in seconds`);
    if (fault.phase !== undefined && !phaseNames.has(fault.phase)) problems.push(`${at}.phase: expected the name of a phase (${[...phaseNames].join(', ')}), got "${fault.phase}"`);
    if (system !== 'engine' && NETWORK_FAULT_KINDS.includes(fault.kind)) {
      problems.push(`${at}.kind: ${fault.kind} needs the engine's fault hooks (network, disk); system ${system} supports kill-leader, kill-follower, pause-leader, pause-follower, restart`);
    }
  });
  return problems;
}
