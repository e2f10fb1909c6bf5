import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/assert.js';
import { seededRng } from '../../src/prng.js';
import { MemoryLog } from '../../src/raft/memory-log.js';
import { RaftNode } from '../../src/raft/raft.js';
import type { AppendRequest, AppendResponse, Entry, HardState, Message, RaftConfig } from '../../src/raft/types.js';
import { DEFAULT_RAFT_CONFIG } from '../../src/raft/types.js';
import type { LogIndex } from '../../src/types.js';
import { asIndex, asNodeId, asTerm, NO_NODE } from '../../src/types.js';
import { Cluster, payloads } from './harness.js';

const n1 = asNodeId(1);
const n2 = asNodeId(2);
const n3 = asNodeId(3);

function config(id: number, voters: number[], overrides: Partial<RaftConfig> = {}): RaftConfig {
  return { ...DEFAULT_RAFT_CONFIG, ...overrides, id: asNodeId(id), voters: voters.map(asNodeId) };
}

function entry(index: number, term: number, text = `e${index}`): Entry {
  return { index: asIndex(index), term: asTerm(term), data: new TextEncoder().encode(text) };
}

function logOf(terms: number[]): MemoryLog {
  const log = new MemoryLog();
  log.append(terms.map((t, i) => entry(i + 1, t)));
  return log;
}

function hard(term: number, vote = 0, commit = 0): HardState {
  return { term: asTerm(term), vote: asNodeId(vote), commit: asIndex(commit) };
}

/** Drives a stand-alone node (peers 2 and 3 answering by hand) to leadership. Returns its messages. */
function makeLeader(node: RaftNode, log: MemoryLog): Message[] {
  while (node.role === 'follower') node.tick();
  const out: Message[] = [];
  const drain = (): void => {
    while (node.hasReady()) {
      const rd = node.ready();
      log.append(rd.entries);
      out.push(...rd.messages);
      node.advance(log.lastIndex());
    }
  };
  drain();
  if (node.role === 'pre-candidate') {
    node.step({ type: 'PreVoteResp', from: n2, to: node.id, term: asTerm(node.term + 1), reject: false });
    drain();
  }
  node.step({ type: 'VoteResp', from: n2, to: node.id, term: node.term, reject: false });
  drain();
  expect(node.role).toBe('leader');
  return out;
}

function appendsTo(messages: Message[], to: number): AppendRequest[] {
  return messages.filter((m): m is AppendRequest => m.type === 'Append' && m.to === to);
}

function ack(from: number, to: number, term: number, matchIndex: number): AppendResponse {
  return { type: 'AppendResp', from: asNodeId(from), to: asNodeId(to), term: asTerm(term), reject: false, matchIndex: asIndex(matchIndex), hintIndex: asIndex(0), hintTerm: asTerm(0) };
}

