// `logbench serve --http HOST:PORT`: starts a system (by default an engine group of 3 replicas in
// threads mode, or any system `logbench run` accepts, managed or --endpoints) and exposes it over
// HTTP (src/gateway/server.ts) until SIGINT/SIGTERM, then stops the system.

import { isIP } from 'node:net';
import { intFlag, listFlag, stringFlag, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { DriverUnavailableError, lookupDriver } from '../../drivers/registry.js';
import { Gateway, GATEWAY_DEFAULTS } from '../../gateway/server.js';
import { scenarioFromFlags, ScenarioError } from '../../load/scenario.js';

export function parseHostPort(text: string, flag: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text.trim());
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || !(port >= 0 && port <= 65535)) throw new UsageError(`flag ${flag}: expected HOST:PORT (e.g. 127.0.0.1:8080; port 0 picks a free one), got "${text}"`);
  return { host: match[1]!, port };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'expose a replicated log over HTTP: POST /append, GET /health',
  usage: '--http HOST:PORT [--system engine] [--replicas 3] [--mode threads|process] [--endpoints LIST] [--set key.path=value ...]',
  flags: {
    http: { type: 'string', valueName: 'HOST:PORT', description: 'address of the HTTP gateway' },
    system: { type: 'string', valueName: 'S', description: 'system behind the gateway: engine, etcd, nats, null', defaultText: 'engine' },
    replicas: { type: 'string', valueName: 'N', description: 'replicas / members (group.replicas)', defaultText: '3' },
    mode: { type: 'string', valueName: 'M', description: 'engine replicas in threads or process (group.mode)', defaultText: 'threads' },
    endpoints: { type: 'string', valueName: 'LIST', description: 'use a running system at these addresses instead of starting one' },
    set: { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'scenario field for the system, e.g. group.fsync=none or driver.durabilityMode=default' },
    'body-max': { type: 'string', valueName: 'BYTES', description: 'largest accepted request body', defaultText: String(GATEWAY_DEFAULTS.bodyBytesMax) },
    'inflight-max': { type: 'string', valueName: 'N', description: 'appends outstanding at most (beyond: 503)', defaultText: String(GATEWAY_DEFAULTS.inflightMax) },
  },
  examples: [
    'logbench serve --http 127.0.0.1:8080',
    'logbench serve --http 127.0.0.1:8080 --replicas 3 --mode process --set group.fsync=always',
    'logbench serve --http 127.0.0.1:8081 --system etcd',
  ],
  async run(ctx) {
    const httpText = stringFlag(ctx.values, 'http');
    if (httpText === undefined) throw new UsageError('logbench serve: flag --http HOST:PORT is required');
    const listen = parseHostPort(httpText, '--http');
    const system = stringFlag(ctx.values, 'system') ?? 'engine';
    if (system === 'http') throw new UsageError('flag --system: a gateway in front of a gateway is not supported; expected engine, etcd, nats or null');
    const endpoints = stringFlag(ctx.values, 'endpoints');
    const replicasText = stringFlag(ctx.values, 'replicas');
    let driver;
    try {
      const scenario = scenarioFromFlags(
        {
          system,
          mode: system === 'engine' && endpoints === undefined ? (stringFlag(ctx.values, 'mode') ?? 'threads') : undefined,
          replicas: replicasText === undefined ? undefined : intFlag(ctx.values, 'replicas', 3, { min: 1, max: 7 }),
          endpoints: endpoints?.split(',').map((s) => s.trim()),
        },
        listFlag(ctx.values, 'set'),
      );
      driver = lookupDriver(scenario.system).create({ group: scenario.group, options: scenario.driver, sizeBytes: scenario.payload.sizeBytes });
    } catch (error) {
      if (error instanceof ScenarioError || error instanceof DriverUnavailableError || error instanceof RangeError) throw new UsageError(error.message);
      throw error;
    }
    if (!isLoopbackHost(listen.host)) ctx.log(`logbench serve: warning: ${listen.host} is not loopback and the gateway has no authentication; anyone who reaches it can append`);
    const gateway = new Gateway(driver, {
      host: listen.host,
      port: listen.port,
      bodyBytesMax: intFlag(ctx.values, 'body-max', GATEWAY_DEFAULTS.bodyBytesMax, { min: 16 }),
      inflightMax: intFlag(ctx.values, 'inflight-max', GATEWAY_DEFAULTS.inflightMax, { min: 1 }),
    });
    let stopping: (() => void) | undefined;
    const stopped = new Promise<void>((resolve) => {
      stopping = resolve;
    });
    const onSignal = (): void => stopping?.();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      ctx.log(`logbench serve: starting ${system}${endpoints !== undefined ? ` at ${endpoints}` : ''}...`);
      await driver.connect();
      const address = await gateway.listen();
      const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
      ctx.print(`gateway ${url}: POST /append, GET /health (system ${driver.system}; durability: ${driver.durability})`);
      ctx.emitJson({ url, system: driver.system, durability: driver.durability, pid: process.pid });
      await stopped;
      ctx.log('logbench serve: stopping');
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await gateway.close().catch(() => undefined);
      await driver.close();
    }
  },
};
