import { describe, expect, it } from 'vitest';
import { decidePushRetry, pushRetryDelaySeconds } from '../../../local/fc/push-retry';
import { defaultPushRetryPolicy } from '../../../local/project/run-options';

describe('EventBridge push retry decisions', () => {
  it('waits 10 to 20 s with BACKOFF_RETRY, across the whole random range', () => {
    const at = (r: number) => pushRetryDelaySeconds('BACKOFF_RETRY', 0, () => r);
    expect([at(0), at(0.5), at(0.9999)]).toEqual([10, 15, 20]);
  });

  it('doubles from 1 s up to 512 s with EXPONENTIAL_DECAY_RETRY, and its 176 retries take about a day', () => {
    const delays = Array.from({ length: 176 }, (_, i) =>
      pushRetryDelaySeconds('EXPONENTIAL_DECAY_RETRY', i, Math.random),
    );
    expect(delays.slice(0, 12)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 512, 512]);
    const total = delays.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(23 * 3600);
    expect(total).toBeLessThan(25 * 3600);
  });

  it('retries 3 times by default and then reports the attempts as exhausted', () => {
    const policy = defaultPushRetryPolicy();
    const decide = (retriesDone: number) =>
      decidePushRetry(policy, { retriesDone, ageMs: 0, random: () => 0 });
    expect([0, 1, 2].map((n) => decide(n))).toEqual([
      { kind: 'retry', delaySeconds: 10, retry: 1 },
      { kind: 'retry', delaySeconds: 10, retry: 2 },
      { kind: 'retry', delaySeconds: 10, retry: 3 },
    ]);
    expect(decide(3)).toEqual({ kind: 'exhausted', reason: 'attempts' });
    expect(defaultPushRetryPolicy('EXPONENTIAL_DECAY_RETRY').maxRetries).toBe(176);
  });

  it('does not start a retry past MaximumEventAgeInSeconds', () => {
    const policy = { ...defaultPushRetryPolicy('EXPONENTIAL_DECAY_RETRY'), maxEventAgeSeconds: 60 };
    // Retry 6 waits 32 s: from an age of 28 s it ends at 60 s exactly, from 29 s past it.
    expect(decidePushRetry(policy, { retriesDone: 5, ageMs: 28_000 }).kind).toBe('retry');
    expect(decidePushRetry(policy, { retriesDone: 5, ageMs: 29_000 })).toEqual({
      kind: 'exhausted',
      reason: 'age',
    });
  });
});
