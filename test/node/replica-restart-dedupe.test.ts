// Exactly-once across a restart: a replica that starts on an existing log must know which requests
// that log already committed. Raft starts with applied = the saved commit index, so the replicated
// state (the dedupe table) has to be rebuilt from the log; without that, a retry of a request
// committed before the restart was committed again and acknowledged at the new index, while the
// log reader (and every replica that never restarted) keeps the first copy.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppendResponse } from '../../src/client/protocol.js';
import { BATCH_HEADER_BYTES, encodeRequestInto, requestBytes, Status, writeBatchCount } from '../../src/client/protocol.js';
import type { ClientLink, ClientPort } from '../../src/node/client-port.js';
import { FileDedupeSnapshots, MemoryDedupeSnapshots } from '../../src/node/dedupe-snapshot.js';
import { Replica } from '../../src/node/replica.js';
import type { ReplicaOptions } from '../../src/node/replica.js';
import { seededRng } from '../../src/prng.js';
import { RaftNode } from '../../src/raft/raft.js';
import { DEFAULT_RAFT_CONFIG } from '../../src/raft/types.js';
import { FileLogStore } from '../../src/storage/file-store.js';
import { asNodeId } from '../../src/types.js';
import { FakeTransport } from './fake-transport.js';

/** A client port driven by the test: send() delivers one request, responses are collected. */
class TestClients implements ClientPort {
  readonly responses: AppendResponse[] = [];
  private handler: ((link: ClientLink, batch: Uint8Array) => void) | undefined;
  private readonly link: ClientLink = {
    id: 1,
    sendResponses: (responses) => {
      this.responses.push(...responses.map((r) => ({ ...r })));
      return true;
    },
  };
  onRequests(handler: (link: ClientLink, batch: Uint8Array) => void): void {
    this.handler = handler;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  send(requestId: number, producer: number, sequence: number): void {
    this.sendMany([{ requestId, producer, sequence }]);
  }
  /** One batch of requests, as a client's ring delivers them. */
  sendMany(requests: readonly { requestId: number; producer: number; sequence: number }[]): void {
    const payload = new Uint8Array(32);
    const batch = new Uint8Array(BATCH_HEADER_BYTES + requests.length * requestBytes(payload.byteLength));
    writeBatchCount(batch, 0, requests.length);
    let offset = BATCH_HEADER_BYTES;
    for (const r of requests) offset += encodeRequestInto(batch, offset, r.requestId, r.producer, r.sequence, payload.fill(r.sequence & 0xff));
    this.handler!(this.link, batch);
  }
  async answer(requestId: number): Promise<AppendResponse> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = this.responses.find((r) => r.requestId === requestId);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no response to request ${requestId}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

let dir = '';
const running: { replica: Replica; store: FileLogStore }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.replica.stop();
    await r.store.close();
  }
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** A single-voter replica on `dir`, started and leader. */
async function startLeader(snapshots?: ReplicaOptions['snapshots']): Promise<{ replica: Replica; store: FileLogStore; clients: TestClients }> {
  const store = await FileLogStore.open({ dir });
  const raft = new RaftNode({ ...DEFAULT_RAFT_CONFIG, id: asNodeId(1), voters: [asNodeId(1)], electionTicks: 3 }, store, store.hardState(), seededRng(1));
  const clients = new TestClients();
  const replica = new Replica(raft, store, new FakeTransport(), clients, { tickMs: 2, commitSaveMs: 0, metaRingEntries: 1024, leaderSpinUsPerBatch: 0, leaderSpinNsPerEntry: 0, leaderRunEntries: 0, ...(snapshots !== undefined ? { snapshots } : {}) }, () => {}, (error) => {
    throw error;
  });
  running.push({ replica, store });
  replica.start();
  const deadline = Date.now() + 5000;
  while (!replica.isLeader) {
    if (Date.now() > deadline) throw new Error('the single replica did not become leader');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return { replica, store, clients };
}

describe('replica restart', () => {
  it('acknowledges a retry of a request committed before the restart at its original index', async () => {
    dir = mkdtempSync(join(tmpdir(), 'logbench-restart-dedupe-'));
    const first = await startLeader();
    const original: number[] = [];
    for (let sequence = 0; sequence < 3; sequence++) {
      first.clients.send(100 + sequence, 7, sequence);
      const response = await first.clients.answer(100 + sequence);
      expect(response.status).toBe(Status.Ok);
      original.push(response.index);
    }
    // Let the commit index reach the hard state (commitSaveMs 0: saved with the next Ready).
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopped = running.pop()!;
    await stopped.replica.stop();
    await stopped.store.close();

    const second = await startLeader();
    // The retry of sequence 1 (its first try was committed) and a new sequence 3.
    second.clients.send(200, 7, 1);
    second.clients.send(201, 7, 3);
    const retried = await second.clients.answer(200);
    const fresh = await second.clients.answer(201);
    expect(retried).toMatchObject({ status: Status.Ok, index: original[1] });
    expect(fresh.status).toBe(Status.Ok);
    expect(fresh.index).toBeGreaterThan(original[2]!);
  });

  it('answers a retry the dedupe table already knows at once, on an idle leader with nothing new to replicate', async () => {
    dir = mkdtempSync(join(tmpdir(), 'logbench-restart-dedupe-'));
    const leader = await startLeader();
    leader.clients.send(300, 5, 0);
    const first = await leader.clients.answer(300);
    expect(first.status).toBe(Status.Ok);
    // Idle: a single voter sends no heartbeats, so no Ready follows unless the retry makes one.
    await new Promise((resolve) => setTimeout(resolve, 50));
    leader.clients.send(301, 5, 0);
    expect(await leader.clients.answer(301)).toMatchObject({ status: Status.Ok, index: first.index });
  });

  it('replays past a read chunk, and a commit saved behind the log (a crash) still dedupes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'logbench-restart-dedupe-'));
    const first = await startLeader();
    const total = 5000; // more than one 4096-entry replay chunk
    for (let from = 0; from < total; from += 500) {
      first.clients.sendMany(Array.from({ length: 500 }, (_, i) => ({ requestId: from + i, producer: 9, sequence: from + i })));
    }
    const acked = await Promise.all([10, 4500, 4990].map((sequence) => first.clients.answer(sequence)));
    for (const response of acked) expect(response.status).toBe(Status.Ok);
    const stopped = running.pop()!;
    await stopped.replica.stop();
    await stopped.store.close();
    // A crash between commit saves: the hard state names an older commit than the log holds.
    const rewind = await FileLogStore.open({ dir });
    const saved = rewind.hardState();
    expect(saved.commit).toBeGreaterThanOrEqual(acked[2]!.index);
    await rewind.setHardState({ ...saved, commit: 3000 as typeof saved.commit });
    await rewind.close();

    const second = await startLeader();
    second.clients.send(90_010, 9, 10); // below the saved commit: known from the replay
    second.clients.send(94_500, 9, 4500); // above it: known once the old entries commit again
    second.clients.send(94_990, 9, 4990);
    const retried = await Promise.all([90_010, 94_500, 94_990].map((id) => second.clients.answer(id)));
    expect(retried.map((r) => [r.status, r.index])).toEqual(acked.map((r) => [Status.Ok, r.index]));
  });

  /** Commits sequences 0..total-1 of producer 9 on a fresh leader; returns the acks of `probe` sequences. */
  async function commitMany(leader: { clients: TestClients }, total: number, probe: number[]): Promise<AppendResponse[]> {
    for (let from = 0; from < total; from += 500) {
      leader.clients.sendMany(Array.from({ length: 500 }, (_, i) => ({ requestId: from + i, producer: 9, sequence: from + i })));
    }
    const acked = await Promise.all(probe.map((sequence) => leader.clients.answer(sequence)));
    for (const response of acked) expect(response.status).toBe(Status.Ok);
    return acked;
  }

  async function stopLast(): Promise<void> {
    const stopped = running.pop()!;
    await stopped.replica.stop();
    await stopped.store.close();
  }

  it('restarts from its dedupe snapshot: replays only the entries after it and still acks retries at their original index', async () => {
    dir = mkdtempSync(join(tmpdir(), 'logbench-restart-dedupe-'));
    const lines: string[] = [];
    const snapshots = { store: new FileDedupeSnapshots(dir), everyEntries: 1000, log: (line: string) => lines.push(line) };
    const first = await startLeader(snapshots);
    const acked = await commitMany(first, 5000, [10, 2500, 4990]);
    // A snapshot is due every 1000 applied entries; one written while more were applied is followed by the next.
    const savedDeadline = Date.now() + 5000;
    const appliedIndexOf = (): number => {
      const loaded = snapshots.store.load();
      return loaded === undefined || typeof loaded === 'string' ? 0 : loaded.appliedIndex;
    };
    while (appliedIndexOf() < 4000) {
      if (Date.now() > savedDeadline) throw new Error(`snapshot through ${appliedIndexOf()} after ${first.replica.stats.snapshotsSaved} saves`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await stopLast();
    const saved = snapshots.store.load();
    if (saved === undefined || typeof saved === 'string') throw new Error(`no snapshot: ${saved}`);

    const second = await startLeader(snapshots);
    expect(second.replica.replayed.fromSnapshot).toBe(saved.appliedIndex);
    expect(second.replica.replayed.entries).toBeLessThan(5002 - 4000);
    [10, 2500, 4990].forEach((sequence, i) => second.clients.send(90_000 + i, 9, sequence));
    const retried = await Promise.all([0, 1, 2].map((i) => second.clients.answer(90_000 + i)));
    expect(retried.map((r) => [r.status, r.index])).toEqual(acked.map((r) => [Status.Ok, r.index]));
    expect(lines).toEqual([]);
  });

  it('a damaged dedupe snapshot is set aside: the whole log is replayed and retries still dedupe', async () => {
    dir = mkdtempSync(join(tmpdir(), 'logbench-restart-dedupe-'));
    const lines: string[] = [];
    const snapshots = { store: new FileDedupeSnapshots(dir), everyEntries: 1000, log: (line: string) => lines.push(line) };
    const first = await startLeader(snapshots);
    const acked = await commitMany(first, 3000, [10, 2990]);
    while (first.replica.stats.snapshotsSaved < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    await stopLast();
    const bytes = readFileSync(snapshots.store.path);
    const header = Buffer.from(bytes);
    header[13]! ^= 0x10; // a flipped bit in the applied index (the header is checksummed too)
    writeFileSync(snapshots.store.path, header);
    expect(snapshots.store.load()).toMatch(/crc mismatch/);
    bytes[bytes.length - 1]! ^= 0x10; // a flipped bit in the table
    writeFileSync(snapshots.store.path, bytes);

    const second = await startLeader(snapshots);
    expect(second.replica.replayed.fromSnapshot).toBe(0);
    expect(second.replica.replayed.entries).toBeGreaterThanOrEqual(3000);
    expect(lines.join('\n')).toMatch(/dedupe snapshot not used \(.*crc mismatch\); replaying the whole committed log/);
    second.clients.send(90_010, 9, 10);
    second.clients.send(92_990, 9, 2990);
    const retried = await Promise.all([90_010, 92_990].map((id) => second.clients.answer(id)));
    expect(retried.map((r) => [r.status, r.index])).toEqual(acked.map((r) => [Status.Ok, r.index]));
  });

  it('a snapshot of another log (the entry at its index has another term) is set aside', async () => {
    dir = mkdtempSync(join(tmpdir(), 'logbench-restart-dedupe-'));
    const lines: string[] = [];
    const store = new MemoryDedupeSnapshots();
    const snapshots = { store, everyEntries: 1000, log: (line: string) => lines.push(line) };
    const first = await startLeader(snapshots);
    const acked = await commitMany(first, 3000, [10, 2990]);
    while (store.saved === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    await stopLast();
    store.saved = { ...store.saved, appliedTerm: store.saved.appliedTerm + 7 };

    const second = await startLeader(snapshots);
    expect(second.replica.replayed.fromSnapshot).toBe(0);
    expect(lines.join('\n')).toMatch(/dedupe snapshot through \d+ \(term \d+\) not used: the entry there has term \d+; replaying the whole committed log/);
    second.clients.send(90_010, 9, 10);
    const retried = await second.clients.answer(90_010);
    expect([retried.status, retried.index]).toEqual([Status.Ok, acked[0]!.index]);
  });
});