describe('election', () => {
  it('elects the first node to time out, with a majority of votes', () => {
    const c = new Cluster({ size: 5 });
    c.elect(3);
    expect(c.raft(3).role).toBe('leader');
    for (const id of [1, 2, 4, 5]) {
      expect(c.raft(id).role).toBe('follower');
      expect(c.raft(id).leader).toBe(3);
    }
  });

  it('randomizes the election timeout in [electionTicks, 2 * electionTicks) from the injected rng', () => {
    const timeouts = new Set<number>();
    for (let seed = 0; seed < 50; seed++) {
      const node = new RaftNode(config(1, [1, 2, 3]), new MemoryLog(), hard(0), seededRng(seed));
      let ticks = 0;
      while (node.role === 'follower') {
        node.tick();
        ticks++;
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
      timeouts.add(ticks);
    }
    expect(timeouts.size).toBeGreaterThan(3);
  });

  it('is deterministic for a given seed', () => {
    const run = (): string[] => {
      const c = new Cluster({ size: 3, seed: 7 });
      const trace: string[] = [];
      for (let i = 0; i < 60; i++) {
        c.tickAll();
        for (const d of c.deliverRound()) trace.push(`${d.message.from}>${d.message.to}:${d.message.type}:${d.message.term}`);
      }
      return trace;
    };
    expect(run()).toEqual(run());
  });

  it('puts the vote in a Ready hardState that must be synced before the granting response is sent', () => {
    const node = new RaftNode(config(2, [1, 2, 3]), new MemoryLog(), hard(0), seededRng(1));
    node.step({ type: 'Vote', from: n1, to: n2, term: asTerm(1), lastLogIndex: asIndex(0), lastLogTerm: asTerm(0), transfer: false });
    const rd = node.ready();
    expect(rd.hardState).toEqual(hard(1, 1, 0));
    expect(rd.mustSync).toBe(true);
    expect(rd.messages).toEqual([{ type: 'VoteResp', from: n2, to: n1, term: 1, reject: false }]);
  });

  it('grants at most one vote per term', () => {
    const node = new RaftNode(config(2, [1, 2, 3]), new MemoryLog(), hard(0), seededRng(1));
    node.step({ type: 'Vote', from: n1, to: n2, term: asTerm(1), lastLogIndex: asIndex(0), lastLogTerm: asTerm(0), transfer: false });
    node.step({ type: 'Vote', from: n3, to: n2, term: asTerm(1), lastLogIndex: asIndex(5), lastLogTerm: asTerm(1), transfer: false });
    const responses = node.ready().messages.map((m) => [m.to, m.type === 'VoteResp' && m.reject]);
    expect(responses).toEqual([
      [1, false],
      [3, true],
    ]);
  });

  it('rejects a candidate whose log is less up to date', () => {
    const node = new RaftNode(config(2, [1, 2, 3]), logOf([1, 1, 2]), hard(2), seededRng(1));
    node.step({ type: 'Vote', from: n1, to: n2, term: asTerm(3), lastLogIndex: asIndex(5), lastLogTerm: asTerm(1), transfer: false });
    expect(node.ready().messages).toEqual([{ type: 'VoteResp', from: n2, to: n1, term: 3, reject: true }]);
  });
});

describe('pre-vote and leader lease', () => {
  it('keeps a partitioned node from raising its term, so it cannot depose the leader on return', () => {
    const c = new Cluster({ size: 3 });
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 100; i++) {
      c.tickAll();
      c.stabilize();
    }
    expect(c.raft(3).term).toBe(1);
    c.heal();
    for (let i = 0; i < 5; i++) {
      c.tickAll();
      c.stabilize();
    }
    expect(c.raft(1).role).toBe('leader');
    expect(c.raft(1).term).toBe(1);
    expect(c.raft(3).leader).toBe(1);
  });

  it('without pre-vote the same partition raises the term and deposes the leader', () => {
    const c = new Cluster({ size: 3, config: { preVote: false, checkQuorum: false } });
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 100; i++) {
      c.tickAll();
      c.stabilize();
    }
    expect(c.raft(3).term).toBeGreaterThan(1);
    c.heal();
    for (let i = 0; i < 30; i++) {
      c.tickAll();
      c.stabilize();
    }
    expect(c.raft(1).term).toBeGreaterThan(1);
    expect(c.raft(1).role).not.toBe('leader');
  });

  it('a follower in its leader lease ignores a higher-term vote request', () => {
    const c = new Cluster({ size: 3 });
    c.elect(1);
    const follower = c.raft(2);
    follower.step({ type: 'Vote', from: n3, to: n2, term: asTerm(5), lastLogIndex: asIndex(10), lastLogTerm: asTerm(4), transfer: false });
    expect(follower.term).toBe(1);
    expect(follower.hasReady()).toBe(false);
  });

  it('a follower in its lease grants a vote marked as a leadership transfer', () => {
    const c = new Cluster({ size: 3 });
    c.elect(1);
    const follower = c.raft(2);
    follower.step({ type: 'Vote', from: n3, to: n2, term: asTerm(2), lastLogIndex: asIndex(10), lastLogTerm: asTerm(1), transfer: true });
    expect(follower.term).toBe(2);
    expect(follower.ready().messages).toEqual([{ type: 'VoteResp', from: n2, to: n3, term: 2, reject: false }]);
  });
});

