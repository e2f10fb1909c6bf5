// Bounded retries of one append against a peer during leader loss: retry transient errors with
// a short exponential backoff, but never past the append's deadline, so a client reports an
// error instead of hanging. The caller counts the error.

import { sleep } from './deadline.js';

export interface RetryPolicy {
  /** Total time one append may take, all attempts included. */
  timeoutMs: number;
  /** Time one attempt may take (capped by what is left of timeoutMs). */
  attemptTimeoutMs: number;
  backoffMsMin: number;
  backoffMsMax: number;
}

/**
 * The append retry policy of a peer driver from its options: `appendTimeoutMs` (default 5000) and
 * `attemptTimeoutMs` (default 2000), each a positive number of milliseconds.
 */
export function appendRetryPolicy(system: string, opts: { appendTimeoutMs?: number; attemptTimeoutMs?: number }): RetryPolicy {
  const positive = (name: string, value: number): number => {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${system} driver option ${name}: expected a positive number of milliseconds, got ${value}`);
    return value;
  };
  return {
    timeoutMs: positive('appendTimeoutMs', opts.appendTimeoutMs ?? 5000),
    attemptTimeoutMs: positive('attemptTimeoutMs', opts.attemptTimeoutMs ?? 2000),
    backoffMsMin: 10,
    backoffMsMax: 200,
  };
}

export class AppendFailedError extends Error {
  override name = 'AppendFailedError';
  constructor(
    message: string,
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

export async function retryUntilDeadline<T>(
  attempt: (attemptTimeoutMs: number) => Promise<T>,
  isRetryable: (err: unknown) => boolean,
  policy: RetryPolicy,
  what: string,
): Promise<T> {
  const start = performance.now();
  const deadline = start + policy.timeoutMs;
  let backoffMs = policy.backoffMsMin;
  for (let attempts = 1; ; attempts++) {
    const remainingMs = deadline - performance.now();
    try {
      return await attempt(Math.max(1, Math.min(policy.attemptTimeoutMs, Math.floor(remainingMs))));
    } catch (err) {
      const elapsedMs = Math.round(performance.now() - start);
      const message = err instanceof Error ? err.message : String(err);
      if (!isRetryable(err)) throw new AppendFailedError(`${what}: ${message} (not retryable, attempt ${attempts}, ${elapsedMs} ms)`, attempts, err);
      if (performance.now() + backoffMs >= deadline) throw new AppendFailedError(`${what}: gave up after ${attempts} attempts in ${elapsedMs} ms (timeout ${policy.timeoutMs} ms); last error: ${message}`, attempts, err);
      await sleep(backoffMs);
      backoffMs = Math.min(policy.backoffMsMax, backoffMs * 2);
    }
  }
}
