// The engine as an external system: a group already running elsewhere (`logbench node` on each
// host), reached through its replicas' client ports (`endpoints: 1=HOST:PORT,2=...`). No group is
// started or stopped here, so any number of instances (load workers, agents on other hosts) may
// drive the same group at once; each picks a random producer id so the group's exactly-once
// table never confuses two clients. The group token comes from `driver.token` or LOGBENCH_TOKEN.

import { randomInt } from 'node:crypto';
import { DEFAULT_CLIENT_OPTIONS, EngineClient } from '../client/engine-client.js';
import { TcpChannel } from '../client/tcp-channel.js';
import type { AppendAck, Driver } from './types.js';

export interface RemoteEngineOptions {
  /** Client addresses by replica id, e.g. ["1=10.0.0.1:8001", "2=10.0.0.2:8001", "3=10.0.0.3:8001"]. */
  endpoints: string[];
  token: string;
  appendTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export const ENGINE_ENDPOINT_PATTERN = /^\d{1,3}=\[?[A-Za-z0-9.:-]+\]?:\d{1,5}$/;
// Producer ids below this are used by the managed groups' clients (0x10000 + slot, 0x20000 + slot).
const REMOTE_PRODUCER_MIN = 0x100000;

/** What is wrong with one ID=HOST:PORT beyond its shape (ENGINE_ENDPOINT_PATTERN), or undefined. */
export function engineEndpointProblem(item: string): string | undefined {
  const [parsed] = parseEngineEndpoints([item]);
  if (parsed!.id < 1 || parsed!.id > 255) return `replica id ${parsed!.id}: expected 1..255`;
  if (parsed!.port < 1 || parsed!.port > 65535) return `port ${parsed!.port}: expected 1..65535`;
  return undefined;
}

export function parseEngineEndpoints(endpoints: readonly string[]): Array<{ id: number; host: string; port: number }> {
  return endpoints.map((item) => {
    const match = /^(\d+)=\[?(.+?)\]?:(\d+)$/.exec(item.trim());
    if (match === null) throw new RangeError(`engine endpoint "${item}": expected ID=HOST:PORT (a replica's client port)`);
    return { id: Number(match[1]), host: match[2]!, port: Number(match[3]) };
  });
}

export class RemoteEngineDriver implements Driver {
  readonly system = 'engine';
  readonly durability = 'engine (external group): ack once a majority stored the entry; fsync as each replica\'s --fsync says (default always: fdatasync before ack)';
  readonly settings: Record<string, string | number | boolean>;
  private client: EngineClient | undefined;
  private readonly producer = randomInt(REMOTE_PRODUCER_MIN, 0xffffffff);

  constructor(private readonly options: RemoteEngineOptions) {
    if (options.endpoints.length === 0) throw new RangeError('engine driver option endpoints: expected at least one ID=HOST:PORT');
    this.settings = { mode: 'external', endpoints: options.endpoints.join(','), appendTimeoutMs: options.appendTimeoutMs ?? DEFAULT_CLIENT_OPTIONS.deadlineMs };
  }

  async connect(): Promise<void> {
    const addresses = parseEngineEndpoints(this.options.endpoints);
    const channels = addresses.map((a) => new TcpChannel(a.id, { host: a.host, port: a.port }, this.options.token));
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    const connected = await Promise.all(channels.map((c) => c.whenConnected(timeoutMs)));
    if (!connected.some(Boolean)) {
      await Promise.all(channels.map((c) => c.close()));
      const refusals = channels.filter((c) => c.refusedBecause !== undefined).map((c) => c.refusedBecause!);
      if (refusals.length > 0) throw new Error(`engine: ${refusals.join('; ')}${refusals.some((r) => r.endsWith('wrong token')) ? ' (give the group\'s token with --token or LOGBENCH_TOKEN)' : ''}`);
      throw new Error(`engine: no replica answered at ${this.options.endpoints.join(', ')} within ${timeoutMs} ms (wrong address, or a token mismatch: set LOGBENCH_TOKEN)`);
    }
    this.client = new EngineClient(channels, { ...DEFAULT_CLIENT_OPTIONS, producer: this.producer, deadlineMs: this.options.appendTimeoutMs ?? DEFAULT_CLIENT_OPTIONS.deadlineMs });
  }

  append(payload: Uint8Array): Promise<AppendAck> {
    const client = this.client;
    if (client === undefined) return Promise.reject(new Error('engine driver: append() before connect()'));
    return client.append(payload);
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
  }
}
