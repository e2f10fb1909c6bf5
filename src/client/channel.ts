// The client's link to one replica: request batches out, response batches in. Threads mode uses
// a pair of shared-memory rings (ring-channel.ts); process and remote modes use TCP
// (tcp-channel.ts). The client encodes requests straight into the reserved slot.

export interface ClientChannel {
  /** The replica at the other end. */
  readonly replica: number;
  /** A writable slot of exactly `bytes` bytes for one request batch, or undefined when full/closed. */
  reserve(bytes: number): Uint8Array | undefined;
  /** Publishes the reserved batch (the first `bytes` bytes of the slot). */
  commit(bytes: number): void;
  /** Pushes committed batches out now (doorbell / socket write). */
  flush(): void;
  /** Largest batch this channel accepts. */
  readonly batchBytesMax: number;
  /** Sets the handler for response batches; the view is valid only during the call. */
  onResponses(handler: (batch: Uint8Array) => void): void;
  /** True once the other end is gone (replica killed or connection lost for good). */
  readonly closed: boolean;
  close(): Promise<void>;
}
