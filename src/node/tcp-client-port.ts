// Process/remote-mode ClientPort: clients connect over TCP, present the group's token in a hello
// frame (the replica handshake format with from = 0, meaning "a client"), then exchange
// length-prefixed request and response batches (src/client/protocol.ts). Connections with a wrong
// token are refused and logged with the remote address.

import { createServer, type Server, type Socket } from 'node:net';
import { BATCH_HEADER_BYTES, encodeResponseInto, RESPONSE_BYTES } from '../client/protocol.js';
import type { AppendResponse } from '../client/protocol.js';
import { FRAME_PREFIX_BYTES, FrameReader } from '../transport/frame-reader.js';
import { decodeHello, encodeRefusal, encodeWelcome, HELLO_BYTES_MIN, TOKEN_BYTES_MAX, tokenDigest, tokenMatches } from '../transport/tcp-handshake.js';
import type { HostPort } from '../transport/tcp-transport.js';
import type { ClientLink, ClientPort } from './client-port.js';

const REQUEST_BATCH_BYTES_MAX = 64 * 1024 * 1024;
/** A client whose unsent responses exceed this is too slow: its responses are dropped (it resends). */
const OUTGOING_BYTES_MAX = 32 * 1024 * 1024;
const HANDSHAKE_TIMEOUT_MS = 5_000;

class TcpClientLink implements ClientLink {
  constructor(
    readonly id: number,
    private readonly socket: Socket,
  ) {}

  sendResponses(responses: readonly AppendResponse[]): boolean {
    if (this.socket.destroyed || this.socket.writableLength > OUTGOING_BYTES_MAX) return false;
    const bytes = BATCH_HEADER_BYTES + responses.length * RESPONSE_BYTES;
    const frame = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + bytes);
    frame.writeUInt32LE(bytes, 0);
    frame.writeUInt32LE(responses.length, FRAME_PREFIX_BYTES);
    for (let i = 0; i < responses.length; i++) encodeResponseInto(frame, FRAME_PREFIX_BYTES + BATCH_HEADER_BYTES + i * RESPONSE_BYTES, responses[i]!);
    this.socket.write(frame);
    return true;
  }
}

export class TcpClientPort implements ClientPort {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private handler: (link: ClientLink, batch: Uint8Array) => void = () => {};
  private nextLinkId = 1;
  private readonly expectedDigest: Buffer;
  refusedConnections = 0;

  constructor(
    private readonly self: number,
    private readonly listen: HostPort,
    token: string,
    private readonly log: (line: string) => void,
  ) {
    this.expectedDigest = tokenDigest(token);
    this.server = createServer((socket) => this.accept(socket));
  }

  start(): Promise<HostPort> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.listen.port, this.listen.host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address !== null ? { host: this.listen.host, port: address.port } : this.listen);
      });
    });
  }

  onRequests(handler: (link: ClientLink, batch: Uint8Array) => void): void {
    this.handler = handler;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const reader = new FrameReader(HELLO_BYTES_MIN, HELLO_BYTES_MIN + TOKEN_BYTES_MAX);
    let link: TcpClientLink | undefined;
    let refused = false;
    const timer = setTimeout(() => {
      if (link === undefined) {
        this.log(`replica ${this.self}: client ${remote} sent no hello within ${HANDSHAKE_TIMEOUT_MS} ms; closed`);
        socket.destroy();
      }
    }, HANDSHAKE_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, (frame) => {
          if (link !== undefined) {
            this.handler(link, frame);
            return;
          }
          if (refused) return; // bytes after a refused hello: the socket is closing
          const hello = decodeHello(frame);
          if (typeof hello === 'string' || hello.from !== 0 || hello.to !== this.self || !tokenMatches(hello.token, this.expectedDigest)) {
            this.refusedConnections++;
            const why = typeof hello === 'string' ? hello : hello.to !== this.self ? `addressed to replica ${hello.to}` : 'wrong token';
            refused = true;
            this.log(`replica ${this.self}: refused client connection from ${remote}: ${why}`);
            // Say why before closing (the client reports it at once); destroy if it never drains.
            const refusal = encodeRefusal(`replica ${this.self} refused the connection: ${why}`);
            socket.end(Buffer.concat([lengthPrefix(refusal.length), refusal]));
            setTimeout(() => socket.destroy(), 1000).unref();
            return;
          }
          clearTimeout(timer);
          link = new TcpClientLink(this.nextLinkId++, socket);
          reader.frameBytesMin = BATCH_HEADER_BYTES;
          reader.frameBytesMax = REQUEST_BATCH_BYTES_MAX;
          socket.write(Buffer.concat([lengthPrefix(12), encodeWelcome(this.self)]));
        });
      } catch (error) {
        this.log(`replica ${this.self}: dropped client ${remote}: ${error instanceof Error ? error.message : String(error)}`);
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      this.sockets.delete(socket);
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function lengthPrefix(bytes: number): Buffer {
  const prefix = Buffer.allocUnsafe(FRAME_PREFIX_BYTES);
  prefix.writeUInt32LE(bytes, 0);
  return prefix;
}
