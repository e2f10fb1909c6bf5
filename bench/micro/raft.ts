// Micro-benchmarks of the raft core's hot paths: a leader of three stepping AppendResp messages
// (each advances the commit index), and a follower stepping 64-entry Appends. The host duties
// (persist into a MemoryLog, advance) are included, so one op is one realistic round.

import type { Bench } from 'tinybench';
import { seededRng } from '../../src/prng.js';
import { MemoryLog } from '../../src/raft/memory-log.js';
import { RaftNode } from '../../src/raft/raft.js';
import type { AppendResponse, Entry, Message, RaftConfig } from '../../src/raft/types.js';
import { DEFAULT_RAFT_CONFIG } from '../../src/raft/types.js';
import type { LogIndex } from '../../src/types.js';
import { asIndex, asNodeId, asTerm } from '../../src/types.js';

const VOTERS = [asNodeId(1), asNodeId(2), asNodeId(3)];
const PAYLOAD = new Uint8Array(128).fill(7);

function config(id: number): RaftConfig {
  return { ...DEFAULT_RAFT_CONFIG, id: asNodeId(id), voters: VOTERS, uncommittedEntriesMax: 1 << 30, inflightMsgsMax: 256 };
}

function drain(node: RaftNode, log: MemoryLog): Message[] {
  const out: Message[] = [];
  while (node.hasReady()) {
    const rd = node.ready();
    if (rd.entries.length > 0) log.append(rd.entries);
    for (const m of rd.messages) out.push(m);
    node.advance(log.lastIndex());
  }
  return out;
}

/** A leader of term 1 over peers 2 and 3 that answer every Append with an acknowledgement. */
function leaderOfThree(): { node: RaftNode; log: MemoryLog } {
  const log = new MemoryLog();
  const node = new RaftNode(config(1), log, { term: asTerm(0), vote: asNodeId(0), commit: asIndex(0) }, seededRng(1));
  while (node.role === 'follower') node.tick();
  drain(node, log);
  node.step({ type: 'PreVoteResp', from: VOTERS[1]!, to: node.id, term: asTerm(1), reject: false });
  drain(node, log);
  node.step({ type: 'VoteResp', from: VOTERS[1]!, to: node.id, term: asTerm(1), reject: false });
  drain(node, log);
  for (const peer of [2, 3]) node.step(ack(peer, node.lastIndex));
  drain(node, log);
  return { node, log };
}

function ack(from: number, matchIndex: LogIndex): AppendResponse {
  return { type: 'AppendResp', from: asNodeId(from), to: asNodeId(1), term: asTerm(1), reject: false, matchIndex, hintIndex: asIndex(0), hintTerm: asTerm(0) };
}

export function register(bench: Bench): void {
  // Leader: propose a batch of 16 ahead, then each op steps one follower's acknowledgement of
  // one more entry, which moves the commit index by one (majority = leader + that follower).
  {
    let { node, log } = leaderOfThree();
    const batch = Array.from({ length: 16 }, () => PAYLOAD);
    let acked = node.commitIndex;
    bench.add('raft: leader steps AppendResp', () => {
      if (acked >= node.lastIndex) {
        if (node.lastIndex > 1_000_000) ({ node, log } = leaderOfThree());
        node.propose(batch);
        drain(node, log);
        acked = node.commitIndex;
      }
      acked = asIndex(acked + 1);
      node.step(ack(2, acked));
      drain(node, log);
    });
  }

  // Follower: each op steps one Append of 64 new entries, persists them and emits the ack.
  {
    const makeFollower = (): { node: RaftNode; log: MemoryLog } => {
      const log = new MemoryLog();
      const node = new RaftNode(config(2), log, { term: asTerm(1), vote: asNodeId(1), commit: asIndex(0) }, seededRng(2));
      return { node, log };
    };
    let { node, log } = makeFollower();
    bench.add('raft: follower steps Append (64 entries)', () => {
      if (node.lastIndex > 1_000_000) ({ node, log } = makeFollower());
      const prevIndex = node.lastIndex;
      const entries: Entry[] = new Array<Entry>(64);
      for (let i = 0; i < 64; i++) entries[i] = { term: asTerm(1), index: asIndex(prevIndex + 1 + i), data: PAYLOAD };
      node.step({ type: 'Append', from: VOTERS[0]!, to: node.id, term: asTerm(1), prevIndex, prevTerm: asTerm(prevIndex === 0 ? 0 : 1), entries, commit: prevIndex });
      drain(node, log);
    });
  }
}
