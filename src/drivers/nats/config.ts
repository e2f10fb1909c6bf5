// nats-server configuration files for a managed JetStream cluster, and the check that the
// installed nats-server accepts the durability setting asked for.
//
// Durability modes:
// - "default": JetStream's own default; the filestore fsyncs periodically (its sync interval;
//   2 min in nats-server 2.10+ docs), not before an ack. An ack means the message is on a majority of replicas' page
//   caches.
// - "sync-always": `jetstream { sync_interval: always }`, an fsync on every write. This config
//   field exists from nats-server 2.10.0 on; 2.9.x (Debian 12's package) rejects it as an unknown
//   field, which is reported to the user rather than silently run without it.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

export type NatsDurabilityMode = 'default' | 'sync-always';

export const NATS_DURABILITY: Record<NatsDurabilityMode, string> = {
  default: 'nats: ack once a majority of the R3 stream stored it in memory/page cache; fsync periodic (the filestore sync interval), not before ack',
  'sync-always': 'nats: sync_interval always — fsync on every write, on a majority before ack',
};

export class UnsupportedDurabilityError extends Error {
  override name = 'UnsupportedDurabilityError';
}

export interface NatsServerConfig {
  serverName: string;
  clientPort: number;
  routePort: number;
  /** Route ports of the other members. */
  peerRoutePorts: number[];
  storeDir: string;
  clusterName: string;
  durability: NatsDurabilityMode;
}

export function renderConfig(c: NatsServerConfig): string {
  const routes = c.peerRoutePorts.map((p) => `    "nats-route://127.0.0.1:${p}"`).join('\n');
  return [
    `server_name: ${JSON.stringify(c.serverName)}`,
    `listen: "127.0.0.1:${c.clientPort}"`,
    'jetstream {',
    `  store_dir: ${JSON.stringify(c.storeDir)}`,
    ...(c.durability === 'sync-always' ? ['  sync_interval: always'] : []),
    '}',
    'cluster {',
    `  name: ${JSON.stringify(c.clusterName)}`,
    `  listen: "127.0.0.1:${c.routePort}"`,
    '  routes: [',
    routes,
    '  ]',
    '}',
    '',
  ].join('\n');
}

export function natsServerVersion(binary: string): string {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 5000 });
  return (r.stdout || r.stderr || '').trim() || 'unknown version';
}

/**
 * Runs `nats-server -t -c file` (test configuration and exit). Throws UnsupportedDurabilityError
 * when the server does not know `sync_interval`, and a plain error quoting the server otherwise.
 */
export function checkConfig(binary: string, configPath: string): void {
  const r = spawnSync(binary, ['-t', '-c', configPath], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return;
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (/unknown field "sync_interval"/.test(output)) {
    throw new UnsupportedDurabilityError(
      `nats durability "sync-always" needs \`jetstream { sync_interval: always }\`, which ${binary} (${natsServerVersion(binary)}) does not support ` +
        `(it was added in nats-server 2.10.0): install nats-server 2.10 or newer, or run NATS with durability "default"`,
    );
  }
  throw new Error(`nats-server rejected its configuration ${configPath}: ${output}\n--- config ---\n${fs.readFileSync(configPath, 'utf8')}`);
}
