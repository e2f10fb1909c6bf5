// The producer API of the engine: append(bytes) → {index, term} once committed.
//
// - Requests queue up and go out as one batch per event-loop turn to the replica believed to lead.
// - NotLeader replies carry a leader hint; the client redirects and resends.
// - A request with no answer within the retry time is resent to the current leader guess
//   (rotating through replicas when the guess is silent). The retry time adapts: four times the
//   recent commit latency, within [RETRY_MS_MIN, retryMs], so a dead or paused leader costs tens
//   of milliseconds, not a fixed timeout, while slow commits under load are not resent early. Each request keeps its (producer, sequence), and
//   the replicated state deduplicates by it, so a resend is committed at most once and the reply
//   to it carries the original index.
// - Bounds: at most outstandingMax requests in flight; a request gives up after deadlineMs.

import { assert } from '../assert.js';
import type { ClientChannel } from './channel.js';
import { BATCH_HEADER_BYTES, encodeRequestInto, forEachResponse, requestBytes, Status, writeBatchCount } from './protocol.js';
import type { AppendResponse } from './protocol.js';

export interface EngineClientOptions {
  producer: number;
  retryMs: number;
  deadlineMs: number;
  outstandingMax: number;
  /** Time source in ms (injected so tests control time). */
  nowMs?: () => number;
}

export const DEFAULT_CLIENT_OPTIONS: Omit<EngineClientOptions, 'producer'> = {
  retryMs: 150,
  deadlineMs: 30_000,
  // Must stay below the replicas' dedupe window (src/node/dedupe.ts) for exactly-once retries.
  outstandingMax: 16_384,
};

/** Pause before resending a request that no replica could take (an election is running). */
const REDIRECT_DELAY_MS = 10;
const RETRY_MS_MIN = 30;
const RETRY_CHECK_MS = 10;

export interface CommitAck {
  index: number;
  term: number;
}

export class AppendError extends Error {
  override name = 'AppendError';
}

interface Pending {
  requestId: number;
  sequence: number;
  payload: Uint8Array;
  resolve: (ack: CommitAck) => void;
  reject: (error: Error) => void;
  firstSentMs: number;
  lastSentMs: number;
  replica: number;
  attempts: number;
  queued: boolean;
}

export interface ClientStats {
  sent: number;
  resent: number;
  redirects: number;
  overloaded: number;
  timedOut: number;
}

export class EngineClient {
  private readonly channels = new Map<number, ClientChannel>();
  private readonly pending = new Map<number, Pending>();
  private readonly queue: Pending[] = [];
  private leaderGuess: number;
  private nextRequestId = 1;
  private nextSequence = 0;
  private flushScheduled = false;
  private readonly retryTimer: NodeJS.Timeout;
  private readonly nowMs: () => number;
  private closed = false;
  /** Exponentially weighted mean of commit latency (ms), for the adaptive retry time. */
  private latencyMsMean = 0;
  readonly stats: ClientStats = { sent: 0, resent: 0, redirects: 0, overloaded: 0, timedOut: 0 };

  constructor(
    channels: readonly ClientChannel[],
    private readonly options: EngineClientOptions,
  ) {
    assert(channels.length > 0, 'EngineClient needs at least one replica channel');
    for (const channel of channels) this.attach(channel);
    this.leaderGuess = channels[0]!.replica;
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.retryTimer = setInterval(() => this.checkRetries(), RETRY_CHECK_MS);
    this.retryTimer.unref();
  }

  /** Adds or replaces the channel to a replica (after a restart). */
  attach(channel: ClientChannel): void {
    this.channels.set(channel.replica, channel);
    channel.onResponses((batch) => forEachResponse(batch, (response) => this.onResponse(response)));
  }

  get outstanding(): number {
    return this.pending.size;
  }

  append(payload: Uint8Array): Promise<CommitAck> {
    if (this.closed) return Promise.reject(new AppendError('client is closed'));
    if (this.pending.size >= this.options.outstandingMax) {
      return Promise.reject(new AppendError(`too many outstanding appends (limit ${this.options.outstandingMax})`));
    }
    return new Promise<CommitAck>((resolve, reject) => {
      const now = this.nowMs();
      const request: Pending = {
        requestId: this.nextRequestId,
        sequence: this.nextSequence++,
        payload,
        resolve,
        reject,
        firstSentMs: now,
        lastSentMs: now,
        replica: this.leaderGuess,
        attempts: 0,
        queued: false,
      };
      this.nextRequestId = (this.nextRequestId % 0xfffffffe) + 1;
      this.pending.set(request.requestId, request);
      this.enqueue(request);
    });
  }

