// Which systems `logbench run --system X` can drive: a map from system name to a factory.
// Adding a system is one entry in DRIVERS. A system that is known (listed in KNOWN_SYSTEMS) but
// has no entry yet gets the error "system X is not available yet" instead of a crash.

import type { Clock } from '../load/clock.js';
import { EngineDriver, engineConfigFromGroup } from './engine-driver.js';
import { NullDriver, type NullDriverOptions } from './null-driver.js';
import type { Driver } from './types.js';

export const KNOWN_SYSTEMS = ['engine', 'etcd', 'nats', 'null'] as const;
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
    create: (c) => new EngineDriver(engineConfigFromGroup(c.group), typeof c.group['dataDir'] === 'string' ? { dataDir: c.group['dataDir'] } : {}),
    workerSafe: false,
  },
};

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
