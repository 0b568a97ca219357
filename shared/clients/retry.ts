/** How a client retries a call that failed with a retryable error. */
export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Five attempts, 100 ms doubling to at most 2 s: about 3 s of patience in all. */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  attempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 2000,
});

/** Waits `ms` milliseconds (injectable so unit tests run instantly). */
export type Sleep = (ms: number) => Promise<void>;

/**
 * The real sleep. The timer is deliberately not unref'd: a worker backing off
 * after a failed receive has nothing else keeping the process alive.
 */
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn`, retrying while `isRetryable(err)` with full-jitter exponential
 * backoff (jitter spreads the retries of many workers hit by one throttle).
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  options: {
    policy?: RetryPolicy;
    isRetryable: (err: unknown) => boolean;
    sleep?: Sleep;
    random?: () => number;
    /** Epoch ms: no retry starts (and no back-off sleeps) past it. */
    deadlineMs?: number;
  },
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= policy.attempts || !options.isRetryable(err)) throw err;
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.round(cap / 2 + (random() * cap) / 2);
      if (options.deadlineMs !== undefined && Date.now() + delay >= options.deadlineMs) throw err;
      await sleep(delay);
    }
  }
}