  private enqueue(request: Pending): void {
    if (request.queued) return;
    request.queued = true;
    this.queue.push(request);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    let start = 0;
    while (start < this.queue.length) {
      const channel = this.pickChannel();
      if (channel === undefined) break;
      const sent = this.sendBatch(channel, start);
      if (sent === 0) break; // ring full: the retry timer picks the rest up
      start += sent;
    }
    for (const channel of this.channels.values()) channel.flush();
    for (let i = 0; i < start; i++) this.queue[i]!.queued = false;
    this.queue.splice(0, start);
  }

  private pickChannel(): ClientChannel | undefined {
    const guess = this.channels.get(this.leaderGuess);
    if (guess !== undefined && !guess.closed) return guess;
    for (const channel of this.channels.values()) {
      if (!channel.closed) {
        this.leaderGuess = channel.replica;
        return channel;
      }
    }
    return undefined;
  }

  /** Encodes queue[start..] into one batch on `channel`; returns how many requests went out. */
  private sendBatch(channel: ClientChannel, start: number): number {
    let bytes = BATCH_HEADER_BYTES;
    let end = start;
    while (end < this.queue.length) {
      const next = requestBytes(this.queue[end]!.payload.byteLength);
      if (bytes + next > channel.batchBytesMax) break;
      bytes += next;
      end++;
    }
    assert(end > start, () => `a ${this.queue[start]!.payload.byteLength}-byte payload does not fit a ${channel.batchBytesMax}-byte batch`);
    const slot = channel.reserve(bytes);
    if (slot === undefined) return 0;
    const now = this.nowMs();
    let offset = BATCH_HEADER_BYTES;
    for (let i = start; i < end; i++) {
      const request = this.queue[i]!;
      offset += encodeRequestInto(slot, offset, request.requestId, this.options.producer, request.sequence, request.payload);
      if (request.attempts > 0) this.stats.resent++;
      request.attempts++;
      request.lastSentMs = now;
      request.replica = channel.replica;
    }
    writeBatchCount(slot, 0, end - start);
    channel.commit(bytes);
    this.stats.sent += end - start;
    return end - start;
  }

  private onResponse(response: AppendResponse): void {
    const request = this.pending.get(response.requestId);
    if (request === undefined) return; // answered already (a resend's duplicate reply)
    switch (response.status) {
      case Status.Ok:
        this.pending.delete(response.requestId);
        this.latencyMsMean = this.latencyMsMean * 0.95 + (this.nowMs() - request.lastSentMs) * 0.05;
        this.leaderGuess = request.replica;
        request.resolve({ index: response.index, term: response.term });
        return;
      case Status.NotLeader:
        this.stats.redirects++;
        if (response.leaderHint !== 0 && response.leaderHint !== request.replica && this.channels.has(response.leaderHint)) {
          this.leaderGuess = response.leaderHint;
          this.enqueue(request);
          return;
        }
        // No known leader (an election is running): try the next replica shortly, without
        // spinning between replicas.
        if (request.replica === this.leaderGuess) this.rotateLeaderGuess();
        this.enqueueLater(request, REDIRECT_DELAY_MS);
        return;
      case Status.Overloaded:
        this.stats.overloaded++;
        return; // resent by the retry timer
      case Status.Failed:
        this.pending.delete(response.requestId);
        request.reject(new AppendError(`replica ${request.replica} failed the append`));
        return;
    }
  }

  private enqueueLater(request: Pending, delayMs: number): void {
    request.queued = true; // not resent by the retry timer meanwhile
    const timer = setTimeout(() => {
      request.queued = false;
      if (this.pending.has(request.requestId)) this.enqueue(request);
    }, delayMs);
    timer.unref();
  }

  private rotateLeaderGuess(): void {
    const ids = [...this.channels.keys()].sort((a, b) => a - b);
    const at = ids.indexOf(this.leaderGuess);
    this.leaderGuess = ids[(at + 1) % ids.length]!;
  }

  /** Current retry time: 4× recent commit latency, within [RETRY_MS_MIN, retryMs]. */
  retryAfterMs(): number {
    return Math.min(this.options.retryMs, Math.max(RETRY_MS_MIN, 4 * this.latencyMsMean));
  }

  private checkRetries(): void {
    const now = this.nowMs();
    const retryMs = this.retryAfterMs();
    let silentLeader = false;
    for (const request of this.pending.values()) {
      if (now - request.firstSentMs > this.options.deadlineMs) {
        this.pending.delete(request.requestId);
        this.stats.timedOut++;
        request.reject(new AppendError(`append not committed within ${this.options.deadlineMs} ms`));
        continue;
      }
      if (!request.queued && now - request.lastSentMs > retryMs) {
        if (request.replica === this.leaderGuess) silentLeader = true;
        this.enqueue(request);
      }
    }
    if (silentLeader) this.rotateLeaderGuess();
    if (this.queue.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.retryTimer);
    for (const request of this.pending.values()) request.reject(new AppendError('client closed'));
    this.pending.clear();
    await Promise.all([...this.channels.values()].map((c) => c.close()));
  }
}
