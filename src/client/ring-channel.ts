// Threads-mode ClientChannel: a request ring (client → replica) and a response ring
// (replica → client), both single-producer/single-consumer on SharedArrayBuffer. One record is
// one batch. The response consumer runs a waitForData loop (Atomics.waitAsync), so the client's
// event loop is never blocked.

import { RingConsumer, RingProducer } from '../transport/ring.js';
import type { ClientChannel } from './channel.js';

export interface ClientRingPair {
  /** Client → replica. */
  requests: SharedArrayBuffer;
  /** Replica → client. */
  responses: SharedArrayBuffer;
}

export class RingChannel implements ClientChannel {
  private readonly producer: RingProducer;
  private readonly consumer: RingConsumer;
  private handler: (batch: Uint8Array) => void = () => {};
  private isClosed = false;
  private readonly loop: Promise<void>;
  readonly batchBytesMax: number;

  constructor(
    readonly replica: number,
    pair: ClientRingPair,
  ) {
    this.producer = new RingProducer(pair.requests);
    this.consumer = new RingConsumer(pair.responses);
    this.batchBytesMax = this.producer.recordBytesMax;
    this.loop = this.readLoop();
  }

  get closed(): boolean {
    return this.isClosed || this.producer.closed;
  }

  reserve(bytes: number): Uint8Array | undefined {
    if (this.closed) return undefined;
    return this.producer.tryReserve(bytes);
  }

  commit(bytes: number): void {
    this.producer.commit(bytes);
  }

  flush(): void {
    this.producer.flush();
  }

  onResponses(handler: (batch: Uint8Array) => void): void {
    this.handler = handler;
  }

  private async readLoop(): Promise<void> {
    while (!this.isClosed) {
      const ready = await this.consumer.waitForData();
      if (!ready) break;
      for (let batch = this.consumer.peek(); batch !== undefined; batch = this.consumer.peek()) {
        try {
          this.handler(batch);
        } finally {
          this.consumer.release();
        }
      }
    }
  }

  /** Replaces nothing: a restarted replica gets a fresh channel from the group. */
  async close(): Promise<void> {
    this.isClosed = true;
    this.consumer.interrupt();
    await this.loop;
  }
}
