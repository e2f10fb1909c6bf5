// Transport between replicas in worker threads of one process: one SPSC ring per ordered pair of
// replicas. createRingMesh (main thread) allocates the rings; each worker gets its endpoint through
// workerData and builds a RingTransport from it.
//
// A message is encoded once, straight into its ring slot; the receiver decodes it in place, so an
// Append's entries (and framesView) are views of the ring until the handler's lease is released.
// Doorbells are batched: sends in one event-loop turn share one flush (a microtask), and flush
// only notifies a receiver that is parked.
//
// Invariants: a ring has exactly one producer thread (endpoint `self` of the pair) and one consumer;
// records are released in the order they were taken, whatever order handlers release leases in;
// an inbound message must be addressed to `self` and come from the ring's peer.

import { assert } from '../assert.js';
import type { Message } from '../raft/types.js';
import type { NodeId } from '../types.js';
import { decodeMessage, encodeInto, encodedSize } from './codec.js';
import { RingConsumer, RingProducer, createRingBuffer } from './ring.js';
import type { MessageHandler, MessageLease, Transport, TransportStats } from './transport.js';
import { emptyStats } from './transport.js';

/** What one replica needs to reach every other: plain data, passable as workerData. */
export interface RingMeshEndpoint {
  self: number;
  links: { peer: number; outbound: SharedArrayBuffer; inbound: SharedArrayBuffer }[];
}

/** Allocates one ring of `ringBytes` per ordered pair; returns each replica's endpoint. */
export function createRingMesh(nodeIds: readonly NodeId[], ringBytes: number): Map<NodeId, RingMeshEndpoint> {
  assert(new Set(nodeIds).size === nodeIds.length, () => `createRingMesh: duplicate node ids in ${nodeIds.join(',')}`);
  for (const id of nodeIds) assert(Number.isInteger(id) && id >= 1, () => `createRingMesh: node id ${id} is not a positive integer`);
  const rings = new Map<string, SharedArrayBuffer>();
  for (const from of nodeIds) for (const to of nodeIds) if (from !== to) rings.set(`${from}>${to}`, createRingBuffer(ringBytes));
  const mesh = new Map<NodeId, RingMeshEndpoint>();
  for (const self of nodeIds) {
    const links = nodeIds.filter((peer) => peer !== self).map((peer) => ({
      peer,
      outbound: rings.get(`${self}>${peer}`)!,
      inbound: rings.get(`${peer}>${self}`)!,
    }));
    mesh.set(self, { self, links });
  }
  return mesh;
}

export interface RingTransportOptions {
  /** Records handled per wake-up before yielding to the event loop (fairness between rings, timers). */
  drainRecordsMax?: number;
  /** Keep the thread alive while open (a parked Atomics.waitAsync does not). Default true. */
  keepAlive?: boolean;
}

/** Releases a ring's records in taken order though leases may end in any order. */
class InboundLink {
  private takenCount = 0;
  private releasedCount = 0;
  private readonly doneOutOfOrder = new Set<number>();

  constructor(readonly peer: NodeId, readonly consumer: RingConsumer) {}

  taken(): number {
    return this.takenCount++;
  }

  done(sequence: number): void {
    assert(sequence >= this.releasedCount && sequence < this.takenCount && !this.doneOutOfOrder.has(sequence), () => `ring transport: record ${sequence} from ${this.peer} released twice`);
    if (sequence !== this.releasedCount) {
      this.doneOutOfOrder.add(sequence);
      return;
    }
    this.consumer.release();
    this.releasedCount++;
    while (this.doneOutOfOrder.delete(this.releasedCount)) {
      this.consumer.release();
      this.releasedCount++;
    }
  }
}

class RecordLease implements MessageLease {
  retained = false;

  constructor(private readonly link: InboundLink, private readonly sequence: number) {}

  retain(): () => void {
    assert(!this.retained, 'ring transport: lease retained twice');
    this.retained = true;
    let released = false;
    return () => {
      assert(!released, 'ring transport: retained message released twice');
      released = true;
      this.link.done(this.sequence);
    };
  }
}

