// A deterministic in-memory group for raft tests: one MemoryLog and persisted HardState per node,
// a FIFO network with partitions, and a host loop that follows the Ready contract (persist, send,
// apply, advance). A node's persistence can be held back to show pipelining and the
// "leader counts itself only after advance" rule.

import { seededRng } from '../../src/prng.js';
import { MemoryLog } from '../../src/raft/memory-log.js';
import { RaftNode } from '../../src/raft/raft.js';
import type { Entry, HardState, Message, RaftConfig } from '../../src/raft/types.js';
import { DEFAULT_RAFT_CONFIG } from '../../src/raft/types.js';
import type { LogIndex, NodeId } from '../../src/types.js';
import { asIndex, asNodeId, asTerm, NO_NODE } from '../../src/types.js';

export type RaftFactory = (config: RaftConfig, log: MemoryLog, hardState: HardState, seed: number) => RaftNode;

export const defaultFactory: RaftFactory = (config, log, hardState, seed) => new RaftNode(config, log, hardState, seededRng(seed));

export class HostNode {
  readonly log = new MemoryLog();
  hardState: HardState = { term: asTerm(0), vote: NO_NODE, commit: asIndex(0) };
  raft: RaftNode;
  /** Committed entries in apply order (no-ops included). */
  readonly applied: Entry[] = [];
  /** When true, Ready entries are kept in `heldWrites` instead of being stored. */
  holding = false;
  private heldWrites: Entry[][] = [];
  private restarts = 0;

  constructor(
    readonly id: NodeId,
    readonly config: RaftConfig,
    private readonly factory: RaftFactory,
    private readonly seed: number,
  ) {
    this.raft = factory(config, this.log, this.hardState, seed);
  }

  /** Drains one Ready following the host contract; returns the messages to send. */
  processReady(): Message[] {
    if (!this.raft.hasReady()) return [];
    const rd = this.raft.ready();
    if (rd.hardState !== undefined) this.hardState = { ...rd.hardState };
    if (rd.entries.length > 0) {
      if (this.holding) this.heldWrites.push(rd.entries);
      else this.log.append(rd.entries);
    }
    if (rd.committed !== undefined) {
      for (const entry of this.raft.entries(rd.committed.from, rd.committed.to)) this.applied.push(entry);
    }
    this.raft.advance(this.durableFrontier());
    return rd.messages;
  }

  /** Stores the held writes and reports them durable. */
  release(): void {
    this.holding = false;
    for (const write of this.heldWrites) this.log.append(write);
    this.heldWrites = [];
    this.raft.advance(this.durableFrontier());
  }

  /** Loses everything not stored, and starts a fresh core from the stored state. */
  restart(): void {
    this.heldWrites = [];
    this.holding = false;
    this.restarts++;
    this.applied.length = Math.min(this.applied.length, this.hardState.commit);
    this.raft = this.factory(this.config, this.log, { ...this.hardState }, this.seed + 1000 * this.restarts);
  }

  private durableFrontier(): LogIndex {
    // Every handed-out entry up to the returned index must be stored: a held write that
    // overwrites a suffix caps the frontier below its first index, whatever came before it.
    let frontier: number = this.log.lastIndex();
    for (const write of this.heldWrites) frontier = Math.min(frontier, write[0]!.index - 1);
    return asIndex(frontier);
  }
}

export interface Delivery {
  message: Message;
  dropped: boolean;
}

export interface ClusterOptions {
  size: number;
  config?: Partial<Omit<RaftConfig, 'id' | 'voters'>>;
  factory?: RaftFactory;
  seed?: number;
}

export class Cluster {
  readonly nodes = new Map<NodeId, HostNode>();
  readonly ids: NodeId[];
  /** Messages sent and not yet delivered, in send order. */
  inFlight: Message[] = [];
  private readonly blocked = new Set<string>();

  constructor(options: ClusterOptions) {
    this.ids = Array.from({ length: options.size }, (_, i) => asNodeId(i + 1));
    const seed = options.seed ?? 1;
    for (const id of this.ids) {
      const config: RaftConfig = { ...DEFAULT_RAFT_CONFIG, ...options.config, id, voters: this.ids };
      this.nodes.set(id, new HostNode(id, config, options.factory ?? defaultFactory, seed * 100 + id));
    }
  }

  node(id: number): HostNode {
    const node = this.nodes.get(asNodeId(id));
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  raft(id: number): RaftNode {
    return this.node(id).raft;
  }

  /**
   * Drains every node's Readies (advance() may create new work, e.g. a follower's acknowledgement
   * once its entries are durable, so a node is drained until it has none). Returns messages queued.
   */
  flushReadies(): number {
    let queued = 0;
    for (const id of this.ids) {
      const node = this.node(id);
      for (let i = 0; i < 100 && node.raft.hasReady(); i++) {
        for (const m of node.processReady()) {
          this.inFlight.push(m);
          queued++;
        }
      }
    }
    return queued;
  }

  /**
   * One round: drain Readies, then deliver what was in flight (messages across a partition are
   * dropped). Returns the messages in order, each marked delivered or dropped.
   */
  deliverRound(filter?: (m: Message) => boolean): Delivery[] {
    this.flushReadies();
    const batch = this.inFlight;
    this.inFlight = [];
    const out: Delivery[] = [];
    for (const m of batch) {
      if (filter !== undefined && !filter(m)) {
        this.inFlight.push(m);
        continue;
      }
      if (this.isBlocked(m.from, m.to)) {
        out.push({ message: m, dropped: true });
        continue;
      }
      out.push({ message: m, dropped: false });
      this.node(m.to).raft.step(m);
    }
    return out;
  }

  /** Rounds until no node has anything to do. Returns every message sent meanwhile. */
  stabilize(roundsMax = 1000): Delivery[] {
    const all: Delivery[] = [];
    for (let round = 0; round < roundsMax; round++) {
      this.flushReadies();
      if (this.inFlight.length === 0) return all;
      for (const d of this.deliverRound()) all.push(d);
    }
    throw new Error(`stabilize: still busy after ${roundsMax} rounds`);
  }

  tick(id: number, times = 1): void {
    for (let i = 0; i < times; i++) this.raft(id).tick();
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) for (const id of this.ids) this.raft(id).tick();
  }

  /** Ticks `id` until it leaves the follower role (starts a campaign); returns the ticks used. */
  campaign(id: number): number {
    const raft = this.raft(id);
    for (let ticks = 1; ticks <= 1000; ticks++) {
      raft.tick();
      if (raft.role !== 'follower') return ticks;
    }
    throw new Error(`node ${id} never campaigned`);
  }

  /** Elects `id` (campaign + stabilize) and returns it. */
  elect(id: number): RaftNode {
    this.campaign(id);
    this.stabilize();
    const raft = this.raft(id);
    if (raft.role !== 'leader') throw new Error(`node ${id} is ${raft.role} after its campaign`);
    return raft;
  }

  partition(groups: number[][]): void {
    this.blocked.clear();
    for (const a of this.ids) {
      for (const b of this.ids) {
        if (a === b) continue;
        const ga = groups.findIndex((g) => g.includes(a));
        const gb = groups.findIndex((g) => g.includes(b));
        if (ga !== gb) this.blocked.add(`${a}-${b}`);
      }
    }
  }

  isolate(id: number): void {
    this.partition([[id], this.ids.filter((x) => x !== id)]);
  }

  heal(): void {
    this.blocked.clear();
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.has(`${from}-${to}`);
  }
}

export function payloads(...texts: string[]): Uint8Array[] {
  return texts.map((t) => new TextEncoder().encode(t));
}
