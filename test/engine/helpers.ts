// Shared pieces of the engine integration tests: a built dist/, tagged payloads, and a check that
// every replica's read-back log holds each acked payload exactly once at its acked index.

import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { readTag, TAG_BYTES, writeTag } from '../../src/check/tag.js';
import type { ReplicaContents } from '../../src/drivers/types.js';

export function buildDist(): void {
  execFileSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' });
}

export function taggedPayload(producer: number, sequence: number, sizeBytes = 64): Uint8Array {
  const payload = new Uint8Array(Math.max(TAG_BYTES, sizeBytes));
  writeTag(payload, producer, sequence);
  return payload;
}

export interface Acked {
  producer: number;
  sequence: number;
  index: number;
}

/** Every acked (producer, sequence) at its index on a majority, no tag twice on any replica, prefixes agree. */
export function expectCleanLogs(logs: ReplicaContents[], acked: readonly Acked[]): void {
  const majority = Math.floor(logs.length / 2) + 1;
  const byReplica = logs.map((log) => {
    const byIndex = new Map<number, string>();
    const seen = new Set<string>();
    for (const entry of log.entries) {
      const tag = readTag(entry.payload);
      const key = tag === undefined ? 'untagged' : `${tag.producer}/${tag.sequence}`;
      expect(seen.has(key), `${log.replica}: ${key} present twice`).toBe(false);
      seen.add(key);
      byIndex.set(entry.index, key);
    }
    return byIndex;
  });
  for (const ack of acked) {
    const key = `${ack.producer}/${ack.sequence}`;
    const holders = byReplica.filter((m) => m.get(ack.index) === key).length;
    expect(holders, `ack ${key} at index ${ack.index} held by ${holders} replicas`).toBeGreaterThanOrEqual(majority);
  }
  for (let a = 0; a < byReplica.length; a++) {
    for (let b = a + 1; b < byReplica.length; b++) {
      for (const [index, key] of byReplica[a]!) {
        const other = byReplica[b]!.get(index);
        if (other !== undefined) expect(other, `replicas ${a + 1} and ${b + 1} diverge at index ${index}`).toBe(key);
      }
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
