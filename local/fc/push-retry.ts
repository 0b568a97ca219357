import type { PushRetryPolicy, PushRetryStrategy } from '../project/model';

// EventBridge's documented intervals (EventBridge's retry page,
// https://www.alibabacloud.com/help/en/eventbridge/user-guide/retry-and-dead-letter): BACKOFF_RETRY
// waits 10-20 s at random; EXPONENTIAL_DECAY_RETRY waits 1, 2, 4 ... 512 s, then 512 s.
const EXPONENTIAL_CAP_SECONDS = 512;

/** Seconds before retry number `retriesDone + 1`. `random` is in [0, 1), as Math.random. */
export function pushRetryDelaySeconds(
  strategy: PushRetryStrategy,
  retriesDone: number,
  random: () => number,
): number {
  if (strategy === 'BACKOFF_RETRY') return 10 + Math.min(10, Math.floor(random() * 11));
  return Math.min(EXPONENTIAL_CAP_SECONDS, 2 ** Math.max(0, retriesDone));
}

/** What to do with an event whose push just failed. */
export type PushRetryDecision =
  | {
      kind: 'retry';
      delaySeconds: number;
      /** 1-based number of the coming retry. */
      retry: number;
    }
  | { kind: 'exhausted'; reason: 'attempts' | 'age' };

/**
 * Decides between another retry and giving up, for an event that has already
 * been retried `retriesDone` times and was first pushed `ageMs` ago. A retry
 * that would start past MaximumEventAgeInSeconds is not made.
 */
export function decidePushRetry(
  policy: PushRetryPolicy,
  state: { retriesDone: number; ageMs: number; random?: () => number },
): PushRetryDecision {
  if (state.retriesDone >= policy.maxRetries) return { kind: 'exhausted', reason: 'attempts' };
  const delaySeconds = pushRetryDelaySeconds(
    policy.strategy,
    state.retriesDone,
    state.random ?? Math.random,
  );
  if (
    policy.maxEventAgeSeconds > 0 &&
    state.ageMs + delaySeconds * 1000 > policy.maxEventAgeSeconds * 1000
  ) {
    return { kind: 'exhausted', reason: 'age' };
  }
  return { kind: 'retry', delaySeconds, retry: state.retriesDone + 1 };
}
