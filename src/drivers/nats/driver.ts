// The NATS JetStream driver (npm nats): one R3 file stream per run on subject `logbench.<run>`;
// append = js.publish, the ack's index is the stream sequence.
//
// Each publish carries a message id from the load tag (`<producer>-<sequence>`), so a publish
// retried after a lost ack is de-duplicated by JetStream (duplicate window) and acked with the
// first copy's sequence instead of being stored twice. Every append is bounded by
// appendTimeoutMs; timeouts and "no responders" during a leader election are retried until then.
//
// Managed mode starts the servers (cluster.ts) with the chosen durability mode; external mode
// (`endpoints`) creates the stream on a running cluster, offers no cluster control, and states
// durability as the cluster's own setting.

import { randomBytes } from 'node:crypto';
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { readTag } from '../../check/tag.js';
import type { AppendAck, ClusterControl, Driver, ReplicaContents } from '../types.js';
import { withTimeout } from '../deadline.js';
import { appendRetryPolicy, retryUntilDeadline, type RetryPolicy } from '../retry.js';
import { NatsCluster, streamConfig, streamNames, type NatsClusterOptions } from './cluster.js';
import { NATS_DURABILITY } from './config.js';
import { readStream } from './read-back.js';

export interface NatsDriverOptions extends NatsClusterOptions {
  /** Client URLs of a running cluster (external mode), e.g. ["nats://127.0.0.1:4222"]. */
  endpoints?: string[] | undefined;
  /** Names this run's stream and subject; default: random. */
  runId?: string | undefined;
  /** Stream replicas in external mode (managed mode uses memberCount). */
  replicas?: number;
  appendTimeoutMs?: number;
  attemptTimeoutMs?: number;
}

const READ_TIMEOUT_MS = 120_000;
const ADMIN_TIMEOUT_MS = 5000;
const TRANSIENT = /timeout|503|no responders|temporarily unavailable|disconnect|reconnect|leader|stream not found/i;

function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (code === 'CONNECTION_CLOSED' || code === 'CONNECTION_DRAINING') return false;
  return code === 'TIMEOUT' || code === '503' || TRANSIENT.test(err.message);
}

export class NatsDriver implements Driver {
  readonly system = 'nats';
  readonly durability: string;
  readonly settings: Record<string, string | number | boolean>;
  control?: ClusterControl;

  private cluster: NatsCluster | undefined;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private readonly stream: string;
  private readonly subject: string;
  private readonly retryPolicy: RetryPolicy;
  private untaggedCount = 0;
  private servers: string[] = [];

  constructor(private readonly opts: NatsDriverOptions = {}) {
    const names = streamNames(opts.runId ?? `run-${randomBytes(4).toString('hex')}`);
    this.stream = names.stream;
    this.subject = names.subject;
    this.retryPolicy = appendRetryPolicy('nats', opts);
    const external = opts.endpoints !== undefined;
    if (external && opts.endpoints!.length === 0) throw new RangeError('nats driver option endpoints: expected at least one client URL');
    if (external && opts.durabilityMode !== undefined) throw new RangeError('nats driver option durabilityMode: only for managed mode; an external cluster syncs as its own configuration says');
    const mode = opts.durabilityMode ?? 'default';
    this.durability = external ? 'nats (external cluster): ack once a majority of the stream replicas stored it; fsync as the cluster\'s jetstream.sync_interval says' : NATS_DURABILITY[mode];
    this.settings = {
      mode: external ? 'external' : 'managed',
      stream: this.stream,
      subject: this.subject,
      appendTimeoutMs: this.retryPolicy.timeoutMs,
      attemptTimeoutMs: this.retryPolicy.attemptTimeoutMs,
      dedupByMsgId: true,
    };
    if (external) this.settings['endpoints'] = opts.endpoints!.join(',');
  }

  async connect(): Promise<void> {
    if (this.nc) throw new Error('nats driver: connect() called twice');
    let servers: string[];
    if (this.opts.endpoints !== undefined) {
      servers = [...this.opts.endpoints];
    } else {
      this.cluster = await NatsCluster.start(this.opts, this.stream, this.subject);
      Object.assign(this.settings, this.cluster.settings);
      servers = this.cluster.clientUrls;
      this.control = this.cluster.control;
    }
    this.servers = servers;
    // Fast reconnects and pings: a dead or paused server is left within ~2 s, not the
    // client's default of minutes.
    this.nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 100, pingInterval: 1000, maxPingOut: 2, timeout: ADMIN_TIMEOUT_MS });
    this.js = this.nc.jetstream({ timeout: this.retryPolicy.attemptTimeoutMs });
    this.jsm = await this.nc.jetstreamManager({ timeout: ADMIN_TIMEOUT_MS });
    if (this.opts.endpoints !== undefined) {
      const replicas = this.opts.replicas ?? 3;
      await this.jsm.streams.add(streamConfig(this.stream, this.subject, replicas));
      this.settings['replicas'] = replicas;
    } else {
      this.settings['replicas'] = this.opts.memberCount ?? 3;
    }
  }

  /** Client URLs in use (managed: the started servers'), for external-mode reuse. */
  get clientUrls(): string[] {
    return [...this.servers];
  }

  private messageId(payload: Uint8Array): string {
    const tag = readTag(payload);
    return tag ? `${tag.producer}-${tag.sequence}` : `untagged-${this.untaggedCount++}`;
  }

  async append(payload: Uint8Array): Promise<AppendAck> {
    const js = this.js;
    if (!js) throw new Error('nats driver: append() before connect()');
    const msgID = this.messageId(payload);
    const ack = await retryUntilDeadline(
      (attemptTimeoutMs) => js.publish(this.subject, payload, { msgID, timeout: attemptTimeoutMs }),
      isTransient,
      this.retryPolicy,
      `nats publish ${this.subject} (msg id ${msgID})`,
    );
    return { index: ack.seq };
  }

  async readBack(): Promise<ReplicaContents[]> {
    const jsm = this.jsm;
    if (!jsm) throw new Error('nats driver: readBack() before connect()');
    const info = await withTimeout(jsm.streams.info(this.stream), ADMIN_TIMEOUT_MS, `nats stream info ${this.stream}`);
    const leader = info.cluster?.leader ?? 'unknown';
    const replica = `nats stream ${this.stream} via leader ${leader} (replicas not readable separately)`;
    return [await withTimeout(readStream(jsm, this.stream, info.state.first_seq, info.state.last_seq, replica), READ_TIMEOUT_MS, `reading nats stream ${this.stream}`)];
  }

  async close(): Promise<void> {
    const nc = this.nc;
    this.nc = undefined;
    this.js = undefined;
    this.jsm = undefined;
    if (nc) await withTimeout(nc.close(), 2000, 'nats connection close').catch(() => undefined);
    await this.cluster?.close();
    this.cluster = undefined;
  }
}