describe('check-quorum', () => {
  it('a leader that hears from no majority within electionTicks steps down', () => {
    const c = new Cluster({ size: 3 });
    c.elect(1);
    c.isolate(1);
    let ticks = 0;
    while (c.raft(1).role === 'leader' && ticks < 100) {
      c.tick(1);
      c.stabilize();
      ticks++;
    }
    expect(c.raft(1).role).toBe('follower');
    expect(ticks).toBeLessThanOrEqual(20);
  });

  it('a leader that hears from a majority stays', () => {
    const c = new Cluster({ size: 5 });
    c.elect(1);
    c.partition([[1, 2, 3], [4, 5]]);
    for (let i = 0; i < 50; i++) {
      c.tick(1);
      c.stabilize();
    }
    expect(c.raft(1).role).toBe('leader');
  });
});

describe('replication', () => {
  it('replicates and commits proposals on every node, in order', () => {
    const c = new Cluster({ size: 3 });
    c.elect(1);
    for (let i = 0; i < 5; i++) {
      expect(c.raft(1).propose(payloads(`a${i}`, `b${i}`)).ok).toBe(true);
      c.stabilize();
    }
    for (const id of [1, 2, 3]) {
      const texts = c.node(id).applied.filter((e) => e.data.byteLength > 0).map((e) => new TextDecoder().decode(e.data));
      expect(texts).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'a4', 'b4']);
      expect(c.raft(id).commitIndex).toBe(11);
    }
  });

  it('bounds one Append by batchEntriesMax and batchBytesMax', () => {
    const c = new Cluster({ size: 3, config: { batchEntriesMax: 4, batchBytesMax: 10 } });
    c.elect(1);
    c.raft(1).propose(payloads('aaaa', 'bbbb', 'cccc', 'd', 'e', 'f', 'g', 'h'));
    const appends = appendsTo(c.node(1).processReady(), 2);
    expect(appends.map((m) => m.entries.length)).toEqual([2, 4, 2]);
  });

  it('a new leader probes one Append at a time, then streams once the follower accepts (probe -> replicate)', () => {
    const log = new MemoryLog();
    const leader = new RaftNode(config(1, [1, 2, 3]), log, hard(0), seededRng(1));
    makeLeader(leader, log);
    expect(leader.status().progress![0]!.state).toBe('probe');
    leader.propose(payloads('a'));
    const first = leader.ready();
    expect(appendsTo(first.messages, 2)).toEqual([]); // probe outstanding: paused
    log.append(first.entries);
    leader.advance(asIndex(2));
    leader.step(ack(2, 1, 1, 1));
    expect(leader.status().progress![0]!.state).toBe('replicate');
    const sent = appendsTo(leader.ready().messages, 2);
    leader.advance(asIndex(2));
    expect(sent.map((m) => m.entries.map((e) => e.index))).toEqual([[2]]);
    leader.propose(payloads('b'));
    leader.propose(payloads('c'));
    // Replicate: each proposal goes out at once, without waiting for an acknowledgement.
    expect(appendsTo(leader.ready().messages, 2).map((m) => m.entries.map((e) => e.index))).toEqual([[3], [4]]);
  });

  it('limits the in-flight window by message count', () => {
    const c = new Cluster({ size: 3, config: { inflightMsgsMax: 3, batchEntriesMax: 1 } });
    c.elect(1);
    c.partition([[1, 2], [3]]);
    c.raft(1).propose(payloads('a', 'b', 'c', 'd', 'e', 'f', 'g'));
    const sent = c.node(1).processReady();
    expect(appendsTo(sent, 3)).toHaveLength(3);
    expect(appendsTo(sent, 2)).toHaveLength(3);
    expect(c.raft(1).status().progress![1]!.inflightMsgs).toBe(3);
  });

  it('limits the in-flight window by bytes', () => {
    const c = new Cluster({ size: 3, config: { inflightBytesMax: 100, batchEntriesMax: 1 } });
    c.elect(1);
    const fifty = new Uint8Array(50).fill(1);
    c.raft(1).propose([fifty, fifty, fifty, fifty]);
    const sent = c.node(1).processReady();
    expect(appendsTo(sent, 3)).toHaveLength(2);
    expect(c.raft(1).status().progress![1]!.inflightBytes).toBe(100);
  });

  it('an acknowledgement frees the window and the leader sends the rest', () => {
    const c = new Cluster({ size: 3, config: { inflightMsgsMax: 2, batchEntriesMax: 1 } });
    c.elect(1);
    c.raft(1).propose(payloads('a', 'b', 'c', 'd', 'e'));
    c.stabilize();
    for (const id of [2, 3]) expect(c.raft(id).lastIndex).toBe(6);
    expect(c.raft(1).commitIndex).toBe(6);
  });

  it('a follower acknowledges entries only after advance() reports them durable', () => {
    const follower = new RaftNode(config(2, [1, 2, 3]), new MemoryLog(), hard(1, 1), seededRng(1));
    follower.step({ type: 'Append', from: n1, to: n2, term: asTerm(1), prevIndex: asIndex(0), prevTerm: asTerm(0), entries: [entry(1, 1), entry(2, 1)], commit: asIndex(0) });
    const rd = follower.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([1, 2]);
    expect(rd.messages).toEqual([]);
    follower.advance(asIndex(0));
    expect(follower.hasReady()).toBe(false);
  });

  it('a follower acknowledges the durable prefix as soon as advance() reports it', () => {
    const log = new MemoryLog();
    const follower = new RaftNode(config(2, [1, 2, 3]), log, hard(1, 1), seededRng(1));
    follower.step({ type: 'Append', from: n1, to: n2, term: asTerm(1), prevIndex: asIndex(0), prevTerm: asTerm(0), entries: [entry(1, 1), entry(2, 1)], commit: asIndex(0) });
    const rd = follower.ready();
    log.append(rd.entries);
    follower.advance(asIndex(2));
    expect(follower.ready().messages).toEqual([ack(2, 1, 1, 2)]);
  });
});

