// `logbench node`: runs one replica of a group on this host (remote mode). Replicas reach each
// other over TCP at the --peers addresses; clients connect to each replica's client port.

import { isIP } from 'node:net';
import { intFlag, parseIntStrict, stringFlag, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { makeDirectoryPath } from '../output-path.js';
import { DEFAULT_ENGINE_CONFIG, REPLICA_COUNTS, validateEngineConfig } from '../../node/engine-config.js';
import { runProcessReplica } from '../../node/process-main.js';
import { FSYNCS_IN_FLIGHT_LIMIT } from '../../storage/file-store.js';
import { FSYNC_POLICY_EXPECTED, fsyncPolicyOf } from '../../storage/log-store.js';
import type { HostPort } from '../../transport/tcp-transport.js';

export function parsePeers(text: string, flag: string): Map<number, HostPort> {
  const peers = new Map<number, HostPort>();
  for (const item of text.split(',')) {
    const match = /^(\d+)=(.+):(\d+)$/.exec(item.trim());
    if (match === null) throw new UsageError(`flag ${flag}: expected ID=HOST:PORT[,ID=HOST:PORT...], got "${item}"`);
    const id = parseIntStrict(match[1]!, `flag ${flag}: replica id`, { min: 1, max: 255 });
    const port = parseIntStrict(match[3]!, `flag ${flag}: port of replica ${id}`, { min: 1, max: 65535 });
    if (peers.has(id)) throw new UsageError(`flag ${flag}: replica ${id} listed twice`);
    peers.set(id, { host: match[2]!.replace(/^\[|\]$/g, ''), port });
  }
  const ids = [...peers.keys()].sort((a, b) => a - b);
  if (!(REPLICA_COUNTS as readonly number[]).includes(ids.length)) {
    throw new UsageError(`flag ${flag}: expected ${REPLICA_COUNTS.join(', ')} replicas, got ${ids.length}`);
  }
  ids.forEach((id, i) => {
    if (id !== i + 1) throw new UsageError(`flag ${flag}: replica ids must be 1..${ids.length}, got ${ids.join(', ')}`);
  });
  return peers;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export const nodeCommand: Command = {
  name: 'node',
  summary: 'run one replica of a group on this host (remote mode, TCP)',
  usage: '--id I --peers 1=HOST:PORT,2=...,3=... --data-dir DIR [--token T] [--client-port P] [--fsync always] [--fsyncs-in-flight N]',
  flags: {
    id: { type: 'string', valueName: 'I', description: 'this replica\'s id (its entry in --peers)' },
    peers: { type: 'string', valueName: 'LIST', description: 'every replica\'s raft address, this one included' },
    'data-dir': { type: 'string', valueName: 'DIR', description: 'data directory of this replica (created if missing)' },
    token: { type: 'string', valueName: 'T', description: 'shared secret of the group; required unless every address is loopback (or set LOGBENCH_TOKEN)' },
    'client-port': { type: 'string', valueName: 'P', description: 'port for client connections (0: any free port, printed)', defaultText: 'raft port + 1000' },
    fsync: { type: 'string', valueName: 'POLICY', description: 'always | none | interval:<ms>', defaultText: DEFAULT_ENGINE_CONFIG.fsync },
    'fsyncs-in-flight': { type: 'string', valueName: 'N', description: `group-commit fdatasyncs this replica keeps in flight (1-${FSYNCS_IN_FLIGHT_LIMIT}; more can suit a disk of its own)`, defaultText: String(DEFAULT_ENGINE_CONFIG.storeFsyncsInFlightMax) },
  },
  examples: [
    'logbench node --id 1 --peers 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 --data-dir /tmp/r1',
    'LOGBENCH_TOKEN=s3cret logbench node --id 2 --peers 1=10.0.0.1:7000,2=10.0.0.2:7000,3=10.0.0.3:7000 --data-dir /var/lib/logbench',
  ],
  async run(ctx) {
    const peersText = stringFlag(ctx.values, 'peers');
    const dataDir = stringFlag(ctx.values, 'data-dir');
    if (stringFlag(ctx.values, 'id') === undefined) throw new UsageError('logbench node: flag --id is required');
    if (peersText === undefined) throw new UsageError('logbench node: flag --peers is required (ID=HOST:PORT,...)');
    if (dataDir === undefined) throw new UsageError('logbench node: flag --data-dir is required');
    const peers = parsePeers(peersText, '--peers');
    const id = intFlag(ctx.values, 'id', 0, { min: 1, max: peers.size });
    const self = peers.get(id)!;
    const token = stringFlag(ctx.values, 'token') ?? process.env.LOGBENCH_TOKEN ?? '';
    const allLoopback = [...peers.values()].every((p) => isLoopback(p.host));
    if (token === '' && !allLoopback) {
      throw new UsageError('logbench node: listening on a non-loopback address requires --token T (or LOGBENCH_TOKEN)');
    }
    const clientPort = intFlag(ctx.values, 'client-port', self.port + 1000, { min: 0, max: 65535 });
    const fsync = stringFlag(ctx.values, 'fsync') ?? DEFAULT_ENGINE_CONFIG.fsync;
    if (fsyncPolicyOf(fsync) === undefined) throw new UsageError(`logbench node: flag --fsync: expected ${FSYNC_POLICY_EXPECTED}, got "${fsync}"`);
    const storeFsyncsInFlightMax = intFlag(ctx.values, 'fsyncs-in-flight', DEFAULT_ENGINE_CONFIG.storeFsyncsInFlightMax, { min: 1, max: FSYNCS_IN_FLIGHT_LIMIT });
    const config = validateEngineConfig({ ...DEFAULT_ENGINE_CONFIG, replicas: peers.size, mode: 'process', fsync, storeFsyncsInFlightMax });
    const dataPath = makeDirectoryPath('data-dir', dataDir);
    const others: Record<string, HostPort> = {};
    for (const [peer, address] of peers) if (peer !== id) others[String(peer)] = address;
    const running = await runProcessReplica(
      {
        spec: { id, voters: [...peers.keys()], dataDir: dataPath, config, seed: id },
        peerListen: { host: self.host, port: self.port },
        clientListen: { host: self.host, port: clientPort },
        peers: others,
        token,
      },
      (message) => {
        if (message.type === 'event') ctx.log(`replica ${id}: ${message.event.role} in term ${message.event.term} (leader ${message.event.leader || 'unknown'})`);
      },
      (line) => ctx.log(line),
    );
    const ready = { id, raft: running.peerAddress, client: running.clientAddress, dataDir: dataPath, fsync: config.fsync };
    ctx.log(`replica ${id} running: raft ${self.host}:${running.peerAddress.port}, clients ${self.host}:${running.clientAddress.port}, data ${ready.dataDir}`);
    ctx.emitJson(ready);
    await new Promise<void>((resolveStop) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolveStop();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    ctx.log(`replica ${id}: stopping`);
    await running.hosted.replica.stop();
    return 0;
  },
};
