// Entry point of a replica in its own process: process mode (forked by the group, control over
// the IPC channel) and remote mode (`logbench node`, no IPC). Raft traffic between replicas and
// client traffic both use TCP.

import { TcpTransport } from '../transport/tcp-transport.js';
import type { HostPort } from '../transport/tcp-transport.js';
import { asNodeId } from '../types.js';
import type { NodeId } from '../types.js';
import { handleControl } from './control.js';
import { hostReplica } from './replica-host.js';
import type { HostedReplica, ReplicaSpec } from './replica-host.js';
import { TcpClientPort } from './tcp-client-port.js';
import type { FromWorker, ToWorker } from './worker-messages.js';
import { wallMs } from './worker-messages.js';

export interface ProcessReplicaSpec {
  spec: ReplicaSpec;
  /** Where this replica accepts peers (raft) and clients. */
  peerListen: HostPort;
  clientListen: HostPort;
  /** Peer raft addresses by replica id (self excluded). */
  peers: Record<string, HostPort>;
  token: string;
}

export interface RunningProcessReplica {
  hosted: HostedReplica;
  peerAddress: HostPort;
  clientAddress: HostPort;
  clientPort: TcpClientPort;
}

export async function runProcessReplica(
  input: ProcessReplicaSpec,
  post: (message: FromWorker) => void,
  log: (line: string) => void,
): Promise<RunningProcessReplica> {
  const id = input.spec.id;
  const peers = new Map<NodeId, HostPort | undefined>();
  for (const [peer, address] of Object.entries(input.peers)) peers.set(asNodeId(Number(peer)), address);
  // A peer that restarts must be reachable again within the failover budget (~100 ms): redial
  // fast with a low cap (loopback or a LAN; a refused connect costs microseconds).
  const transport = new TcpTransport({ self: asNodeId(id), listen: input.peerListen, peers, token: input.token, log, reconnectDelayMsMin: 5, reconnectDelayMsMax: 50 });
  const peerAddress = await transport.start();
  const clientPort = new TcpClientPort(id, input.clientListen, input.token, log);
  const clientAddress = await clientPort.start();
  let hosted: HostedReplica;
  try {
    hosted = await hostReplica(
    input.spec,
    transport,
    clientPort,
    (event) => post({ type: 'event', id, atMs: wallMs(), event }),
    (error) => {
      post({ type: 'fatal', id, message: error.stack ?? error.message });
      log(`replica ${id}: fatal: ${error.stack ?? error.message}`);
      process.exit(1);
    },
    log,
    );
  } catch (error) {
    // Nothing may keep running (and dialling peers) after a replica failed to start.
    await clientPort.close();
    await transport.close();
    throw error;
  }
  return { hosted, peerAddress, clientAddress, clientPort };
}

// Forked by the process-mode group: the spec arrives as argv[2] (JSON), control over IPC.
const isForkedReplica = process.argv[1]?.endsWith('process-main.js') === true && process.send !== undefined;
if (isForkedReplica) {
  const input = JSON.parse(process.argv[2] ?? '{}') as ProcessReplicaSpec;
  const post = (message: FromWorker): void => {
    if (process.connected) process.send!(message);
  };
  const log = (line: string): void => {
    process.stderr.write(line + '\n');
  };
  // Ctrl-C in a terminal signals the whole process group, this replica too. The group's process
  // decides: it stops the load, reads every replica back and then stops them (over IPC, or
  // killing them); an orphaned replica stops on 'disconnect' below.
  process.on('SIGINT', () => {});
  // Orphaned (the group's process died), also while still starting: stop rather than run on unattended.
  process.on('disconnect', () => process.exit(0));
  runProcessReplica(input, post, log).then(
    (running) => {
      post({ type: 'started', id: input.spec.id });
      process.on('message', (message: ToWorker) => handleControl(input.spec.id, running.hosted, message, post, () => process.exit(0)));
    },
    (error: unknown) => {
      post({ type: 'fatal', id: input.spec.id, message: error instanceof Error ? error.message : String(error) });
      process.exitCode = 1;
      setTimeout(() => process.exit(1), 50);
    },
  );
}