describe('conflict back-off', () => {
  it('uses the follower hint to skip a whole divergent term in one round trip', () => {
    // Leader: 1/1 2/1 3/1 4/4 5/4 6/4; follower diverged with six entries of term 2.
    const leaderLog = logOf([1, 1, 1, 4, 4, 4]);
    const leader = new RaftNode(config(1, [1, 2, 3]), leaderLog, hard(4), seededRng(1));
    const followerLog = logOf([1, 1, 1, 2, 2, 2, 2, 2, 2]);
    const follower = new RaftNode(config(2, [1, 2, 3]), followerLog, hard(4), seededRng(2));
    const toFollower = appendsTo(makeLeader(leader, leaderLog), 2);
    let rejections = 0;
    let inbox: Message[] = toFollower;
    for (let round = 0; round < 10 && inbox.length > 0; round++) {
      for (const m of inbox) follower.step(m);
      const frd = follower.ready();
      followerLog.append(frd.entries);
      follower.advance(followerLog.lastIndex());
      const replies = [...frd.messages];
      while (follower.hasReady()) {
        const more = follower.ready();
        followerLog.append(more.entries);
        follower.advance(followerLog.lastIndex());
        replies.push(...more.messages);
      }
      rejections += replies.filter((m) => m.type === 'AppendResp' && m.reject).length;
      for (const r of replies) leader.step(r);
      const lrd = leader.ready();
      leaderLog.append(lrd.entries);
      leader.advance(leaderLog.lastIndex());
      inbox = appendsTo(lrd.messages, 2);
    }
    expect(rejections).toBe(1);
    expect(follower.entries(asIndex(1), follower.lastIndex).map((e) => e.term)).toEqual([1, 1, 1, 4, 4, 4, 5]);
  });

  it('the follower hint names the last entry whose term is <= the probe term', () => {
    const log = logOf([1, 1, 1, 2, 2, 2, 2, 2, 2]);
    const follower = new RaftNode(config(2, [1, 2, 3]), log, hard(4), seededRng(1));
    follower.step({ type: 'Append', from: n1, to: n2, term: asTerm(5), prevIndex: asIndex(6), prevTerm: asTerm(4), entries: [], commit: asIndex(0) });
    const reply = follower.ready().messages[0] as AppendResponse;
    expect(reply).toMatchObject({ reject: true, matchIndex: 6, hintIndex: 6, hintTerm: 2 });
  });

  it('a follower overwrites a conflicting suffix and the Ready hands out entries from the conflict', () => {
    const log = logOf([1, 1, 2, 2]);
    const follower = new RaftNode(config(2, [1, 2, 3]), log, hard(2), seededRng(1));
    follower.step({ type: 'Append', from: n1, to: n2, term: asTerm(3), prevIndex: asIndex(2), prevTerm: asTerm(1), entries: [entry(3, 3), entry(4, 3), entry(5, 3)], commit: asIndex(2) });
    expect(follower.persistedIndex).toBe(2);
    // A late report about the replaced suffix (index 4 of term 2) must not count as durable.
    follower.advance(asIndex(4));
    expect(follower.persistedIndex).toBe(2);
    const rd = follower.ready();
    expect(rd.entries.map((e) => `${e.index}/${e.term}`)).toEqual(['3/3', '4/3', '5/3']);
    log.append(rd.entries);
    follower.advance(asIndex(5));
    expect(follower.persistedIndex).toBe(5);
  });
});

