// Threads-mode ClientPort: for each client, the replica consumes the client's request ring and
// produces into its response ring.

import type { ClientRingPair } from '../client/ring-channel.js';
import { BATCH_HEADER_BYTES, encodeResponseInto, RESPONSE_BYTES, writeBatchCount } from '../client/protocol.js';
import type { AppendResponse } from '../client/protocol.js';
import { RingConsumer, RingProducer } from '../transport/ring.js';
import type { ClientLink, ClientPort } from './client-port.js';

class RingClientLink implements ClientLink {
  readonly requests: RingConsumer;
  private readonly responses: RingProducer;
  private readonly responsesPerRecordMax: number;

  constructor(
    readonly id: number,
    pair: ClientRingPair,
  ) {
    this.requests = new RingConsumer(pair.requests);
    this.responses = new RingProducer(pair.responses);
    this.responsesPerRecordMax = Math.floor((this.responses.recordBytesMax - BATCH_HEADER_BYTES) / RESPONSE_BYTES);
  }

  sendResponses(responses: readonly AppendResponse[]): boolean {
    for (let start = 0; start < responses.length; start += this.responsesPerRecordMax) {
      const count = Math.min(this.responsesPerRecordMax, responses.length - start);
      const bytes = BATCH_HEADER_BYTES + count * RESPONSE_BYTES;
      const slot = this.responses.tryReserve(bytes);
      if (slot === undefined) return false;
      writeBatchCount(slot, 0, count);
      for (let i = 0; i < count; i++) encodeResponseInto(slot, BATCH_HEADER_BYTES + i * RESPONSE_BYTES, responses[start + i]!);
      this.responses.commit(bytes);
    }
    this.responses.flush();
    return true;
  }

  close(): void {
    this.requests.interrupt();
    this.responses.close();
  }
}

export class RingClientPort implements ClientPort {
  private readonly links: RingClientLink[];
  private handler: (link: ClientLink, batch: Uint8Array) => void = () => {};
  private readonly loops: Promise<void>[];
  private closed = false;

  constructor(pairs: readonly ClientRingPair[]) {
    this.links = pairs.map((pair, i) => new RingClientLink(i, pair));
    this.loops = this.links.map((link) => this.readLoop(link));
  }

  onRequests(handler: (link: ClientLink, batch: Uint8Array) => void): void {
    this.handler = handler;
  }

  private async readLoop(link: RingClientLink): Promise<void> {
    while (!this.closed) {
      if (!(await link.requests.waitForData())) break;
      // Drain what is there, but yield to the event loop between bursts so raft messages and
      // timers interleave with client batches.
      for (let n = 0; n < 64; n++) {
        const batch = link.requests.peek();
        if (batch === undefined) break;
        try {
          this.handler(link, batch);
        } finally {
          link.requests.release();
        }
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const link of this.links) link.close();
    await Promise.all(this.loops);
  }
}
