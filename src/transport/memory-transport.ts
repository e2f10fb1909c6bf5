// In-memory twin of the transports for tests: replicas in one thread share a MemoryNetwork.
// Messages go through the real codec (encoded at send, decoded at delivery), so a receiver gets
// its own views exactly as from a ring or socket and never shares the sender's Entry objects.
// Delivery is asynchronous (one setImmediate drains everything queued), in send order.
//
// Invariants: at most queueMessagesMax messages wait per directed link (send returns false
// beyond, counted as dropped); nothing is delivered to a closed or unregistered transport.

import { assert } from '../assert.js';
import type { Message } from '../raft/types.js';
import type { NodeId } from '../types.js';
import { decodeMessage, encodeMessage, encodedSize } from './codec.js';
import type { MessageHandler, Transport, TransportStats } from './transport.js';
import { NO_LEASE, emptyStats } from './transport.js';

export interface MemoryNetworkOptions {
  queueMessagesMax?: number;
}

interface InFlight {
  from: NodeId;
  to: NodeId;
  bytes: Uint8Array;
}

export class MemoryNetwork {
  private readonly members = new Map<NodeId, MemoryTransport>();
  private readonly queue: InFlight[] = [];
  private readonly queuedPerLink = new Map<string, number>();
  private deliveryScheduled = false;
  private readonly waiters: (() => void)[] = [];
  readonly queueMessagesMax: number;

  constructor(options: MemoryNetworkOptions = {}) {
    this.queueMessagesMax = options.queueMessagesMax ?? 4096;
    assert(this.queueMessagesMax >= 1, 'memory network: queueMessagesMax must be >= 1');
  }

  /** Creates (or replaces, as after a restart) the transport of replica `self`. */
  transport(self: NodeId): MemoryTransport {
    const transport = new MemoryTransport(self, this);
    this.members.set(self, transport);
    return transport;
  }

  /** @internal */
  enqueue(from: NodeId, to: NodeId, msg: Message): boolean {
    const link = `${from}>${to}`;
    const queued = this.queuedPerLink.get(link) ?? 0;
    if (queued >= this.queueMessagesMax) return false;
    this.queuedPerLink.set(link, queued + 1);
    this.queue.push({ from, to, bytes: encodeMessage(msg) });
    if (!this.deliveryScheduled) {
      this.deliveryScheduled = true;
      setImmediate(() => this.deliver());
    }
    return true;
  }

  /** @internal */
  leave(member: MemoryTransport): void {
    if (this.members.get(member.self) === member) this.members.delete(member.self);
  }

  /** @internal Resolves once the queue has drained. */
  drained(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private deliver(): void {
    this.deliveryScheduled = false;
    const batch = this.queue.splice(0, this.queue.length);
    this.queuedPerLink.clear();
    for (const item of batch) this.members.get(item.to)?.receive(item.bytes);
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}

export class MemoryTransport implements Transport {
  private handler: MessageHandler | undefined;
  private closed = false;
  private readonly counters: TransportStats = emptyStats();

  constructor(readonly self: NodeId, private readonly network: MemoryNetwork) {}

  send(to: NodeId, msg: Message): boolean {
    assert(msg.from === this.self && msg.to === to, () => `memory transport: ${msg.type} from ${msg.from} to ${msg.to} sent by ${this.self} to ${to}`);
    if (this.closed || !this.network.enqueue(this.self, to, msg)) {
      this.counters.droppedMessages++;
      return false;
    }
    this.counters.sentMessages++;
    this.counters.sentBytes += encodedSize(msg);
    return true;
  }

  onMessage(handler: MessageHandler): void {
    this.handler = handler;
  }

  flush(): void {}

  async whenWritable(): Promise<void> {
    await this.network.drained();
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.network.leave(this);
  }

  /** @internal */
  receive(bytes: Uint8Array): void {
    if (this.closed || this.handler === undefined) return;
    this.counters.receivedMessages++;
    this.handler(decodeMessage(bytes), NO_LEASE);
  }
}
