// The set of blocked directed links (from → to) of a group, as one Int32 word per ordered pair.
// Backed by a SharedArrayBuffer when replicas run in worker threads: the nemesis in the main thread
// changes it and every replica's fault layer sees the change on its next message, with no
// message passing. A plain ArrayBuffer works the same within one thread.
//
// Invariants: ids are in [1, nodeIdMax]; a word is 1 (blocked) or 0; a link to oneself is never blocked.

import { assert } from '../assert.js';
import type { NodeId } from '../types.js';

export class PartitionTable {
  readonly nodeIdMax: number;
  private readonly words: Int32Array;

  /** Wraps `buffer` made by PartitionTable.create (possibly in another thread). */
  constructor(readonly buffer: SharedArrayBuffer | ArrayBuffer) {
    const side = Math.round(Math.sqrt(buffer.byteLength / 4));
    assert(side >= 2 && side * side * 4 === buffer.byteLength, () => `partition table: buffer of ${buffer.byteLength} bytes is not a square table of Int32 words`);
    this.nodeIdMax = side - 1;
    this.words = new Int32Array(buffer);
  }

  static create(nodeIdMax: number, shared = true): PartitionTable {
    assert(Number.isInteger(nodeIdMax) && nodeIdMax >= 1 && nodeIdMax <= 1024, () => `partition table: nodeIdMax ${nodeIdMax} outside [1, 1024]`);
    const bytes = (nodeIdMax + 1) * (nodeIdMax + 1) * 4;
    return new PartitionTable(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return Atomics.load(this.words, this.slot(from, to)) === 1;
  }

  block(from: NodeId, to: NodeId): void {
    if (from !== to) Atomics.store(this.words, this.slot(from, to), 1);
  }

  unblock(from: NodeId, to: NodeId): void {
    Atomics.store(this.words, this.slot(from, to), 0);
  }

  /** Cuts every link to and from `node` (in both directions). */
  isolate(node: NodeId): void {
    for (let other = 1; other <= this.nodeIdMax; other++) {
      if (other === node) continue;
      this.block(node, other as NodeId);
      this.block(other as NodeId, node);
    }
  }

  /** Cuts every link between a member of `groupA` and a member of `groupB`, both directions. */
  split(groupA: readonly NodeId[], groupB: readonly NodeId[]): void {
    for (const a of groupA) {
      for (const b of groupB) {
        assert(a !== b, () => `partition table: node ${a} is in both groups of split`);
        this.block(a, b);
        this.block(b, a);
      }
    }
  }

  /** Unblocks every link. */
  heal(): void {
    for (let i = 0; i < this.words.length; i++) Atomics.store(this.words, i, 0);
  }

  /** Blocked links as "from>to" strings, for logs. */
  blockedLinks(): string[] {
    const out: string[] = [];
    for (let from = 1; from <= this.nodeIdMax; from++) {
      for (let to = 1; to <= this.nodeIdMax; to++) if (this.isBlocked(from as NodeId, to as NodeId)) out.push(`${from}>${to}`);
    }
    return out;
  }

  private slot(from: NodeId, to: NodeId): number {
    assert(from >= 1 && from <= this.nodeIdMax && to >= 1 && to <= this.nodeIdMax, () => `partition table: link ${from}>${to} outside ids [1, ${this.nodeIdMax}]`);
    return from * (this.nodeIdMax + 1) + to;
  }
}
