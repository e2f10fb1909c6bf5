// The `http` system: any group behind a logbench HTTP gateway (`logbench serve --http`).
// append() POSTs the payload to <endpoint>/append over keep-alive connections and resolves with
// the {index, term} the gateway answers once the entry is committed. connect() asks GET /health
// which system sits behind the gateway and how it acks, so the result states the real durability.
//
// node:http with a keep-alive Agent is used rather than fetch: fetch (undici) in Node 20 costs
// several times more CPU per request, which would cap the generator, not the gateway.
// Bounds: at most socketsMax connections; every request has a timeout (timeoutMs).

import { Agent, request } from 'node:http';
import type { AppendAck, Driver } from './types.js';

export interface HttpDriverOptions {
  /** Gateway base URL, e.g. "http://127.0.0.1:8080". */
  endpoint: string;
  timeoutMs?: number;
  socketsMax?: number;
}

export interface GatewayHealth {
  ok: boolean;
  system: string;
  durability: string;
  settings: Record<string, string | number | boolean>;
}

const RESPONSE_BYTES_MAX = 64 * 1024;

export class HttpGatewayError extends Error {
  override name = 'HttpGatewayError';
}

export class HttpDriver implements Driver {
  readonly system = 'http';
  durability = 'http gateway: as the system behind it says (see GET /health)';
  readonly settings: Record<string, string | number | boolean>;
  private readonly agent: Agent;
  private readonly url: URL;
  private readonly timeoutMs: number;

  constructor(options: HttpDriverOptions) {
    this.url = new URL(options.endpoint);
    if (this.url.protocol !== 'http:') throw new RangeError(`http driver option endpoints: expected an http:// URL, got ${options.endpoint}`);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const socketsMax = options.socketsMax ?? 1024;
    this.agent = new Agent({ keepAlive: true, maxSockets: socketsMax, maxFreeSockets: socketsMax });
    this.settings = { endpoint: this.url.origin, timeoutMs: this.timeoutMs, socketsMax, client: 'node:http keep-alive' };
  }

  async connect(): Promise<void> {
    const body = await this.call('GET', '/health', undefined);
    const health = JSON.parse(body) as GatewayHealth;
    if (health.ok !== true) throw new HttpGatewayError(`gateway ${this.url.origin}: /health says not ready: ${body}`);
    this.durability = `via HTTP gateway ${this.url.origin} to ${health.system}: ${health.durability}`;
    this.settings['upstreamSystem'] = health.system;
    for (const [key, value] of Object.entries(health.settings)) this.settings[`upstream.${key}`] = value;
  }

  async append(payload: Uint8Array): Promise<AppendAck> {
    const body = await this.call('POST', '/append', payload);
    const ack = JSON.parse(body) as { index?: unknown; term?: unknown };
    if (typeof ack.index !== 'number') throw new HttpGatewayError(`gateway ${this.url.origin}: /append answered without an index: ${body.slice(0, 200)}`);
    return typeof ack.term === 'number' ? { index: ack.index, term: ack.term } : { index: ack.index };
  }

  private call(method: 'GET' | 'POST', path: string, payload: Uint8Array | undefined): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          timeout: this.timeoutMs,
          headers: payload !== undefined ? { 'content-type': 'application/octet-stream', 'content-length': payload.byteLength } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (bytes <= RESPONSE_BYTES_MAX) chunks.push(chunk);
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode === 200) resolve(text);
            else reject(new HttpGatewayError(`gateway ${method} ${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new HttpGatewayError(`gateway ${method} ${path}: no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
