// Seeded generator of valid raft messages of every type, for codec and transport tests.

import type { Rng } from '../../src/prng.js';
import type { Entry, Message, MessageType } from '../../src/raft/types.js';
import { asIndex, asNodeId, asTerm } from '../../src/types.js';

export const ALL_TYPES: readonly MessageType[] = ['PreVote', 'PreVoteResp', 'Vote', 'VoteResp', 'Append', 'AppendResp', 'Heartbeat', 'HeartbeatResp', 'TimeoutNow'];

function bigish(rng: Rng): number {
  // Mix small values with values above 2^32, to exercise the high word of u64 fields.
  return rng.chance(0.2) ? 4294967296 * rng.int(1 << 20) + rng.int(1 << 30) : rng.int(1000);
}

export function randomEntries(rng: Rng, prevIndex: number, term: number, count: number, bodyBytesMax: number): Entry[] {
  const entries: Entry[] = [];
  let entryTerm = Math.max(0, term - rng.int(3));
  for (let i = 0; i < count; i++) {
    if (entryTerm < term && rng.chance(0.2)) entryTerm++;
    const data = new Uint8Array(rng.int(bodyBytesMax + 1));
    for (let b = 0; b < data.length; b++) data[b] = rng.int(256);
    entries.push({ index: asIndex(prevIndex + 1 + i), term: asTerm(entryTerm), data });
  }
  return entries;
}

export function randomMessage(rng: Rng, type: MessageType = ALL_TYPES[rng.int(ALL_TYPES.length)]!, from = 1 + rng.int(7), to = ((from + rng.int(6)) % 7) + 1): Message {
  const base = { from: asNodeId(from), to: asNodeId(to), term: asTerm(bigish(rng) + 3) };
  switch (type) {
    case 'PreVote':
    case 'Vote':
      return { ...base, type, lastLogIndex: asIndex(bigish(rng)), lastLogTerm: asTerm(bigish(rng)), transfer: rng.chance(0.5) };
    case 'PreVoteResp':
    case 'VoteResp':
      return { ...base, type, reject: rng.chance(0.5) };
    case 'Append': {
      const prevIndex = bigish(rng);
      const entries = randomEntries(rng, prevIndex, base.term, rng.int(6), 300);
      const prevTerm = Math.min(entries[0]?.term ?? base.term, rng.int(base.term + 1));
      return { ...base, type, prevIndex: asIndex(prevIndex), prevTerm: asTerm(prevTerm), commit: asIndex(bigish(rng)), entries };
    }
    case 'AppendResp':
      return { ...base, type, reject: rng.chance(0.5), matchIndex: asIndex(bigish(rng)), hintIndex: asIndex(bigish(rng)), hintTerm: asTerm(bigish(rng)) };
    case 'Heartbeat':
      return { ...base, type, commit: asIndex(bigish(rng)) };
    case 'HeartbeatResp':
    case 'TimeoutNow':
      return { ...base, type };
  }
}

/** Plain-object form for deep equality (entries compared by bytes, frame/framesView dropped). */
export function comparable(msg: Message): unknown {
  if (msg.type !== 'Append') return { ...msg };
  const { type, from, to, term, prevIndex, prevTerm, commit } = msg;
  return { type, from, to, term, prevIndex, prevTerm, commit, entries: msg.entries.map((e) => ({ index: e.index, term: e.term, data: Array.from(e.data) })) };
}
