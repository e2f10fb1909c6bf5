// The etcd driver (npm etcd3): append = one put of `<prefix>/<producer>/<sequence>` with the
// payload as value; the ack's index is the put's header revision, its term etcd's raft term.
//
// Managed mode (no endpoints) starts a 3-member cluster (see cluster.ts) and offers cluster
// control; external mode (`endpoints`) uses a running cluster and offers none (no pids).
// Every append is bounded by appendTimeoutMs: transient errors during leader loss are retried
// (another member, short backoff) until then, and then reported, never hung on.

import { randomBytes } from 'node:crypto';
import { ConsecutiveBreaker, circuitBreaker, handleWhen, isBrokenCircuitError, noop, wrap } from 'cockatiel';
import { Etcd3, GRPCDeadlineExceededError, isRecoverableError } from 'etcd3';
import type { AppendAck, ClusterControl, Driver, ReplicaContents } from '../types.js';
import { TimeoutError } from '../deadline.js';
import { appendRetryPolicy, retryUntilDeadline, type RetryPolicy } from '../retry.js';
import { EtcdCluster, singleMemberClient, type EtcdClusterOptions } from './cluster.js';
import { EntryKeys } from './keys.js';
import { readMember } from './read-back.js';

export interface EtcdDriverOptions extends EtcdClusterOptions {
  /** Client URLs of a running cluster (external mode), e.g. ["http://127.0.0.1:2379"]. */
  endpoints?: string[] | undefined;
  /** Names this run's keys: `logbench/<runId>/...`; default: random. */
  runId?: string | undefined;
  appendTimeoutMs?: number;
  attemptTimeoutMs?: number;
}

export const ETCD_DURABILITY = 'etcd: fsync (WAL) on a majority before ack';
const READ_CALL_TIMEOUT_MS = 10_000;
const READ_MESSAGE_BYTES_MAX = 64 * 1024 * 1024;
// A member that failed 3 calls in a row is skipped for this long; etcd3's default (5 s) would
// add seconds of client-made unavailability to every failover.
const HOST_BREAKER_OPEN_MS = 500;

const TRANSIENT_MESSAGE = /leader|timed out|timeout|unavailable|stopped|connection|too many requests/i;

function isDeadlineExceeded(err: Error): boolean {
  return err instanceof GRPCDeadlineExceededError;
}

function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return isRecoverableError(err) || isBrokenCircuitError(err) || isDeadlineExceeded(err) || err instanceof TimeoutError || TRANSIENT_MESSAGE.test(err.message);
}

export class EtcdDriver implements Driver {
  readonly system = 'etcd';
  readonly durability: string;
  readonly settings: Record<string, string | number | boolean>;
  control?: ClusterControl;

  private cluster: EtcdCluster | undefined;
  private client: Etcd3 | undefined;
  private readonly keys: EntryKeys;
  private readonly retryPolicy: RetryPolicy;
  private endpointUrls: string[] = [];

  constructor(private readonly opts: EtcdDriverOptions = {}) {
    const runId = opts.runId ?? `run-${randomBytes(4).toString('hex')}`;
    this.keys = new EntryKeys(`logbench/${runId}`);
    this.retryPolicy = appendRetryPolicy('etcd', opts);
    const external = opts.endpoints !== undefined;
    if (external && opts.endpoints!.length === 0) throw new RangeError('etcd driver option endpoints: expected at least one client URL');
    this.durability = external ? `${ETCD_DURABILITY} (external cluster: unless it runs with --unsafe-no-fsync)` : ETCD_DURABILITY;
    this.settings = {
      mode: external ? 'external' : 'managed',
      keyPrefix: this.keys.prefix,
      appendTimeoutMs: this.retryPolicy.timeoutMs,
      attemptTimeoutMs: this.retryPolicy.attemptTimeoutMs,
      hostBreakerOpenMs: HOST_BREAKER_OPEN_MS,
    };
    if (external) this.settings['endpoints'] = opts.endpoints!.join(',');
  }