describe('advance protocol', () => {
  it('reporting a replaced entry durable after its replacement was handed out is an error', () => {
    const log = logOf([1, 1, 2, 2]);
    const follower = new RaftNode(config(2, [1, 2, 3]), log, hard(2), seededRng(1));
    follower.step({ type: 'Append', from: n1, to: n2, term: asTerm(3), prevIndex: asIndex(2), prevTerm: asTerm(1), entries: [entry(3, 3), entry(4, 3)], commit: asIndex(2) });
    follower.ready();
    expect(() => follower.advance(asIndex(4))).toThrow(/StableLog has term 2 at 4/);
  });
});

describe('commit', () => {
  it('does not commit an earlier-term entry by counting replicas (Figure 8), only with a current-term entry', () => {
    // Node 1 has 1/1 2/2 (2/2 never committed) and becomes leader in term 3.
    const log = logOf([1, 2]);
    const leader = new RaftNode(config(1, [1, 2, 3]), log, hard(2, 0, 1), seededRng(1));
    makeLeader(leader, log);
    expect(leader.term).toBe(3);
    // Follower 2 reports it holds 2/2: a majority has index 2, but it is of term 2.
    leader.step(ack(2, 1, 3, 2));
    expect(leader.commitIndex).toBe(1);
    // Once the term-3 no-op at 3 is on a majority, everything up to it commits.
    leader.step(ack(2, 1, 3, 3));
    expect(leader.commitIndex).toBe(3);
  });

  it('the leader counts its own log only through what advance() reported durable', () => {
    const log = new MemoryLog();
    const leader = new RaftNode(config(1, [1, 2, 3]), log, hard(0), seededRng(1));
    makeLeader(leader, log);
    leader.step(ack(2, 1, 1, 1));
    while (leader.hasReady()) {
      const rd = leader.ready();
      log.append(rd.entries);
      leader.advance(log.lastIndex());
    }
    leader.propose(payloads('a', 'b'));
    const rd = leader.ready(); // the write of 2..3 is in flight, not durable
    leader.advance(asIndex(1));
    leader.step(ack(2, 1, 1, 3));
    expect(leader.commitIndex).toBe(1); // follower 2 alone is no majority
    log.append(rd.entries);
    leader.advance(asIndex(3));
    expect(leader.commitIndex).toBe(3);
  });

  it('reports a committed range only once it is durable locally', () => {
    const log = new MemoryLog();
    const follower = new RaftNode(config(2, [1, 2, 3]), log, hard(1, 1), seededRng(1));
    follower.step({ type: 'Append', from: n1, to: n2, term: asTerm(1), prevIndex: asIndex(0), prevTerm: asTerm(0), entries: [entry(1, 1), entry(2, 1)], commit: asIndex(2) });
    expect(follower.commitIndex).toBe(2);
    const rd = follower.ready();
    expect(rd.committed).toBeUndefined();
    expect(rd.hardState?.commit ?? 0).toBe(0);
    log.append(rd.entries);
    follower.advance(asIndex(2));
    expect(follower.ready().committed).toEqual({ from: 1, to: 2 });
  });

  it('a test subclass can break the quorum rule through quorumMatchIndex', () => {
    class CommitsAlone extends RaftNode {
      protected override quorumMatchIndex(matches: LogIndex[]): LogIndex {
        return asIndex(Math.max(...matches));
      }
    }
    const log = new MemoryLog();
    const leader = new CommitsAlone(config(1, [1, 2, 3]), log, hard(0), seededRng(1));
    makeLeader(leader, log);
    leader.propose(payloads('a'));
    const rd = leader.ready();
    log.append(rd.entries);
    leader.advance(asIndex(2));
    expect(leader.commitIndex).toBe(2); // no follower acknowledged anything
  });
});

