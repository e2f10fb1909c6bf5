// The logbench engine as a measured system: starts a replica group (threads or processes) on
// connect, appends through the engine client, reads every replica's log back for the ledger, and
// exposes the group for fault injection.

import { UsageError } from '../cli/args.js';
import type { EngineClient } from '../client/engine-client.js';
import type { GroupHandle } from '../cluster/group.js';
import { startGroup } from '../cluster/start-group.js';
import { writableDirectoryProblem } from '../storage/directory.js';
import type { EngineConfig } from '../node/engine-config.js';
import { DEFAULT_ENGINE_CONFIG, engineSettings, validateEngineConfig } from '../node/engine-config.js';
import type { AppendAck, ClusterControl, Driver, MemberInfo, ReplicaContents } from './types.js';
import { round1 } from '../round.js';

/** A scenario's `group.dataDir` must be an existing, writable directory (a typo must not create one). */
export function checkDataDir(dir: string): void {
  const problem = writableDirectoryProblem(dir);
  if (problem !== undefined) throw new UsageError(`group.dataDir: ${dir} ${problem}; expected an existing, writable directory (each run makes its own directory in it and removes it afterwards)`);
}

export interface EngineDriverOptions {
  /**
   * Where runs keep their data (the scenario's `group.dataDir`, e.g. the disk to measure). Each
   * run makes a fresh directory there and removes it afterwards: a run on a log an earlier run
   * left would start from that log, and its producers' sequence numbers would repeat the old ones.
   */
  dataDir?: string;
  seed?: number;
  log?: (line: string) => void;
}

/** Engine config from a scenario's `group` block (already schema-checked); `dataDir` is not a knob. */
export function engineConfigFromGroup(group: Record<string, unknown>): EngineConfig {
  const config: EngineConfig = { ...DEFAULT_ENGINE_CONFIG };
  for (const [key, value] of Object.entries(group)) {
    if (key === 'dataDir') continue;
    if (!(key in DEFAULT_ENGINE_CONFIG)) {
      throw new UsageError(`group.${key}: unknown engine setting; expected one of ${Object.keys(DEFAULT_ENGINE_CONFIG).join(', ')}`);
    }
    const expected = typeof DEFAULT_ENGINE_CONFIG[key as keyof EngineConfig];
    if (typeof value !== expected) throw new UsageError(`group.${key}: expected a ${expected}, got ${JSON.stringify(value)}`);
    (config as unknown as Record<string, unknown>)[key] = value;
  }
  return validateEngineConfig(config);
}

export class EngineDriver implements Driver {
  readonly system = 'engine';
  readonly durability: string;
  readonly settings: Record<string, string | number | boolean>;
  private group: GroupHandle | undefined;
  private client: EngineClient | undefined;
  control: ClusterControl;

  constructor(
    readonly config: EngineConfig,
    private readonly options: EngineDriverOptions = {},
  ) {
    if (options.dataDir !== undefined) checkDataDir(options.dataDir);
    this.durability = config.fsync === 'always' ? 'fdatasync on a majority before ack' : `fsync ${config.fsync} (acks may precede durability)`;
    this.settings = engineSettings(config);
    this.control = this.makeControl();
  }

  get handle(): GroupHandle {
    if (this.group === undefined) throw new Error('engine driver: connect() first');
    return this.group;
  }

  async connect(): Promise<void> {
    this.group = await startGroup({
      config: this.config,
      ...(this.options.dataDir !== undefined ? { dataDirUnder: this.options.dataDir } : {}),
      ...(this.options.seed !== undefined ? { seed: this.options.seed } : {}),
      ...(this.options.log !== undefined ? { log: this.options.log } : {}),
    });
    const leader = await this.group.leader(10_000);
    if (leader === undefined) throw new Error('engine: no leader elected within 10 s');
    this.client = this.group.client(0);
  }

  append(payload: Uint8Array): Promise<AppendAck> {
    return this.client!.append(payload);
  }

  async readBack(): Promise<ReplicaContents[]> {
    const group = this.handle;
    await group.settle(5_000);
    return group.stopAndReadLogs();
  }

  /**
   * Since the group started (warm-up included): the leader's batches and, per batch, the mean time
   * from proposal to its own fdatasync and to commit (a majority durable); every live replica's
   * fdatasyncs and their mean time; ring wake-ups lost (recovered by the park time limit).
   */
  async diagnostics(): Promise<Record<string, number>> {
    const group = this.handle;
    const statuses = (await Promise.all(group.ids.filter((id) => group.alive(id)).map((id) => group.status(id)))).filter((s) => s !== undefined);
    const out: Record<string, number> = {};
    const leader = statuses.find((s) => s.role === 'leader');
    if (leader !== undefined && leader.stats.stages.batches > 0) {
      const { batches, toDurableUsSum, toCommitUsSum } = leader.stats.stages;
      out['leaderBatches'] = batches;
      out['leaderEntriesPerBatch'] = round1(leader.stats.proposed / batches);
      out['leaderProposeToOwnFsyncUsMean'] = Math.round(toDurableUsSum / batches);
      out['leaderProposeToCommitUsMean'] = Math.round(toCommitUsSum / batches);
    }
    const fsyncs = statuses.reduce((sum, s) => sum + s.fsyncs.inline + s.fsyncs.pooled, 0);
    out['fsyncs'] = fsyncs;
    if (fsyncs > 0) out['fsyncUsMean'] = Math.round(statuses.reduce((sum, s) => sum + s.fsyncs.usSum, 0) / fsyncs);
    out['lostWakeups'] = statuses.reduce((sum, s) => sum + s.transport.lostWakeups, 0);
    return out;
  }

  private makeControl(): ClusterControl {
    const members = async (): Promise<MemberInfo[]> => {
      const group = this.handle;
      const leader = await group.leader(0);
      return group.ids.map((id) => {
        const pid = group.pid(id);
        return { id: String(id), alive: group.alive(id), leader: id === leader, ...(pid !== undefined ? { pid } : {}) };
      });
    };
    return {
      members,
      findLeader: async (timeoutMs) => {
        const leader = await this.handle.leader(timeoutMs);
        return leader === undefined ? undefined : String(leader);
      },
      kill: (id) => this.handle.kill(Number(id)),
      restart: (id) => this.handle.restart(Number(id)),
      pause: (id) => this.handle.pause(Number(id), 1_000),
      resume: (id) => this.handle.resume(Number(id)),
    };
  }

  async close(): Promise<void> {
    await this.group?.close();
    this.group = undefined;
  }
}
