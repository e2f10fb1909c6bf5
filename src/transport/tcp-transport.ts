// Transport between replicas in different processes or hosts: TCP, one connection per direction
// (this replica dials every peer to send, and accepts the peers' connections to receive).
//
// Wire: every frame is a u32 little-endian length then the bytes. The first frame each way is the
// handshake (tcp-handshake.ts); then each frame is one message in the codec format.
// Sends are coalesced: messages are encoded, length-prefixed, straight into a per-peer buffer, and
// everything sent in one event-loop turn goes out in one write (setImmediate), with TCP_NODELAY.
// A peer that is down is redialed with exponential back-off, bounded by reconnectDelayMsMax.
//
// Invariants: per peer, bytes queued (not yet written + in the socket's buffer) stay below
// outgoingBytesMax — send() returns false and counts a drop beyond it; an inbound connection is
// used only after a valid hello with the right token and a known sender id; an inbound message
// must come from the connection's peer and be addressed to this replica, or the connection is
// dropped and logged; frames are bounded by MESSAGE_BYTES_MAX.

import { createServer, connect, type Server, type Socket } from 'node:net';
import { assert } from '../assert.js';
import type { Message } from '../raft/types.js';
import type { NodeId } from '../types.js';
import { COMMON_HEADER_BYTES, MESSAGE_BYTES_MAX, MessageDecodeError, NODE_ID_MAX_DEFAULT, decodeMessage, encodeInto, encodedSize } from './codec.js';
import { FRAME_PREFIX_BYTES, FrameError, FrameReader } from './frame-reader.js';
import { HELLO_BYTES_MIN, TOKEN_BYTES_MAX, decodeHello, decodeWelcome, encodeHello, encodeWelcome, tokenDigest, tokenMatches } from './tcp-handshake.js';
import type { MessageHandler, Transport, TransportStats } from './transport.js';
import { NO_LEASE, emptyStats } from './transport.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface TcpTransportOptions {
  self: NodeId;
  /** Where to accept peers' connections; port 0 picks a free port (see start()). */
  listen: HostPort;
  /** Every peer (not self). An address may be set later with setPeerAddress (e.g. after port 0). */
  peers: ReadonlyMap<NodeId, HostPort | undefined>;
  /** Shared secret of the group; every connection must present it. */
  token: string;
  /** Bound on bytes queued per peer. Default 64 MiB. */
  outgoingBytesMax?: number;
  /** Size of the buffers messages are coalesced into. Default 256 KiB. */
  coalesceBytes?: number;
  reconnectDelayMsMin?: number;
  reconnectDelayMsMax?: number;
  /** A connection that has not completed its handshake in this time is closed. Default 5000. */
  handshakeTimeoutMs?: number;
  /** Where refused connections and link failures are reported. Default: stderr. */
  log?: (line: string) => void;
}

export interface TcpPeerStats {
  peer: NodeId;
  state: 'down' | 'connecting' | 'ready';
  queuedBytes: number;
  dropped: number;
  connects: number;
}

export interface TcpTransportStats extends TransportStats {
  refusedConnections: number;
  badStreams: number;
  peers: TcpPeerStats[];
}

class OutboundLink {
  state: 'down' | 'connecting' | 'ready' = 'down';
  socket: Socket | undefined;
  /** Encoded frames not yet handed to the socket, oldest first; `current` is being filled. */
  readonly unwritten: Buffer[] = [];
  current: Buffer | undefined;
  currentFill = 0;
  currentWritten = 0;
  unwrittenBytes = 0;
  reconnectDelayMs: number;
  reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  dropped = 0;
  connects = 0;
  /** Set when an outage was logged, so a peer that stays down is reported once. */
  outageLogged = false;
  readonly writableWaiters: { bytes: number; resolve: () => void }[] = [];

  constructor(readonly peer: NodeId, public address: HostPort | undefined, reconnectDelayMsMin: number) {
    this.reconnectDelayMs = reconnectDelayMsMin;
  }

  queuedBytes(): number {
    return this.unwrittenBytes + (this.socket?.writableLength ?? 0);
  }
}

