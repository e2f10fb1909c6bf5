// Interpreter of text scenarios (test/raft/scenarios/*.txt), in the style of etcd-io/raft's
// datadriven interaction tests. A file is a sequence of blocks:
//
//   # comment lines (kept as they are)
//   > command args
//   expected output lines
//
// A block's output is what the command printed. Every command also prints the role/term changes
// it caused ("~ 2: follower t1 -> leader t2"). With REWRITE=1 the file is rewritten with the
// actual output. Commands:
//   group <size> [key=value ...]   start a group (config overrides, e.g. preVote=false, seed=3)
//   tick <id|all> [xN]             logical ticks, no delivery
//   campaign <id>                  tick <id> until it starts a campaign (prints the ticks used)
//   deliver [<from>-><to>]         drain Readies, deliver the messages in flight once (optionally only from->to)
//   stabilize                      deliver until quiet, printing every delivered message
//   propose <id> <payload...>      propose one entry per payload
//   transfer <leader> <target>     transferLeadership
//   partition <ids> | <ids> ...    drop messages between groups; `heal` ends it
//   hold <id> / release <id>       hold a node's writes back (not durable) / store them
//   restart <id>                   crash (lose unstored writes) and restart from stored state
//   status [ids...]                role, term, commit, persisted, last; leader's follower progress
//   log <id>                       the node's log (index/term:payload; "-" is a leader no-op)
//   drop                           discard the messages in flight

import type { Entry, Message } from '../../src/raft/types.js';
import { asIndex, asNodeId } from '../../src/types.js';
import type { NodeId } from '../../src/types.js';
import { Cluster, payloads } from './harness.js';
import type { Delivery } from './harness.js';

export interface Block {
  comments: string[];
  command: string;
  expected: string[];
}

export function parseScenario(text: string): Block[] {
  const blocks: Block[] = [];
  let comments: string[] = [];
  let current: Block | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('> ')) {
      current = { comments, command: line.slice(2).trim(), expected: [] };
      blocks.push(current);
      comments = [];
    } else if (line.startsWith('#')) {
      current = undefined;
      comments.push(line);
    } else if (line.trim() === '') {
      current = undefined;
      if (comments.length > 0) comments.push('');
    } else if (current !== undefined) {
      current.expected.push(line);
    } else {
      throw new Error(`scenario: output line outside a block: ${JSON.stringify(line)}`);
    }
  }
  return blocks;
}

export function formatScenario(blocks: Array<Block & { actual: string[] }>): string {
  const out: string[] = [];
  for (const b of blocks) {
    const comments = [...b.comments];
    while (comments.length > 0 && comments[comments.length - 1] === '') comments.pop();
    out.push(...comments);
    out.push(`> ${b.command}`);
    out.push(...b.actual);
    out.push('');
  }
  return out.join('\n');
}

export class ScenarioRunner {
  private cluster: Cluster | undefined;

  run(blocks: Block[]): Array<Block & { actual: string[] }> {
    return blocks.map((b) => ({ ...b, actual: this.execute(b.command) }));
  }

  execute(command: string): string[] {
    const [name, ...args] = command.split(/\s+/);
    if (name === 'group') return this.group(args);
    const cluster = this.requireCluster();
    const before = this.snapshotRoles(cluster);
    const out = this.dispatch(cluster, name!, args);
    for (const id of cluster.ids) {
      const was = before.get(id)!;
      const raft = cluster.raft(id);
      const now = `${raft.role} t${raft.term}`;
      if (was !== now) out.push(`~ ${id}: ${was} -> ${now}`);
    }
    return out;
  }

  private group(args: string[]): string[] {
    const size = Number(args[0]);
    const config: Record<string, number | boolean> = {};
    let seed = 1;
    for (const kv of args.slice(1)) {
      const [key, raw] = kv.split('=');
      const value = raw === 'true' ? true : raw === 'false' ? false : Number(raw);
      if (key === 'seed') seed = value as number;
      else config[key!] = value;
    }
    this.cluster = new Cluster({ size, config, seed });
    return [`group of ${size}: ${this.cluster.ids.join(' ')}`];
  }

  private requireCluster(): Cluster {
    if (this.cluster === undefined) throw new Error('scenario: no group (start with `group <size>`)');
    return this.cluster;
  }

  private snapshotRoles(cluster: Cluster): Map<NodeId, string> {
    const roles = new Map<NodeId, string>();
    for (const id of cluster.ids) {
      const raft = cluster.raft(id);
      roles.set(id, `${raft.role} t${raft.term}`);
    }
    return roles;
  }

