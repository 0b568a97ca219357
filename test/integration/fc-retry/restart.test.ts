// A retry that is pending when the stack stops is not lost: the failed message
// waits invisible in the queue's SQLite file, and the store's count of its
// failed pushes carries the retry count into the next stack on the same data
// folder (a push the stop cut off is not one of them).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { defaultPushRetryPolicy } from '../../../local/project/run-options';
import { eventually } from '../../support/eventually';
import { fixtureFunction, queueTrigger, startRuntimeStack } from '../fc/runtime-stack';
import { attempts } from './attempts';

const FIXTURE = fileURLToPath(new URL('./fixtures', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'queueflow-trigger-restart-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// The runtime stack over a file store, so a second one resumes the first one's queue.
async function startStack(clock: VirtualClock) {
  const stack = await startRuntimeStack({ clock, withQueues: true, maxInstances: 1, dataDir });
  const queues = stack.queues!;
  queues.createQueue('jobs', { VisibilityTimeout: 30 });
  await stack.runtime.deploy([
    fixtureFunction('flaky', 'index.flaky', {
      codeDir: FIXTURE,
      triggers: [queueTrigger({ retry: defaultPushRetryPolicy() })],
    }),
  ]);
  const retryCounts = () => attempts(stack.logs).map((a) => a.retryCount);
  return { queues, logs: stack.logs, retryCounts, stop: () => stack.stop() };
}

it('brings a message whose retry was pending back after a restart, with its retry count', async () => {
  const start = Date.UTC(2026, 0, 1);
  const first = await startStack(new VirtualClock(start));
  first.queues.sendMessage('jobs', { body: '{"failUntil":2}' });
  const failed = await eventually(
    () => first.logs.find((l) => l.includes('function failed; retrying')),
    'the first stack logs a retry',
  );
  const delayMs = Number(/inSeconds=(\d+)/.exec(failed)?.[1]) * 1000;
  expect(first.retryCounts()).toEqual([0]);
  await first.stop();

  const clock = new VirtualClock(start);
  const second = await startStack(clock);
  try {
    await clock.advance(delayMs - 1);
    expect(second.queues.stats('jobs')).toMatchObject({ active: 0, inflight: 1 });
    expect(second.retryCounts()).toEqual([]);
    await clock.advance(1);
    // Retry 1 fails again and is held for 10-20 s more; retry 2 succeeds.
    const again = await eventually(
      () => second.logs.find((l) => l.includes('function failed; retrying')),
      'the second stack logs a retry',
    );
    expect(again).toContain('retry=2 ');
    await clock.advance(20_000);
    await eventually(
      () => (second.retryCounts().length === 2 ? true : undefined),
      'the second stack has made 2 attempts',
    );
    await eventually(
      () => (second.queues.stats('jobs').inflight === 0 ? true : undefined),
      'no message is in flight',
    );
    expect(second.retryCounts()).toEqual([1, 2]);
    expect(second.queues.stats('jobs')).toMatchObject({ active: 0, inflight: 0 });
  } finally {
    await second.stop();
  }
});

it('does not count a push the stop cut off as a retry: the message still gets all its retries', async () => {
  const marker = join(dataDir, 'hung');
  const start = Date.UTC(2026, 0, 2);
  const first = await startStack(new VirtualClock(start));
  first.queues.sendMessage('jobs', { body: JSON.stringify({ hangOnce: marker }) });
  // The push is under way (its marker written) and logged (its line read).
  await eventually(
    () => (existsSync(marker) && first.retryCounts().length === 1 ? true : undefined),
    'the marker exists and one attempt is counted',
  );
  expect(first.retryCounts()).toEqual([0]);
  await first.stop(); // the push never returned

  const clock = new VirtualClock(start);
  const second = await startStack(clock);
  try {
    // Back after the queue's 30 s visibility timeout, then every 10-20 s: a
    // first push and the policy's 3 retries, then dropped (ALL, no DLQ).
    // The clock moves by exactly the wait before each push (the visibility
    // timeout, then each retry's hold from its log line): one run per move.
    const decided = () => second.logs.filter((l) => l.includes('function failed; '));
    await clock.advance(30_000);
    for (let n = 1; n <= 3; n++) {
      const line = await eventually(() => decided()[n - 1], `retry decision ${n} is logged`);
      await clock.advance(Number(/inSeconds=(\d+)/.exec(line)?.[1]) * 1000);
    }
    await eventually(() => decided()[3], 'the 4th retry decision is logged');
    await eventually(
      () => (second.queues.stats('jobs').inflight === 0 ? true : undefined),
      'no message is in flight',
    );
    expect(second.retryCounts()).toEqual([0, 1, 2, 3]);
    expect(second.queues.stats('jobs')).toMatchObject({ active: 0, inflight: 0 });
  } finally {
    await second.stop();
  }
});
