// ClientChannel over TCP (process and remote modes). Connects, sends the hello with the group's
// token, and after the welcome exchanges length-prefixed batches. Reconnects with bounded
// exponential back-off when the replica goes away; while disconnected `closed` is true so the
// client sends elsewhere.

import { connect, type Socket } from 'node:net';
import { FRAME_PREFIX_BYTES, FrameReader } from '../transport/frame-reader.js';
import { decodeRefusal, decodeWelcome, encodeHello, REFUSAL_BYTES_MAX, WELCOME_BYTES } from '../transport/tcp-handshake.js';
import type { HostPort } from '../transport/tcp-transport.js';
import type { ClientChannel } from './channel.js';
import { BATCH_HEADER_BYTES } from './protocol.js';

const RECONNECT_DELAY_MS_MIN = 20;
const RECONNECT_DELAY_MS_MAX = 1_000;
const RESPONSE_BATCH_BYTES_MAX = 64 * 1024 * 1024;
/** Bytes queued in the socket beyond which reserve() refuses (back-pressure). */
const OUTGOING_BYTES_MAX = 16 * 1024 * 1024;

export class TcpChannel implements ClientChannel {
  readonly batchBytesMax = 4 * 1024 * 1024;
  private socket: Socket | undefined;
  private ready = false;
  private shut = false;
  private reconnectDelayMs = RECONNECT_DELAY_MS_MIN;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private handler: (batch: Uint8Array) => void = () => {};
  private slot: Buffer | undefined;
  private readonly pendingWrites: Buffer[] = [];
  private readonly connectedWaiters: Array<(connected: boolean) => void> = [];
  /** Why the replica refused the last connection (wrong token, ...); undefined once connected. */
  refusedBecause: string | undefined;

  constructor(
    readonly replica: number,
    private readonly address: HostPort,
    private readonly token: string,
  ) {
    this.dial();
  }

  get closed(): boolean {
    return !this.ready || this.shut;
  }

  /** Resolves true once connected, false after timeoutMs or as soon as the replica refuses the connection. */
  whenConnected(timeoutMs: number): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.connectedWaiters.push((connected) => {
        clearTimeout(timer);
        resolve(connected);
      });
    });
  }

  private dial(): void {
    if (this.shut) return;
    const socket = connect({ host: this.address.host, port: this.address.port });
    this.socket = socket;
    socket.setNoDelay(true);
    const reader = new FrameReader(WELCOME_BYTES, Math.max(WELCOME_BYTES, REFUSAL_BYTES_MAX));
    socket.on('connect', () => {
      const hello = encodeHello(0, this.replica, this.token);
      const prefix = Buffer.allocUnsafe(FRAME_PREFIX_BYTES);
      prefix.writeUInt32LE(hello.length, 0);
      socket.write(Buffer.concat([prefix, hello]));
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, (frame) => {
          if (this.ready) {
            this.handler(frame);
            return;
          }
          const refusal = decodeRefusal(frame);
          if (refusal !== undefined) {
            this.refusedBecause = refusal;
            for (const waiter of this.connectedWaiters.splice(0)) waiter(false);
            socket.destroy();
            return;
          }
          const id = decodeWelcome(frame);
          if (id !== this.replica) {
            socket.destroy(new Error(`replica ${this.address.host}:${this.address.port} answered as ${String(id)}`));
            return;
          }
          this.ready = true;
          this.refusedBecause = undefined;
          this.reconnectDelayMs = RECONNECT_DELAY_MS_MIN;
          reader.frameBytesMin = BATCH_HEADER_BYTES;
          reader.frameBytesMax = RESPONSE_BATCH_BYTES_MAX;
          for (const waiter of this.connectedWaiters.splice(0)) waiter(true);
        });
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.ready = false;
      this.socket = undefined;
      if (this.shut) return;
      // Not unref'd: a client waiting for a replica to come (back) up must keep its process alive;
      // close() clears it.
      this.reconnectTimer = setTimeout(() => this.dial(), this.reconnectDelayMs);
      this.reconnectDelayMs = Math.min(RECONNECT_DELAY_MS_MAX, this.reconnectDelayMs * 2);
    });
  }

  reserve(bytes: number): Uint8Array | undefined {
    if (this.closed || this.socket === undefined || this.socket.writableLength > OUTGOING_BYTES_MAX) return undefined;
    this.slot = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + bytes);
    return this.slot.subarray(FRAME_PREFIX_BYTES);
  }

  commit(bytes: number): void {
    const slot = this.slot!;
    this.slot = undefined;
    slot.writeUInt32LE(bytes, 0);
    this.pendingWrites.push(slot.subarray(0, FRAME_PREFIX_BYTES + bytes));
  }

  flush(): void {
    if (this.pendingWrites.length === 0) return;
    const socket = this.socket;
    if (socket === undefined || !this.ready) {
      this.pendingWrites.length = 0; // the client's retry timer resends
      return;
    }
    socket.write(this.pendingWrites.length === 1 ? this.pendingWrites[0]! : Buffer.concat(this.pendingWrites));
    this.pendingWrites.length = 0;
  }

  onResponses(handler: (batch: Uint8Array) => void): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    this.shut = true;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.socket?.destroy();
  }
}
