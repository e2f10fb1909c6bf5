// A load agent: an HTTP server that runs phase shares for a controller (protocol in
// agent-protocol.ts) with its own driver instance, on its own host, and hands back the
// recording. It holds at most one session and runs at most one phase at a time (409 otherwise).
//
// Security: every request must carry `authorization: Bearer <token>` when a token is set; a
// wrong or missing token is refused with 401 and logged with the peer's address. An agent
// without a token only listens on loopback (checked by the command). The agent reaches only the
// system the controller names (driver endpoints); it runs no other commands.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { lookupDriver } from '../drivers/registry.js';
import type { Driver } from '../drivers/types.js';
import { AckLog } from './ack-log.js';
import { AGENT_PROTOCOL_VERSION, AGENT_REQUEST_BYTES_MAX, encodeAcks, type PhaseReply, type PhaseRequest, type SessionReply, type SessionRequest } from './agent-protocol.js';
import { RealClock } from './clock.js';
import { createGenerator } from './run-phase.js';
import { listenOn } from '../listen.js';

export interface AgentServerOptions {
  host: string;
  port: number;
  /** Empty: no authentication (loopback only). */
  token: string;
  log: (line: string) => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class AgentServer {
  private readonly server: Server;
  private session: { id: string; driver: Driver; sizeBytes: number } | undefined;
  private running = false;
  private stopRequested = false;
  private readonly tokenBytes: Buffer;

  constructor(private readonly options: AgentServerOptions) {
    this.tokenBytes = Buffer.from(options.token, 'utf8');
    this.server = createServer({ keepAlive: true }, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        const message = error instanceof Error ? error.message : String(error);
        if (status >= 500) options.log(`agent: ${req.method} ${req.url} failed: ${message}`);
        send(res, status, { error: message });
      });
    });
    // A phase request lasts as long as the phase: no request timeout.
    this.server.requestTimeout = 0;
  }

  listen(): Promise<AddressInfo> {
    return listenOn(this.server, this.options.port, this.options.host);
  }

  private authorized(req: IncomingMessage): boolean {
    if (this.tokenBytes.length === 0) return true;
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '', 'utf8');
    return given.length === this.tokenBytes.length && timingSafeEqual(given, this.tokenBytes);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.authorized(req)) {
      req.resume();
      this.options.log(`agent: refused ${req.method} ${req.url} from ${req.socket.remoteAddress}:${req.socket.remotePort}: wrong or missing token`);
      send(res, 401, { error: 'wrong or missing token (expected authorization: Bearer <token>; see logbench run --token)' });
      return;
    }
    const route = `${req.method} ${(req.url ?? '/').split('?')[0]}`;
    switch (route) {
      case 'GET /health':
        req.resume();
        return send(res, 200, { ok: true, protocol: AGENT_PROTOCOL_VERSION, busy: this.running, session: this.session !== undefined });
      case 'POST /session':
        return send(res, 200, await this.openSession((await readJson(req)) as SessionRequest));
      case 'POST /phase':
        return send(res, 200, await this.runPhase((await readJson(req)) as PhaseRequest));
      case 'POST /stop':
        req.resume();
        this.stopRequested = true;
        return send(res, 200, {});
      case 'POST /close':
        await readJson(req);
        await this.closeSession();
        return send(res, 200, {});
      default:
        req.resume();
        throw new HttpError(404, `no route ${route}`);
    }
  }

  private async openSession(request: SessionRequest): Promise<SessionReply> {
    if (request.protocol !== AGENT_PROTOCOL_VERSION) throw new HttpError(400, `protocol ${String(request.protocol)}: this agent speaks ${AGENT_PROTOCOL_VERSION}`);
    if (this.running) throw new HttpError(409, 'agent busy: a phase is running');
    await this.closeSession();
    const driver = lookupDriver(request.system).create({ group: request.group, options: request.options, sizeBytes: request.sizeBytes });
    await driver.connect();
    const id = randomBytes(8).toString('hex');
    this.session = { id, driver, sizeBytes: request.sizeBytes };
    this.options.log(`agent: session ${id}: ${request.system} connected (${driver.durability})`);
    return { session: id, system: driver.system, durability: driver.durability, host: hostname() };
  }

  private async runPhase(request: PhaseRequest): Promise<PhaseReply> {
    const session = this.session;
    if (session === undefined || session.id !== request.session) throw new HttpError(409, `no session ${request.session} on this agent (POST /session first)`);
    if (this.running) throw new HttpError(409, 'agent busy: a phase is running');
    this.running = true;
    this.stopRequested = false;
    const wallStart = performance.now();
    try {
      const ackLog = request.recordAcks ? new AckLog(request.settings.acksMax) : undefined;
      const generator = createGenerator({
        driver: session.driver,
        clock: new RealClock(),
        phase: request.phase,
        phaseIndex: request.phaseIndex,
        workerIndex: request.workerIndex,
        settings: request.settings,
        sizeBytes: session.sizeBytes,
        ackLog,
        shouldStop: () => this.stopRequested,
      });
      const recording = await generator.run();
      this.options.log(`agent: phase ${request.phase.name}: ${recording.counters.acked} acked, ${recording.counters.errors} errors`);
      return { recording, acks: ackLog === undefined ? null : encodeAcks(ackLog), acksTruncated: ackLog?.truncated ?? false, wallSeconds: (performance.now() - wallStart) / 1000 };
    } finally {
      this.running = false;
    }
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session !== undefined) {
      await session.driver.close();
      this.options.log(`agent: session ${session.id} closed`);
    }
  }

  async close(): Promise<void> {
    this.stopRequested = true;
    await this.closeSession();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > AGENT_REQUEST_BYTES_MAX) {
        req.destroy();
        reject(new HttpError(413, `request body over ${AGENT_REQUEST_BYTES_MAX} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(bytes === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new HttpError(400, 'request body: expected JSON'));
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
