// Control requests from a group to a replica (status, block, transfer, stop), handled the same
// way in a worker thread and in a child process; only the channel differs.

import { setFsyncDelayMs } from '../storage/fs-calls.js';
import { asNodeId } from '../types.js';
import type { HostedReplica } from './replica-host.js';
import type { RaftStatus } from '../raft/raft.js';
import type { FromWorker, ReplicaStatusReport, ToWorker } from './worker-messages.js';

export function handleControl(id: number, hosted: HostedReplica, message: ToWorker, post: (message: FromWorker) => void, onStopped: () => void): void {
  const { replica, store } = hosted;
  switch (message.type) {
    case 'status': {
      const raft = replica.raft;
      post({
        type: 'status',
        requestId: message.requestId,
        status: { id, role: raft.role, term: raft.term, leader: raft.leader, commit: raft.commitIndex, lastIndex: raft.lastIndex, durableIndex: store.durableIndex(), stats: { ...replica.stats, stages: { ...replica.stats.stages } }, transport: replica.transportStats(), fsyncs: store.fsyncStats(), ...progressOf(replica.raft.status()) },
      });
      return;
    }
    case 'block':
      replica.blockFor(message.ms);
      return;
    case 'transfer':
      replica.transferLeadership(asNodeId(message.to));
      return;
    case 'partition':
      hosted.faults.partitions.heal();
      for (const [from, to] of message.blocked) hosted.faults.partitions.block(asNodeId(from), asNodeId(to));
      return;
    case 'slow-disk':
      setFsyncDelayMs(message.delayMs);
      return;
    case 'stop':
      void replica.stop().then(
        () => {
          post({ type: 'stopped', id });
          onStopped();
        },
        (error: unknown) => post({ type: 'fatal', id, message: String(error) }),
      );
      return;
  }
}

function progressOf(status: RaftStatus): Pick<ReplicaStatusReport, 'progress'> {
  if (status.progress === undefined) return {};
  return { progress: status.progress.map((p) => ({ id: p.id, match: p.match, next: p.next, state: p.state, inflightMsgs: p.inflightMsgs })) };
}
