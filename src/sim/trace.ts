// One-line descriptions of simulator events and messages for `logbench sim --seed S --trace`.
// The text is a pure function of the event, so equal seeds print equal traces.

import { unreachable } from '../assert.js';
import type { Entry, HardState, Message, Ready } from '../raft/types.js';

export function describeMessage(message: Message): string {
  const head = `${message.type} n${message.from}->n${message.to} t${message.term}`;
  switch (message.type) {
    case 'PreVote':
    case 'Vote':
      return `${head} last=${message.lastLogIndex}/${message.lastLogTerm}${message.transfer ? ' transfer' : ''}`;
    case 'PreVoteResp':
    case 'VoteResp':
      return `${head} ${message.reject ? 'reject' : 'grant'}`;
    case 'Append':
      return `${head} prev=${message.prevIndex}/${message.prevTerm} ${describeRange(message.entries)} commit=${message.commit}`;
    case 'AppendResp':
      return message.reject ? `${head} reject hint=${message.hintIndex}/${message.hintTerm}` : `${head} match=${message.matchIndex}`;
    case 'Heartbeat':
      return `${head} commit=${message.commit}`;
    case 'HeartbeatResp':
    case 'TimeoutNow':
      return head;
    default:
      return unreachable(message, 'message type');
  }
}

export function describeRange(entries: readonly Entry[]): string {
  if (entries.length === 0) return 'entries=none';
  const first = entries[0]!;
  const last = entries[entries.length - 1]!;
  return first.term === last.term ? `entries=${first.index}..${last.index}@t${first.term}` : `entries=${first.index}..${last.index}@t${first.term}-${last.term}`;
}

export function describeHardState(hardState: HardState | undefined): string {
  return hardState === undefined ? 'hs=unchanged' : `hs=t${hardState.term}/v${hardState.vote}/c${hardState.commit}`;
}

export function describeReady(ready: Ready): string {
  const committed = ready.committed === undefined ? 'committed=none' : `committed=${ready.committed.from}..${ready.committed.to}`;
  return `${describeHardState(ready.hardState)} ${describeRange(ready.entries)} msgs=${ready.messages.length} ${committed}`;
}
