// Where a replica's client requests come from and where its responses go. Threads mode: one
// ring pair per client (ring-client-port.ts). Process/remote mode: TCP connections.

import type { AppendResponse } from '../client/protocol.js';

export interface ClientLink {
  readonly id: number;
  /** Sends responses (batched by the caller); returns false when the link is full or gone. */
  sendResponses(responses: readonly AppendResponse[]): boolean;
}

export interface ClientPort {
  /** The handler gets each request batch; the bytes are valid only during the call. */
  onRequests(handler: (link: ClientLink, batch: Uint8Array) => void): void;
  close(): Promise<void>;
}