export class TcpTransport implements Transport {
  readonly self: NodeId;
  private readonly options: Required<Omit<TcpTransportOptions, 'peers' | 'self' | 'listen' | 'token'>>;
  private readonly listen: HostPort;
  private readonly tokenDigest: Buffer;
  private readonly token: string;
  private readonly links = new Map<NodeId, OutboundLink>();
  private readonly inbound = new Map<NodeId, Socket>();
  private readonly pendingSockets = new Set<Socket>();
  private readonly nodeIdMax: number;
  private server: Server | undefined;
  private handler: MessageHandler | undefined;
  private flushScheduled = false;
  private closed = false;
  private readonly counters: TransportStats = emptyStats();
  private refusedConnections = 0;
  private badStreams = 0;
  private readonly flushNow = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  constructor(options: TcpTransportOptions) {
    this.self = options.self;
    this.listen = options.listen;
    this.token = options.token;
    if (Buffer.byteLength(options.token) > TOKEN_BYTES_MAX) throw new RangeError(`tcp transport: auth token longer than ${TOKEN_BYTES_MAX} bytes`);
    this.tokenDigest = tokenDigest(options.token);
    this.options = {
      outgoingBytesMax: options.outgoingBytesMax ?? 64 * 1024 * 1024,
      coalesceBytes: options.coalesceBytes ?? 256 * 1024,
      reconnectDelayMsMin: options.reconnectDelayMsMin ?? 50,
      reconnectDelayMsMax: options.reconnectDelayMsMax ?? 2000,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 5000,
      log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
    };
    const o = this.options;
    assert(o.outgoingBytesMax >= 64 * 1024, () => `tcp transport: outgoingBytesMax ${o.outgoingBytesMax} is below 64 KiB`);
    assert(o.coalesceBytes >= 4096, () => `tcp transport: coalesceBytes ${o.coalesceBytes} below 4096`);
    assert(o.reconnectDelayMsMin >= 1 && o.reconnectDelayMsMax >= o.reconnectDelayMsMin, () => `tcp transport: reconnect delay range [${o.reconnectDelayMsMin}, ${o.reconnectDelayMsMax}] ms is not valid`);
    let nodeIdMax: number = this.self;
    for (const [peer, address] of options.peers) {
      assert(peer !== this.self, () => `tcp transport: node ${this.self} lists itself among its peers`);
      this.links.set(peer, new OutboundLink(peer, address, o.reconnectDelayMsMin));
      nodeIdMax = Math.max(nodeIdMax, peer);
    }
    assert(nodeIdMax <= NODE_ID_MAX_DEFAULT, () => `tcp transport: node ids above ${NODE_ID_MAX_DEFAULT} are not supported`);
    this.nodeIdMax = nodeIdMax;
  }

