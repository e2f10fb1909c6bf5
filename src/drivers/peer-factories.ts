// Builds the etcd, NATS, remote-engine and http drivers from a scenario's `driver:` and `group:`
// blocks, checking every option (see driver-options.ts). `group.replicas` sets a managed peer
// cluster's member count; other engine knobs mean nothing to a peer and are refused.

import { EtcdDriver, type EtcdDriverOptions } from './etcd/driver.js';
import { NatsDriver, type NatsDriverOptions } from './nats/driver.js';
import { OptionReader, URL_PATTERN, urlProblem } from './driver-options.js';
import { ENGINE_ENDPOINT_PATTERN, engineEndpointProblem, parseEngineEndpoints, RemoteEngineDriver } from './engine-remote.js';
import { HttpDriver } from './http-driver.js';
import type { DriverContext } from './registry.js';
import { ScenarioError } from '../load/scenario.js';

const RUN_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

function memberCount(system: string, group: Record<string, unknown>): number | undefined {
  const reader = new OptionReader('group', system, group);
  const replicas = reader.number('replicas', { min: 1, integer: true });
  reader.rejectUnknown();
  return replicas;
}

export function createEtcdDriver(c: DriverContext): EtcdDriver {
  const r = new OptionReader('driver', 'etcd', c.options);
  const opts: EtcdDriverOptions = {
    endpoints: r.list('endpoints', URL_PATTERN, '["http://127.0.0.1:2379"]', urlProblem),
    runId: r.string('runId', RUN_ID_PATTERN),
    binary: r.string('binary'),
  };
  const set = <K extends keyof EtcdDriverOptions>(key: K, value: EtcdDriverOptions[K] | undefined): void => {
    if (value !== undefined) opts[key] = value;
  };
  set('appendTimeoutMs', r.number('appendTimeoutMs', { min: 1 }));
  set('attemptTimeoutMs', r.number('attemptTimeoutMs', { min: 1 }));
  set('startTimeoutMs', r.number('startTimeoutMs', { min: 1 }));
  set('heartbeatMs', r.number('heartbeatMs', { min: 1, integer: true }));
  set('electionMs', r.number('electionMs', { min: 1, integer: true }));
  r.rejectUnknown();
  set('memberCount', memberCount('etcd', c.group));
  return new EtcdDriver(opts);
}

export function createNatsDriver(c: DriverContext): NatsDriver {
  const r = new OptionReader('driver', 'nats', c.options);
  const opts: NatsDriverOptions = {
    endpoints: r.list('endpoints', URL_PATTERN, '["nats://127.0.0.1:4222"]', urlProblem),
    runId: r.string('runId', RUN_ID_PATTERN),
    binary: r.string('binary'),
  };
  const set = <K extends keyof NatsDriverOptions>(key: K, value: NatsDriverOptions[K] | undefined): void => {
    if (value !== undefined) opts[key] = value;
  };
  set('appendTimeoutMs', r.number('appendTimeoutMs', { min: 1 }));
  set('attemptTimeoutMs', r.number('attemptTimeoutMs', { min: 1 }));
  set('startTimeoutMs', r.number('startTimeoutMs', { min: 1 }));
  set('replicas', r.number('replicas', { min: 1, integer: true }));
  set('durabilityMode', r.choice('durabilityMode', ['default', 'sync-always'] as const));
  r.rejectUnknown();
  set('memberCount', memberCount('nats', c.group));
  return new NatsDriver(opts);
}

/** The engine behind `driver.endpoints` (client ports of running `logbench node` replicas). */
export function createRemoteEngineDriver(c: DriverContext): RemoteEngineDriver {
  const r = new OptionReader('driver', 'engine', c.options);
  const endpoints = r.list('endpoints', ENGINE_ENDPOINT_PATTERN, '["1=10.0.0.1:8001","2=10.0.0.2:8001","3=10.0.0.3:8001"]', engineEndpointProblem)!;
  const ids = parseEngineEndpoints(endpoints).map((e) => e.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) throw new ScenarioError(`driver.endpoints: "${endpoints[ids.indexOf(twice)]}": replica ${twice} listed twice (system engine)`);
  const token = r.string('token') ?? process.env['LOGBENCH_TOKEN'] ?? '';
  const appendTimeoutMs = r.number('appendTimeoutMs', { min: 1 });
  r.rejectUnknown();
  // The result would record these knobs as the measured group's (and compare fingerprints them).
  const groupKeys = Object.keys(c.group).filter((key) => c.group[key] !== undefined);
  if (groupKeys.length > 0) {
    throw new ScenarioError(`group.${groupKeys[0]}: with driver.endpoints the engine group runs elsewhere (\`logbench node\` flags set its knobs); remove ${groupKeys.map((k) => `group.${k}`).join(', ')} from the scenario, or drop the endpoints to measure a group logbench starts`);
  }
  return new RemoteEngineDriver({ endpoints, token, ...(appendTimeoutMs !== undefined ? { appendTimeoutMs } : {}) });
}

export function createHttpDriver(c: DriverContext): HttpDriver {
  const r = new OptionReader('driver', 'http', c.options);
  const endpoints = r.list('endpoints', URL_PATTERN, '["http://127.0.0.1:8080"]', urlProblem);
  const timeoutMs = r.number('timeoutMs', { min: 1 });
  const socketsMax = r.number('socketsMax', { min: 1, integer: true });
  r.rejectUnknown();
  if (endpoints === undefined || endpoints.length !== 1) {
    throw new ScenarioError('driver.endpoints: expected exactly one gateway URL for system http (--endpoints http://HOST:PORT)');
  }
  return new HttpDriver({ endpoint: endpoints[0]!, ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(socketsMax !== undefined ? { socketsMax } : {}) });
}