describe('leadership transfer', () => {
  it('catches the target up, then it campaigns at once and wins', () => {
    const c = new Cluster({ size: 3 });
    c.elect(1);
    c.isolate(3);
    c.raft(1).propose(payloads('a', 'b'));
    c.stabilize();
    c.heal();
    c.raft(1).transferLeadership(n3);
    expect(c.raft(1).propose(payloads('c'))).toEqual({ ok: false, reason: 'transferring', leader: 1 });
    c.stabilize();
    expect(c.raft(3).role).toBe('leader');
    expect(c.raft(3).term).toBe(2);
    expect(c.raft(1).leader).toBe(3);
  });

  it('is abandoned after electionTicks when the target does not take over', () => {
    const c = new Cluster({ size: 3 });
    c.elect(1);
    c.isolate(3);
    c.raft(1).transferLeadership(n3);
    expect(c.raft(1).status().transferee).toBe(3);
    for (let i = 0; i < 10; i++) {
      c.tick(1);
      c.stabilize();
    }
    expect(c.raft(1).status().transferee).toBe(NO_NODE);
    expect(c.raft(1).propose(payloads('x')).ok).toBe(true);
  });
});

describe('back-pressure', () => {
  it('refuses proposals beyond uncommittedEntriesMax as overloaded', () => {
    const c = new Cluster({ size: 3, config: { uncommittedEntriesMax: 5 } });
    c.elect(1);
    c.isolate(1);
    expect(c.raft(1).propose(payloads('a', 'b', 'c')).ok).toBe(true);
    expect(c.raft(1).propose(payloads('d', 'e', 'f'))).toEqual({ ok: false, reason: 'overloaded', leader: 1 });
    expect(c.raft(1).propose(payloads('d', 'e')).ok).toBe(true);
  });

  it('refuses proposals on a follower as not-leader, naming the leader', () => {
    const c = new Cluster({ size: 3 });
    c.elect(2);
    expect(c.raft(1).propose(payloads('a'))).toEqual({ ok: false, reason: 'not-leader', leader: 2 });
  });
});