  async connect(): Promise<void> {
    if (this.client) throw new Error('etcd driver: connect() called twice');
    if (this.opts.endpoints !== undefined) {
      this.endpointUrls = [...this.opts.endpoints];
    } else {
      this.cluster = await EtcdCluster.start(this.opts);
      Object.assign(this.settings, this.cluster.settings);
      this.endpointUrls = this.cluster.clientUrls;
      this.control = this.cluster.control;
    }
    this.client = new Etcd3({
      hosts: this.endpointUrls,
      faultHandling: {
        // A member that let one call run out its deadline is stalled (paused, overloaded disk):
        // skip it at once, or every append that draws it waits out a whole attempt. Members
        // that refuse connections are skipped after 3 failures in a row.
        host: () =>
          wrap(
            circuitBreaker(handleWhen(isDeadlineExceeded), { halfOpenAfter: HOST_BREAKER_OPEN_MS, breaker: new ConsecutiveBreaker(1) }),
            circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: HOST_BREAKER_OPEN_MS, breaker: new ConsecutiveBreaker(3) }),
          ),
        // No retries inside the client: they would reuse the attempt's absolute deadline, so
        // after one stalled member the retry on the next fails at once and trips its breaker
        // too. The append loop retries, each attempt with a fresh deadline.
        global: noop,
      },
    });
  }

  /** Client URLs in use (managed: the started members'), for external-mode reuse. */
  get clientUrls(): string[] {
    return [...this.endpointUrls];
  }

  async append(payload: Uint8Array): Promise<AppendAck> {
    const client = this.client;
    if (!client) throw new Error('etcd driver: append() before connect()');
    const key = Buffer.from(this.keys.keyFor(payload));
    const value = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const response = await retryUntilDeadline(
      (attemptTimeoutMs) => client.kv.put({ key, value }, { deadline: Date.now() + attemptTimeoutMs }),
      isTransient,
      this.retryPolicy,
      `etcd put ${key.toString()}`,
    );
    return { index: Number(response.header.revision), term: Number(response.header.raft_term) };
  }

  async readBack(): Promise<ReplicaContents[]> {
    const client = this.client;
    if (!client) throw new Error('etcd driver: readBack() before connect()');
    // A linearizable read gives the revision every member must reach before it is read. Retried
    // like an append: right after a member is killed, the client may still draw it (its breaker
    // half-opens to probe it) and get UNAVAILABLE from a call that another member would answer.
    const latest = await retryUntilDeadline(
      (attemptTimeoutMs) => client.kv.range({ key: Buffer.from(this.keys.prefix), range_end: this.keys.rangeEnd(), count_only: true }, { deadline: Date.now() + attemptTimeoutMs }),
      isTransient,
      { ...this.retryPolicy, timeoutMs: READ_CALL_TIMEOUT_MS },
      'etcd read-back: latest revision',
    );
    const revisionMin = Number(latest.header.revision);
    // Paused or killed members cannot answer; the ledger sees the ones that can.
    const responsive = this.cluster?.group.responsive().map((m) => m.id);
    const targets = this.cluster
      ? this.cluster.addresses.filter((a) => responsive!.includes(a.id))
      : this.endpointUrls.map((url) => ({ id: url, clientUrl: url }));
    return Promise.all(
      targets.map(async (t) => {
        const memberClient = singleMemberClient(t.clientUrl, READ_CALL_TIMEOUT_MS, READ_MESSAGE_BYTES_MAX);
        try {
          return await readMember(memberClient, `etcd ${t.id} (${t.clientUrl})`, this.keys, revisionMin);
        } finally {
          memberClient.close();
        }
      }),
    );
  }

  async close(): Promise<void> {
    this.client?.close();
    this.client = undefined;
    await this.cluster?.close();
    this.cluster = undefined;
  }
}
