// Holds one managed peer cluster (etcd or nats) open until SIGTERM/SIGINT, for running logbench
// against it by hand in external mode (`--endpoints`). Started and stopped by scripts/peers.sh;
// writes <stateDir>/<system>.json with its pid, the members' pids and the client endpoints.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { EtcdDriver } from '../src/drivers/etcd/driver.js';
import { NatsDriver } from '../src/drivers/nats/driver.js';

const [system, stateDir, durability] = process.argv.slice(2);
if ((system !== 'etcd' && system !== 'nats') || !stateDir) {
  console.error('usage: peers-hold.ts etcd|nats STATE_DIR [default|sync-always]');
  process.exit(2);
}
const driver: EtcdDriver | NatsDriver =
  system === 'etcd' ? new EtcdDriver({ runId: 'manual' }) : new NatsDriver({ runId: 'manual', durabilityMode: durability === 'sync-always' ? 'sync-always' : 'default' });
const statePath = path.join(stateDir, `${system}.json`);

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  await driver.close();
  fs.rmSync(statePath, { force: true });
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());

try {
  await driver.connect();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
const members = await driver.control!.members();
const urls = driver.clientUrls.join(',');
const state = {
  system,
  holderPid: process.pid,
  durability: driver.durability,
  settings: driver.settings,
  members,
  endpoints: urls,
};
fs.writeFileSync(statePath, JSON.stringify(state, null, 2));
console.log(`${system} cluster up, endpoints ${urls}, member pids ${members.map((m) => m.pid).join(' ')}`);
// Stay alive until signalled.
setInterval(() => undefined, 1 << 30);
