// Time limits for talking to real servers: every wait here is bounded, and a timeout says what
// was being waited for. (Drivers measure real systems, so wall-clock timers are correct here.)

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** Rejects with a TimeoutError naming `what` when `promise` has not settled within timeoutMs. */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Calls `attempt` every intervalMs until it returns a value other than undefined, or throws a
 * TimeoutError after timeoutMs quoting the last error `attempt` threw. `abortIf` returning a
 * message stops the wait at once with that message (e.g. the server being waited for died).
 */
export async function pollUntil<T>(
  attempt: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs: number; what: string; abortIf?: () => string | undefined },
): Promise<T> {
  const deadline = performance.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const abort = opts.abortIf?.();
    if (abort !== undefined) throw new Error(`${opts.what}: ${abort}`);
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (performance.now() + opts.intervalMs > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new TimeoutError(`${opts.what}: not reached within ${opts.timeoutMs} ms${cause}`);
    }
    await sleep(opts.intervalMs);
  }
}
