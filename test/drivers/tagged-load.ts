// Test helpers: a bounded closed-loop load of tagged payloads through a Driver, and a check that
// a replica's read-back holds every acked entry at its acked index, in per-producer order.

import { readTag, writeTag } from '../../src/check/tag.js';
import type { Driver, ReplicaContents } from '../../src/drivers/types.js';

export interface Acked {
  producer: number;
  sequence: number;
  index: number;
  atMs: number;
}

export interface LoadResult {
  acked: Acked[];
  errors: string[];
}

export function taggedPayload(producer: number, sequence: number, bytes = 1024): Uint8Array {
  const payload = new Uint8Array(bytes);
  writeTag(payload, producer, sequence);
  return payload;
}

/** `producers` closed loops; each stops after countMax appends, or when stop() returns true. */
export async function runTaggedLoad(
  driver: Driver,
  opts: { producers: number; countMax: number; stop?: () => boolean; firstProducer?: number; onAck?: (atMs: number) => void },
): Promise<LoadResult> {
  const result: LoadResult = { acked: [], errors: [] };
  const first = opts.firstProducer ?? 0;
  await Promise.all(
    Array.from({ length: opts.producers }, async (_, p) => {
      const producer = first + p;
      for (let sequence = 0; sequence < opts.countMax && !(opts.stop?.() ?? false); sequence++) {
        try {
          const ack = await driver.append(taggedPayload(producer, sequence));
          const atMs = performance.now();
          result.acked.push({ producer, sequence, index: ack.index, atMs });
          opts.onAck?.(atMs);
        } catch (err) {
          result.errors.push(err instanceof Error ? err.message : String(err));
        }
      }
    }),
  );
  return result;
}

/** Problems found: acked entries missing or at another index, and per-producer order breaks. */
export function ledgerProblems(replica: ReplicaContents, acked: readonly Acked[]): string[] {
  const problems: string[] = [];
  const byTag = new Map<string, number[]>();
  for (const e of replica.entries) {
    const tag = readTag(e.payload);
    if (!tag) continue;
    const key = `${tag.producer}/${tag.sequence}`;
    byTag.set(key, [...(byTag.get(key) ?? []), e.index]);
  }
  for (const a of acked) {
    const indexes = byTag.get(`${a.producer}/${a.sequence}`);
    if (!indexes) problems.push(`${replica.replica}: acked ${a.producer}/${a.sequence}@${a.index} missing`);
    else if (indexes.length !== 1) problems.push(`${replica.replica}: ${a.producer}/${a.sequence} present ${indexes.length} times`);
    else if (indexes[0] !== a.index) problems.push(`${replica.replica}: ${a.producer}/${a.sequence} acked at ${a.index}, found at ${indexes[0]}`);
  }
  const lastSeqByProducer = new Map<number, number>();
  for (const e of replica.entries) {
    const tag = readTag(e.payload);
    if (!tag) continue;
    const last = lastSeqByProducer.get(tag.producer) ?? -1;
    if (tag.sequence <= last) problems.push(`${replica.replica}: producer ${tag.producer} sequence ${tag.sequence} after ${last}`);
    lastSeqByProducer.set(tag.producer, tag.sequence);
  }
  return problems;
}

/** (index, producer/sequence) pairs of a replica, to compare replicas' orders. */
export function orderOf(replica: ReplicaContents): string[] {
  return [...replica.entries].map((e) => {
    const tag = readTag(e.payload);
    return `${e.index}:${tag ? `${tag.producer}/${tag.sequence}` : 'untagged'}`;
  });
}