  private dispatch(cluster: Cluster, name: string, args: string[]): string[] {
    switch (name) {
      case 'tick': {
        const times = args[1] !== undefined ? Number(args[1].replace(/^x/, '')) : 1;
        if (args[0] === 'all') cluster.tickAll(times);
        else cluster.tick(Number(args[0]), times);
        return [];
      }
      case 'campaign':
        return [`ticks ${cluster.campaign(Number(args[0]))}`];
      case 'deliver': {
        let filter: ((m: Message) => boolean) | undefined;
        if (args[0] !== undefined) {
          const [from, to] = args[0].split('->').map(Number);
          filter = (m) => m.from === from && m.to === to;
        }
        return cluster.deliverRound(filter).map(formatDelivery);
      }
      case 'stabilize':
        return cluster.stabilize().map(formatDelivery);
      case 'drop': {
        cluster.flushReadies();
        const n = cluster.inFlight.length;
        cluster.inFlight = [];
        return [`dropped ${n}`];
      }
      case 'propose': {
        const result = cluster.raft(Number(args[0])).propose(payloads(...args.slice(1)));
        if (result.ok) return [`ok ${result.firstIndex}..${result.lastIndex} t${result.term}`];
        return [`refused ${result.reason} (leader ${result.leader})`];
      }
      case 'transfer':
        cluster.raft(Number(args[0])).transferLeadership(asNodeId(Number(args[1])));
        return [];
      case 'partition': {
        const groups = args.join(' ').split('|').map((g) => g.trim().split(/\s+/).map(Number));
        cluster.partition(groups);
        return [];
      }
      case 'heal':
        cluster.heal();
        return [];
      case 'hold':
        cluster.node(Number(args[0])).holding = true;
        return [];
      case 'release':
        cluster.node(Number(args[0])).release();
        return [];
      case 'restart':
        cluster.node(Number(args[0])).restart();
        return [];
      case 'status': {
        const ids = args.length > 0 ? args.map(Number) : cluster.ids;
        return ids.flatMap((id) => formatStatus(cluster, id));
      }
      case 'log': {
        const raft = cluster.raft(Number(args[0]));
        const entries = raft.entries(asIndex(1), raft.lastIndex);
        return [entries.length === 0 ? '(empty)' : entries.map(formatEntry).join(' ')];
      }
      default:
        throw new Error(`scenario: unknown command ${JSON.stringify(name)}`);
    }
  }
}

function formatStatus(cluster: Cluster, id: number): string[] {
  const s = cluster.raft(id).status();
  const lines = [`${id}: ${s.role} t${s.term} vote ${s.vote} leader ${s.leader} commit ${s.commit} persisted ${s.persisted} last ${s.lastIndex}${s.transferee !== 0 ? ` transferring to ${s.transferee}` : ''}`];
  for (const p of s.progress ?? []) {
    lines.push(`   -> ${p.id}: ${p.state} match ${p.match} next ${p.next} inflight ${p.inflightMsgs}`);
  }
  return lines;
}

const decoder = new TextDecoder();

function formatEntry(e: Entry): string {
  return `${e.index}/${e.term}:${e.data.byteLength === 0 ? '-' : decoder.decode(e.data)}`;
}

function formatDelivery(d: Delivery): string {
  return d.dropped ? `${formatMessage(d.message)}  (dropped)` : formatMessage(d.message);
}

export function formatMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} t${m.term}`;
  switch (m.type) {
    case 'PreVote':
    case 'Vote':
      return `${head} last ${m.lastLogIndex}/${m.lastLogTerm}${m.transfer ? ' transfer' : ''}`;
    case 'PreVoteResp':
    case 'VoteResp':
      return `${head} ${m.reject ? 'rejected' : 'granted'}`;
    case 'Append': {
      const entries =
        m.entries.length <= 6
          ? m.entries.map(formatEntry).join(' ')
          : `${formatEntry(m.entries[0]!)} .. ${formatEntry(m.entries[m.entries.length - 1]!)} (${m.entries.length} entries)`;
      return `${head} prev ${m.prevIndex}/${m.prevTerm} commit ${m.commit} [${entries}]`;
    }
    case 'AppendResp':
      return m.reject ? `${head} reject prev ${m.matchIndex} hint ${m.hintIndex}/${m.hintTerm}` : `${head} match ${m.matchIndex}`;
    case 'Heartbeat':
      return `${head} commit ${m.commit}`;
    case 'HeartbeatResp':
    case 'TimeoutNow':
      return head;
  }
}
