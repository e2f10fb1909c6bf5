// A replica's lazily saved commit index must never carry an older term or vote over a newer one:
// a commit-only hard state waiting for its save interval, then a term change (a granted vote),
// then the save interval passing, once wrote the old term back (the log then held entries of a
// newer term than its hard state, and the vote was undone).

import { afterEach, describe, expect, it } from 'vitest';
import type { ClientPort } from '../../src/node/client-port.js';
import { Replica } from '../../src/node/replica.js';
import { seededRng } from '../../src/prng.js';
import { RaftNode } from '../../src/raft/raft.js';
import type { HardState, Message } from '../../src/raft/types.js';
import { DEFAULT_RAFT_CONFIG } from '../../src/raft/types.js';
import { MemoryLogStore } from '../../src/storage/memory-store.js';
import { NO_LEASE } from '../../src/transport/transport.js';
import { asIndex, asNodeId, asTerm } from '../../src/types.js';
import { FakeTransport } from './fake-transport.js';

class RecordingStore extends MemoryLogStore {
  readonly written: HardState[] = [];
  override setHardState(state: HardState): Promise<void> {
    this.written.push({ ...state });
    return super.setHardState(state);
  }
}

const noClients: ClientPort = { onRequests: () => {}, close: () => Promise.resolve() };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
let replica: Replica | undefined;
afterEach(async () => {
  await replica?.stop();
  replica = undefined;
});

describe('replica hard state', () => {
  it('a commit-only state waiting to be saved is never written after a newer term and vote', async () => {
    const store = new RecordingStore();
    const transport = new FakeTransport();
    const raft = new RaftNode({ ...DEFAULT_RAFT_CONFIG, id: asNodeId(1), voters: [asNodeId(1), asNodeId(2), asNodeId(3)], electionTicks: 1000 }, store, store.hardState(), seededRng(1));
    const fatal: Error[] = [];
    replica = new Replica(raft, store, transport, noClients, { tickMs: 5, commitSaveMs: 40, metaRingEntries: 1024, leaderSpinUsPerBatch: 0, leaderSpinNsPerEntry: 0, leaderRunEntries: 0 }, () => {}, (error) => fatal.push(error));
    replica.start();
    const deliver = async (msg: Message): Promise<void> => {
      transport.handler(msg, NO_LEASE);
      await sleep(15); // the Ready loop runs on setImmediate; the memory store resolves at once
    };
    const entry = (index: number) => ({ index: asIndex(index), term: asTerm(1), data: new Uint8Array(0) });
    const append = (prevIndex: number, entries: ReturnType<typeof entry>[], commit: number): Message => ({ type: 'Append', from: asNodeId(2), to: asNodeId(1), term: asTerm(1), prevIndex: asIndex(prevIndex), prevTerm: asTerm(prevIndex === 0 ? 0 : 1), entries, commit: asIndex(commit) });
    // Term 1 from leader 2: two entries, committed one at a time. The first commit is saved at
    // once; the second waits for the 40 ms save interval.
    await deliver(append(0, [entry(1), entry(2)], 0));
    await deliver(append(2, [], 1));
    await deliver(append(2, [], 2));
    // Node 3 campaigns in term 2 (a transfer, so no leader lease stands in the way): vote granted.
    await deliver({ type: 'Vote', from: asNodeId(3), to: asNodeId(1), term: asTerm(2), lastLogIndex: asIndex(2), lastLogTerm: asTerm(1), transfer: true });
    expect(transport.sent.some((m) => m.type === 'VoteResp' && !m.reject && m.term === 2)).toBe(true);
    // Let the save interval pass with the loop running (ticks schedule it).
    await sleep(100);
    expect(fatal).toEqual([]);
    expect(store.hardState()).toMatchObject({ term: 2, vote: 3 });
    const terms = store.written.map((s) => s.term);
    expect(terms, JSON.stringify(store.written)).toEqual([...terms].sort((a, b) => a - b));
  });
});
