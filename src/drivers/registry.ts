// Which systems `logbench run --system X` can drive: a map from system name to a factory.
// Adding a system is one entry in DRIVERS. A system that is known (listed in KNOWN_SYSTEMS) but
// has no entry yet gets the error "system X is not available yet" instead of a crash.

import type { Clock } from '../load/clock.js';
import { EngineDriver, engineConfigFromGroup } from './engine-driver.js';
import { NullDriver, type NullDriverOptions } from './null-driver.js';
import { createEtcdDriver, createHttpDriver, createNatsDriver, createRemoteEngineDriver } from './peer-factories.js';
import type { Driver } from './types.js';

export const KNOWN_SYSTEMS = ['engine', 'etcd', 'nats', 'null', 'http'] as const;
export type SystemName = (typeof KNOWN_SYSTEMS)[number];

export interface DriverContext {
  /** The scenario's `group` block (replicas, mode, fsync and engine knobs). */
  group: Record<string, unknown>;
  /** The scenario's `driver` block: system-specific options (endpoints, null-system faults...). */
  options: Record<string, unknown>;
  /** Payload size of the run, for drivers that pre-size buffers. */
  sizeBytes: number;
  /** Injected clock (tests); drivers that wait on time should use it when given. */
  clock?: Clock;
}

export interface DriverEntry {
  create(context: DriverContext): Driver;
  /**
   * True when a second instance can be created inside a load worker thread and reach the same
   * system (a stateless client). Drivers that start their own cluster are not worker-safe.
   */
  workerSafe: boolean;
}

export const DRIVERS: Partial<Record<SystemName, DriverEntry>> = {
  null: { create: (c) => new NullDriver(c.options as NullDriverOptions, c.clock), workerSafe: true },
  engine: {
    // With driver.endpoints: a running group elsewhere (`logbench node`); otherwise a managed group.
    create: (c) =>
      c.options['endpoints'] !== undefined
        ? createRemoteEngineDriver(c)
        : new EngineDriver(engineConfigFromGroup(c.group), typeof c.group['dataDir'] === 'string' ? { dataDir: c.group['dataDir'] } : {}),
    workerSafe: false,
  },
  // Managed etcd/NATS clusters are started by the driver: one instance per run, never per worker.
  etcd: { create: createEtcdDriver, workerSafe: false },
  nats: { create: createNatsDriver, workerSafe: false },
  http: { create: createHttpDriver, workerSafe: true },
};

/**
 * True when independent driver instances (load agents on other hosts) reach one shared system:
 * the system runs elsewhere (`driver.endpoints`) or holds no state (null).
 */
export function reachableFromAgents(system: string, options: Record<string, unknown>): boolean {
  return system === 'null' || options['endpoints'] !== undefined;
}

export class DriverUnavailableError extends Error {
  override name = 'DriverUnavailableError';
}

export function lookupDriver(system: string): DriverEntry {
  const entry = (DRIVERS as Record<string, DriverEntry | undefined>)[system];
  if (entry !== undefined) return entry;
  if ((KNOWN_SYSTEMS as readonly string[]).includes(system)) {
    const available = Object.keys(DRIVERS).join(', ');
    throw new DriverUnavailableError(`system ${system} is not available yet (available: ${available})`);
  }
  throw new DriverUnavailableError(`unknown system "${system}": expected one of ${KNOWN_SYSTEMS.join(', ')}`);
}
