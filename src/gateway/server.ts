// HTTP gateway in front of any connected Driver (usually an engine group):
//   POST /append   body = payload → 200 {"index":N,"term":T} once the entry is committed;
//                  a failed append → 503 {"error":"..."}; body over bodyBytesMax → 413.
//   GET  /health   → 200 {"ok":true,"system","durability","settings","inflight","appended","failed"}.
// Anything else is 404 (unknown path) or 405 (wrong method). Connections are kept alive.
//
// Bounds: a request body is at most bodyBytesMax (checked on content-length and while reading);
// at most inflightMax appends are outstanding, beyond which requests are refused with 503 at
// once rather than queued without limit.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assert } from '../assert.js';
import type { Driver } from '../drivers/types.js';
import { listenOn } from '../listen.js';

export interface GatewayOptions {
  host: string;
  port: number;
  bodyBytesMax?: number;
  inflightMax?: number;
  keepAliveMs?: number;
  log?: (line: string) => void;
}

export const GATEWAY_DEFAULTS = { bodyBytesMax: 1024 * 1024, inflightMax: 65_536, keepAliveMs: 65_000 } as const;

export interface GatewayStats {
  inflight: number;
  appended: number;
  failed: number;
  refused: number;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

export class Gateway {
  readonly stats: GatewayStats = { inflight: 0, appended: 0, failed: 0, refused: 0 };
  private readonly server: Server;
  private readonly bodyBytesMax: number;
  private readonly inflightMax: number;

  constructor(
    private readonly driver: Driver,
    private readonly options: GatewayOptions,
  ) {
    this.bodyBytesMax = options.bodyBytesMax ?? GATEWAY_DEFAULTS.bodyBytesMax;
    this.inflightMax = options.inflightMax ?? GATEWAY_DEFAULTS.inflightMax;
    assert(this.bodyBytesMax >= 1 && this.inflightMax >= 1, 'gateway bounds must be positive');
    this.server = createServer({ keepAlive: true, noDelay: true }, (req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = options.keepAliveMs ?? GATEWAY_DEFAULTS.keepAliveMs;
    this.server.headersTimeout = this.server.keepAliveTimeout + 1000;
  }

  /** Listens; resolves with the bound address (port 0 picks a free one). */
  listen(): Promise<AddressInfo> {
    return listenOn(this.server, this.options.port, this.options.host);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/append') {
      if (req.method !== 'POST') return reply(res, 405, { error: 'POST /append: expected method POST' }, { allow: 'POST' });
      return this.append(req, res);
    }
    if (path === '/health') {
      if (req.method !== 'GET') return reply(res, 405, { error: 'GET /health: expected method GET' }, { allow: 'GET' });
      return reply(res, 200, { ok: true, system: this.driver.system, durability: this.driver.durability, settings: this.driver.settings, ...this.stats });
    }
    req.resume();
    reply(res, 404, { error: `no route ${req.method} ${path}; expected POST /append or GET /health` });
  }

  private append(req: IncomingMessage, res: ServerResponse): void {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > this.bodyBytesMax) {
      req.resume();
      return reply(res, 413, { error: `body of ${declared} bytes exceeds the gateway limit of ${this.bodyBytesMax} bytes` }, { connection: 'close' });
    }
    if (this.stats.inflight >= this.inflightMax) {
      req.resume();
      this.stats.refused++;
      return reply(res, 503, { error: `gateway overloaded: ${this.inflightMax} appends outstanding` });
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > this.bodyBytesMax) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return reply(res, 413, { error: `body exceeds the gateway limit of ${this.bodyBytesMax} bytes` }, { connection: 'close' });
      if (bytes === 0) return reply(res, 400, { error: 'POST /append: expected a non-empty body (the payload)' });
      const payload = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes);
      this.stats.inflight++;
      let pending;
      try {
        pending = this.driver.append(payload);
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (ack) => {
          this.stats.inflight--;
          this.stats.appended++;
          reply(res, 200, ack.term !== undefined ? { index: ack.index, term: ack.term } : { index: ack.index });
        },
        (error: unknown) => {
          this.stats.inflight--;
          this.stats.failed++;
          reply(res, 503, { error: error instanceof Error ? error.message : String(error) });
        },
      );
    });
    req.on('error', () => res.destroy());
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
