// Synthetic runs for ledger tests: producers append in round-robin, every op is acked at the
// index it lands on (1, 2, 3, ...), and each replica gets its own copy of every payload so that
// damaging one replica never touches another.

import type { Ack } from '../../src/check/ledger.js';
import { TAG_BYTES, writeTag } from '../../src/check/tag.js';
import type { EntryTable, ReplicaEntry } from '../../src/drivers/replica-entries.js';

export const PAYLOAD_BYTES = 32;

/** The in-memory twin of ReplicaEntries: a plain array that tests damage freely through `list`. */
export class ArrayEntries implements EntryTable {
  constructor(readonly list: ReplicaEntry[] = []) {}

  get length(): number {
    return this.list.length;
  }

  indexAt(i: number): number {
    return this.list[i]!.index;
  }

  payloadAt(i: number): Uint8Array {
    return this.list[i]!.payload;
  }

  [Symbol.iterator](): IterableIterator<ReplicaEntry> {
    return this.list[Symbol.iterator]();
  }
}

export interface ArrayReplica {
  replica: string;
  entries: ArrayEntries;
}

export interface SyntheticRun {
  acks: Ack[];
  replicas: ArrayReplica[];
}

export function taggedPayload(producer: number, sequence: number, bytes = PAYLOAD_BYTES): Uint8Array {
  const payload = new Uint8Array(bytes);
  writeTag(payload, producer, sequence);
  for (let i = TAG_BYTES; i < bytes; i++) payload[i] = (i * 31 + sequence) & 0xff;
  return payload;
}

/** `ops` appends spread round-robin over `producers`, replicated to `replicaCount` replicas. */
export function syntheticRun(ops: number, producers: number, replicaCount = 3): SyntheticRun {
  const acks: Ack[] = [];
  const order: Array<{ producer: number; sequence: number }> = [];
  for (let i = 0; i < ops; i++) {
    const producer = i % producers;
    const sequence = Math.floor(i / producers);
    acks.push({ producer, sequence, index: i + 1 });
    order.push({ producer, sequence });
  }
  const replicas = Array.from({ length: replicaCount }, (_, r) => ({
    replica: `r${r}`,
    entries: new ArrayEntries(order.map((op, i) => ({ index: i + 1, payload: taggedPayload(op.producer, op.sequence) }))),
  }));
  return { acks, replicas };
}

/** Removes the entry at `index` from a replica (the rest keep their indexes). */
export function removeIndex(replica: ArrayReplica, index: number): void {
  const at = replica.entries.list.findIndex((e) => e.index === index);
  if (at < 0) throw new Error(`replica ${replica.replica} has no index ${index}`);
  replica.entries.list.splice(at, 1);
}

/** Swaps the payloads at two indexes of a replica. */
export function swapIndexes(replica: ArrayReplica, a: number, b: number): void {
  const ea = replica.entries.list.find((e) => e.index === a)!;
  const eb = replica.entries.list.find((e) => e.index === b)!;
  [ea.payload, eb.payload] = [eb.payload, ea.payload];
}