export class RingTransport implements Transport {
  readonly self: NodeId;
  private readonly producers: (RingProducer | undefined)[] = [];
  private readonly inbound: InboundLink[] = [];
  private readonly nodeIdMax: number;
  private readonly drainRecordsMax: number;
  private handler: MessageHandler | undefined;
  private flushScheduled = false;
  private closed = false;
  private readonly keepAlive: ReturnType<typeof setInterval> | undefined;
  private readonly pumps: Promise<void>[] = [];
  private readonly counters: TransportStats = emptyStats();
  private readonly flushNow = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  constructor(endpoint: RingMeshEndpoint, options: RingTransportOptions = {}) {
    this.self = endpoint.self as NodeId;
    this.drainRecordsMax = options.drainRecordsMax ?? 256;
    assert(this.drainRecordsMax >= 1, 'ring transport: drainRecordsMax must be >= 1');
    let nodeIdMax = endpoint.self;
    for (const link of endpoint.links) {
      assert(link.peer !== endpoint.self, `ring transport: node ${endpoint.self} linked to itself`);
      this.producers[link.peer] = new RingProducer(link.outbound);
      this.inbound.push(new InboundLink(link.peer as NodeId, new RingConsumer(link.inbound)));
      nodeIdMax = Math.max(nodeIdMax, link.peer);
    }
    this.nodeIdMax = nodeIdMax;
    this.keepAlive = options.keepAlive === false ? undefined : setInterval(noop, 1 << 30);
  }

  send(to: NodeId, msg: Message): boolean {
    const producer = this.producers[to];
    if (producer === undefined) throw new RangeError(`ring transport: node ${this.self} has no ring to node ${to}`);
    assert(msg.from === this.self && msg.to === to, () => `ring transport: ${msg.type} from ${msg.from} to ${msg.to} sent by ${this.self} to ${to}`);
    if (this.closed) {
      this.counters.droppedMessages++;
      return false;
    }
    const size = encodedSize(msg);
    if (size > producer.recordBytesMax) {
      throw new RangeError(`ring transport: ${msg.type} of ${size} bytes exceeds the ring record limit ${producer.recordBytesMax} (ring bytes ${producer.capacityBytes}; raise it or lower batchBytesMax)`);
    }
    const offset = producer.tryReserveOffset(size);
    if (offset < 0) {
      this.counters.droppedMessages++;
      return false;
    }
    encodeInto(producer.bytes, offset, msg);
    producer.commit(size);
    this.counters.sentMessages++;
    this.counters.sentBytes += size;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushNow);
    }
    return true;
  }

  onMessage(handler: MessageHandler): void {
    const first = this.handler === undefined;
    this.handler = handler;
    if (first) for (const link of this.inbound) this.pumps.push(this.pump(link));
  }

  flush(): void {
    for (const producer of this.producers) producer?.flush();
  }

  async whenWritable(to: NodeId, bytes: number): Promise<void> {
    const producer = this.producers[to];
    if (producer === undefined) throw new RangeError(`ring transport: node ${this.self} has no ring to node ${to}`);
    if (!this.closed) await producer.waitForSpace(bytes);
  }

  stats(): TransportStats {
    let lostWakeups = 0;
    for (const link of this.inbound) lostWakeups += link.consumer.lostWakeups;
    for (const producer of this.producers) lostWakeups += producer?.lostWakeups ?? 0;
    return { ...this.counters, lostWakeups };
  }

  /** Ring-level counters per outbound peer (back-pressure, doorbells), for reports. */
  ringStats(): { peer: NodeId; records: number; full: number; doorbells: number }[] {
    const out: { peer: NodeId; records: number; full: number; doorbells: number }[] = [];
    this.producers.forEach((p, peer) => {
      if (p !== undefined) out.push({ peer: peer as NodeId, records: p.recordCount, full: p.fullCount, doorbells: p.doorbellCount });
    });
    return out;
  }

  /** Stops receiving on this side; the rings stay usable by a replica restarted on the same endpoint. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    for (const link of this.inbound) link.consumer.interrupt();
    if (this.keepAlive !== undefined) clearInterval(this.keepAlive);
    await Promise.all(this.pumps);
  }

  private async pump(link: InboundLink): Promise<void> {
    const consumer = link.consumer;
    while (!this.closed) {
      let handled = 0;
      let record: Uint8Array | undefined;
      while (handled < this.drainRecordsMax && !this.closed && (record = consumer.take()) !== undefined) {
        handled++;
        const sequence = link.taken();
        const msg = decodeMessage(record, { nodeIdMax: this.nodeIdMax });
        assert(msg.from === link.peer && msg.to === this.self, () => `ring transport: ${msg.type} from ${msg.from} to ${msg.to} arrived on the ring ${link.peer}>${this.self}`);
        const lease = new RecordLease(link, sequence);
        this.counters.receivedMessages++;
        try {
          this.handler!(msg, lease);
        } finally {
          if (!lease.retained) link.done(sequence);
        }
      }
      if (handled === this.drainRecordsMax) {
        // Let timers, sockets and the other rings run before draining more.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else if (!(await consumer.waitForData())) {
        return;
      }
    }
  }
}

function noop(): void {}