  /** Starts listening and dialing the peers with known addresses; resolves with the bound address. */
  async start(): Promise<HostPort> {
    assert(this.server === undefined, 'tcp transport: started twice');
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`tcp transport: cannot listen on ${this.listen.host}:${this.listen.port}: ${error.code ?? error.message}`)));
      server.listen(this.listen.port, this.listen.host, () => resolve());
    });
    server.on('error', (error) => this.options.log(`tcp transport ${this.self}: listener error: ${error.message}`));
    for (const link of this.links.values()) if (link.address !== undefined) this.dial(link);
    const bound = this.listenAddress();
    assert(bound !== undefined, 'tcp transport: server has no address after listen');
    return bound;
  }

  /** The address the listener is bound to (after start()). */
  listenAddress(): HostPort | undefined {
    const bound = this.server?.address();
    return bound !== null && typeof bound === 'object' ? { host: bound.address, port: bound.port } : undefined;
  }

  /** Sets (or changes) where a peer listens, and dials it. */
  setPeerAddress(peer: NodeId, address: HostPort): void {
    const link = this.linkTo(peer);
    link.address = address;
    if (this.server !== undefined && !this.closed && link.state === 'down') {
      if (link.reconnectTimer !== undefined) clearTimeout(link.reconnectTimer);
      link.reconnectTimer = undefined;
      this.dial(link);
    }
  }

  send(to: NodeId, msg: Message): boolean {
    const link = this.linkTo(to);
    assert(msg.from === this.self && msg.to === to, () => `tcp transport: ${msg.type} from ${msg.from} to ${msg.to} sent by ${this.self} to ${to}`);
    const size = encodedSize(msg);
    const frameBytes = FRAME_PREFIX_BYTES + size;
    if (frameBytes > this.options.outgoingBytesMax) {
      throw new RangeError(`tcp transport: ${msg.type} of ${size} bytes exceeds outgoingBytesMax ${this.options.outgoingBytesMax} (raise it or lower batchBytesMax)`);
    }
    if (this.closed || link.queuedBytes() + frameBytes > this.options.outgoingBytesMax) {
      link.dropped++;
      this.counters.droppedMessages++;
      return false;
    }
    if (link.current === undefined || link.currentFill + frameBytes > link.current.length) {
      this.retireCurrent(link);
      link.current = Buffer.allocUnsafeSlow(Math.max(this.options.coalesceBytes, frameBytes));
      link.currentFill = 0;
      link.currentWritten = 0;
    }
    const buffer = link.current;
    buffer.writeUInt32LE(size, link.currentFill);
    encodeInto(buffer, link.currentFill + FRAME_PREFIX_BYTES, msg);
    link.currentFill += frameBytes;
    link.unwrittenBytes += frameBytes;
    this.counters.sentMessages++;
    this.counters.sentBytes += frameBytes;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushNow);
    }
    return true;
  }

  onMessage(handler: MessageHandler): void {
    this.handler = handler;
  }

  flush(): void {
    for (const link of this.links.values()) if (link.state === 'ready') this.write(link);
  }

  whenWritable(to: NodeId, bytes: number): Promise<void> {
    const link = this.linkTo(to);
    if (this.closed || link.queuedBytes() + FRAME_PREFIX_BYTES + bytes <= this.options.outgoingBytesMax) return Promise.resolve();
    return new Promise((resolve) => link.writableWaiters.push({ bytes, resolve }));
  }

  stats(): TcpTransportStats {
    const peers = [...this.links.values()].map((link) => ({ peer: link.peer, state: link.state, queuedBytes: link.queuedBytes(), dropped: link.dropped, connects: link.connects }));
    return { ...this.counters, refusedConnections: this.refusedConnections, badStreams: this.badStreams, peers };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const link of this.links.values()) {
      if (link.reconnectTimer !== undefined) clearTimeout(link.reconnectTimer);
      link.socket?.destroy();
      this.wakeWriters(link, true);
    }
    for (const socket of this.inbound.values()) socket.destroy();
    for (const socket of this.pendingSockets) socket.destroy();
    const server = this.server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private linkTo(peer: NodeId): OutboundLink {
    const link = this.links.get(peer);
    if (link === undefined) throw new RangeError(`tcp transport: node ${this.self} has no peer ${peer}`);
    return link;
  }

  private retireCurrent(link: OutboundLink): void {
    if (link.current !== undefined && link.currentFill > link.currentWritten) {
      link.unwritten.push(link.current.subarray(link.currentWritten, link.currentFill));
    }
    link.current = undefined;
    link.currentFill = 0;
    link.currentWritten = 0;
  }

  private write(link: OutboundLink): void {
    const socket = link.socket!;
    const tail = link.current !== undefined && link.currentFill > link.currentWritten ? link.current.subarray(link.currentWritten, link.currentFill) : undefined;
    if (link.unwritten.length === 0 && tail === undefined) return;
    if (link.unwritten.length > 0) {
      socket.cork();
      for (const chunk of link.unwritten) socket.write(chunk);
      if (tail !== undefined) socket.write(tail);
      socket.uncork();
      link.unwritten.length = 0;
    } else {
      socket.write(tail!);
    }
    link.currentWritten = link.currentFill;
    link.unwrittenBytes = 0;
  }

  private dial(link: OutboundLink): void {
    if (this.closed || link.address === undefined) return;
    const address = link.address;
    link.state = 'connecting';
    const socket = connect({ host: address.host, port: address.port });
    link.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.options.handshakeTimeoutMs);
    const reader = new FrameReader(1, 64);
    let connected = false;
    socket.on('connect', () => {
      connected = true;
      const hello = encodeHello(this.self, link.peer, this.token);
      const prefix = Buffer.alloc(FRAME_PREFIX_BYTES);
      prefix.writeUInt32LE(hello.length, 0);
      socket.write(Buffer.concat([prefix, hello]));
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, (frame) => {
          if (link.state === 'ready') throw new Error('unexpected data after the welcome');
          const id = decodeWelcome(frame);
          if (typeof id === 'string') throw new Error(id);
          if (id !== link.peer) throw new Error(`answered as node ${id}, expected node ${link.peer}`);
          socket.setTimeout(0);
          link.state = 'ready';
          link.connects++;
          link.outageLogged = false;
          link.reconnectDelayMs = this.options.reconnectDelayMsMin;
          this.write(link);
        });
      } catch (error) {
        this.options.log(`tcp transport ${this.self}: peer ${link.peer} at ${address.host}:${address.port}: ${(error as Error).message}; closing`);
        socket.destroy();
      }
    });
    socket.on('drain', () => this.wakeWriters(link, false));
    socket.on('timeout', () => {
      this.options.log(`tcp transport ${this.self}: peer ${link.peer} at ${address.host}:${address.port}: no welcome within ${this.options.handshakeTimeoutMs} ms (wrong token?); closing`);
      socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!link.outageLogged && !this.closed) {
        link.outageLogged = true;
        this.options.log(`tcp transport ${this.self}: peer ${link.peer} at ${address.host}:${address.port} unreachable (${error.code ?? error.message}); retrying with back-off up to ${this.options.reconnectDelayMsMax} ms`);
      }
    });
    socket.on('close', () => {
      if (link.socket !== socket) return;
      if (connected && link.state === 'connecting' && !link.outageLogged && !this.closed) {
        link.outageLogged = true;
        this.options.log(`tcp transport ${this.self}: peer ${link.peer} at ${address.host}:${address.port} closed the connection during the handshake (wrong token or node id?); retrying with back-off up to ${this.options.reconnectDelayMsMax} ms`);
      }
      link.socket = undefined;
      link.state = 'down';
      if (this.closed) return;
      // Frames handed to the dead socket are lost (raft retries); unwritten ones wait for the next connection.
      this.wakeWriters(link, false);
      const delayMs = link.reconnectDelayMs;
      link.reconnectDelayMs = Math.min(delayMs * 2, this.options.reconnectDelayMsMax);
      link.reconnectTimer = setTimeout(() => {
        link.reconnectTimer = undefined;
        this.dial(link);
      }, delayMs);
    });
  }

  private wakeWriters(link: OutboundLink, all: boolean): void {
    if (link.writableWaiters.length === 0) return;
    const queued = link.queuedBytes();
    const stay: { bytes: number; resolve: () => void }[] = [];
    for (const waiter of link.writableWaiters) {
      if (all || queued + FRAME_PREFIX_BYTES + waiter.bytes <= this.options.outgoingBytesMax) waiter.resolve();
      else stay.push(waiter);
    }
    link.writableWaiters.length = 0;
    link.writableWaiters.push(...stay);
  }

  private accept(socket: Socket): void {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.pendingSockets.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(this.options.handshakeTimeoutMs);
    let peer: NodeId | undefined;
    // Until the hello is accepted only a hello-sized frame is read (no large buffer for strangers).
    const reader = new FrameReader(HELLO_BYTES_MIN, HELLO_BYTES_MIN + TOKEN_BYTES_MAX);
    const refuse = (reason: string): void => {
      this.refusedConnections++;
      this.options.log(`tcp transport ${this.self}: refused connection from ${remote}: ${reason}`);
      socket.destroy();
    };
    const onFrame = (frame: Buffer): void => {
      if (socket.destroyed) return;
      if (peer === undefined) {
        const hello = decodeHello(frame);
        if (typeof hello === 'string') return refuse(hello);
        // The token is checked first so a wrong token learns nothing about the group's ids.
        if (!tokenMatches(hello.token, this.tokenDigest)) return refuse(`bad auth token (claimed node ${hello.from})`);
        if (!this.links.has(hello.from as NodeId)) return refuse(`node ${hello.from} is not a peer of node ${this.self}`);
        if (hello.to !== this.self) return refuse(`it wanted node ${hello.to}, this is node ${this.self}`);
        peer = hello.from as NodeId;
        this.pendingSockets.delete(socket);
        // A new connection from a peer replaces its old one (the peer restarted or redialed).
        this.inbound.get(peer)?.destroy();
        this.inbound.set(peer, socket);
        socket.setTimeout(0);
        const welcome = encodeWelcome(this.self);
        const prefix = Buffer.alloc(FRAME_PREFIX_BYTES);
        prefix.writeUInt32LE(welcome.length, 0);
        socket.write(Buffer.concat([prefix, welcome]));
        reader.frameBytesMin = COMMON_HEADER_BYTES;
        reader.frameBytesMax = MESSAGE_BYTES_MAX;
        return;
      }
      const msg = decodeMessage(frame, { nodeIdMax: this.nodeIdMax });
      if (msg.from !== peer || msg.to !== this.self) throw new ProtocolError(`${msg.type} from ${msg.from} to ${msg.to} on the connection of node ${peer}`);
      this.counters.receivedMessages++;
      this.handler?.(msg, NO_LEASE);
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, onFrame);
      } catch (error) {
        // A bad stream costs only its connection; anything else (a handler's bug) must surface.
        if (!(error instanceof MessageDecodeError || error instanceof FrameError || error instanceof ProtocolError)) throw error;
        this.badStreams++;
        this.options.log(`tcp transport ${this.self}: dropping connection from ${peer === undefined ? remote : `node ${peer} (${remote})`}: ${(error as Error).message}`);
        socket.destroy();
      }
    });
    socket.on('timeout', () => refuse(`no hello within ${this.options.handshakeTimeoutMs} ms`));
    socket.on('error', () => {
      // 'close' follows; a reset by a restarting peer is routine.
    });
    socket.on('close', () => {
      this.pendingSockets.delete(socket);
      if (peer !== undefined && this.inbound.get(peer) === socket) this.inbound.delete(peer);
    });
  }
}

class ProtocolError extends Error {
  override name = 'ProtocolError';
}