describe('single-voter group', () => {
  it('elects itself and commits on its own persistence', () => {
    const log = new MemoryLog();
    const node = new RaftNode(config(1, [1]), log, hard(0), seededRng(1));
    while (node.role !== 'leader') node.tick();
    const result = node.propose(payloads('a'));
    expect(result).toMatchObject({ ok: true, firstIndex: 2, lastIndex: 2 });
    const rd = node.ready();
    expect(rd.messages).toEqual([]);
    expect(node.commitIndex).toBe(0);
    log.append(rd.entries);
    node.advance(asIndex(2));
    expect(node.commitIndex).toBe(2);
    expect(node.ready().committed).toEqual({ from: 1, to: 2 });
  });
});

describe('boundaries', () => {
  it('accepts groups of 1, 3, 5 and 7 voters only', () => {
    for (const size of [1, 3, 5, 7]) {
      const voters = Array.from({ length: size }, (_, i) => i + 1);
      expect(() => new RaftNode(config(1, voters), new MemoryLog(), hard(0), seededRng(1))).not.toThrow();
    }
    for (const size of [2, 4, 6]) {
      const voters = Array.from({ length: size }, (_, i) => i + 1);
      expect(() => new RaftNode(config(1, voters), new MemoryLog(), hard(0), seededRng(1))).toThrow(/voters/);
    }
  });

  it('rejects an Append whose entries are not contiguous', () => {
    const node = new RaftNode(config(2, [1, 2, 3]), new MemoryLog(), hard(1), seededRng(1));
    const bad: Message = { type: 'Append', from: n1, to: n2, term: asTerm(1), prevIndex: asIndex(0), prevTerm: asTerm(0), entries: [entry(1, 1), entry(3, 1)], commit: asIndex(0) };
    expect(() => node.step(bad)).toThrow(AssertionError);
  });

  it('rejects an Append whose entry terms go back', () => {
    const node = new RaftNode(config(2, [1, 2, 3]), new MemoryLog(), hard(2), seededRng(1));
    const bad: Message = { type: 'Append', from: n1, to: n2, term: asTerm(2), prevIndex: asIndex(0), prevTerm: asTerm(0), entries: [entry(1, 2), entry(2, 1)], commit: asIndex(0) };
    expect(() => node.step(bad)).toThrow(/term/);
  });

  it('rejects a message from a non-member', () => {
    const node = new RaftNode(config(2, [1, 2, 3]), new MemoryLog(), hard(1), seededRng(1));
    expect(() => node.step({ type: 'HeartbeatResp', from: asNodeId(9), to: n2, term: asTerm(1) })).toThrow(/not a peer/);
  });

  it('rejects ready() while the previous Ready is not advanced', () => {
    const node = new RaftNode(config(1, [1, 2, 3]), new MemoryLog(), hard(0), seededRng(1));
    node.ready();
    expect(() => node.ready()).toThrow(/advance/);
  });

  it('rejects advance() beyond any index handed out', () => {
    const node = new RaftNode(config(1, [1, 2, 3]), new MemoryLog(), hard(0), seededRng(1));
    node.ready();
    expect(() => node.advance(asIndex(3))).toThrow(/handed out/);
  });

  it('rejects a hard state whose commit is beyond the stored log', () => {
    expect(() => new RaftNode(config(1, [1, 2, 3]), logOf([1]), hard(1, 0, 5), seededRng(1))).toThrow(/HardState.commit/);
  });

  it('restarts from the stored log and hard state', () => {
    const c = new Cluster({ size: 3 });
    c.elect(1);
    c.raft(1).propose(payloads('a', 'b'));
    c.stabilize();
    c.node(2).restart();
    expect(c.raft(2).lastIndex).toBe(3);
    expect(c.raft(2).term).toBe(1);
    expect(c.raft(2).votedFor).toBe(1);
    c.raft(1).propose(payloads('c'));
    c.stabilize();
    expect(c.raft(2).commitIndex).toBe(4);
  });
});

