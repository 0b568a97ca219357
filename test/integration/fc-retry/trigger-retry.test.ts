// The EventBridge MNS trigger's retry strategy, fault tolerance and dead-letter
// queue, on a VirtualClock so the 10-20 s and 512 s waits take no real time.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import type { PushRetryPolicy } from '../../../local/project/model';
import { defaultPushRetryPolicy } from '../../../local/project/run-options';
import { eventually } from '../../support/eventually';
import {
  fixtureFunction,
  queueTrigger,
  type RuntimeStack,
  startRuntimeStack,
} from '../fc/runtime-stack';
import { type Attempt, attempts } from './attempts';

const FIXTURE = fileURLToPath(new URL('./fixtures', import.meta.url));

const failures = (logs: readonly string[]) => logs.filter((l) => l.includes('function failed;'));

describe('the MNS trigger retry strategy', () => {
  let stack: RuntimeStack | undefined;
  let clock: VirtualClock;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  const start = async (retry: PushRetryPolicy, queues: string[] = ['jobs']) => {
    clock = new VirtualClock();
    stack = await startRuntimeStack({ clock, withQueues: true, maxInstances: 1 });
    for (const q of queues) stack.queues?.createQueue(q, { VisibilityTimeout: 30 });
    await stack.runtime.deploy([
      fixtureFunction('flaky', 'index.flaky', {
        codeDir: FIXTURE,
        triggers: [queueTrigger({ retry })],
      }),
    ]);
    return { s: stack, queues: stack.queues! };
  };

  // Waits until failure number `n` is handled, checks the message stays hidden
  // until its retry is due, then moves the clock to that moment. Returns the delay in s.
  const advanceToRetry = async (n: number): Promise<number> => {
    const s = stack!;
    const line = await eventually(() => failures(s.logs)[n - 1], `failure ${n} is logged`);
    const delay = Number(/inSeconds=(\d+)/.exec(line)?.[1]);
    expect(line).toContain(`retry=${n} `);
    await clock.advance(delay * 1000 - 1);
    expect(s.queues?.stats('jobs')).toMatchObject({ active: 0, inflight: 1 });
    expect(attempts(s.logs)).toHaveLength(n);
    await clock.advance(1);
    return delay;
  };

  const gaps = (list: readonly Attempt[]) => list.slice(1).map((a, i) => a.at - list[i]!.at);

  it('retries a failing function 10-20 s apart with BACKOFF_RETRY and deletes the message once it succeeds', async () => {
    const { s, queues } = await start(defaultPushRetryPolicy());
    queues.sendMessage('jobs', { body: '{"failUntil":2}' });
    const delays = [await advanceToRetry(1), await advanceToRetry(2)];
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(10);
      expect(d).toBeLessThanOrEqual(20);
    }
    const seen = await eventually(
      () => (attempts(s.logs).length === 3 ? attempts(s.logs) : undefined),
      '3 attempts are logged',
    );
    expect(seen.map((a) => a.retryCount)).toEqual([0, 1, 2]);
    expect(gaps(seen)).toEqual(delays.map((d) => d * 1000));
    await eventually(
      () => (queues.stats('jobs').inflight === 0 ? true : undefined),
      'no message is in flight',
    );
    expect(queues.stats('jobs')).toMatchObject({ active: 0, inflight: 0, delayed: 0 });
    expect(failures(s.logs)).toHaveLength(2);
  });

  it('sends an always-failing message to the dead-letter queue after 3 retries (errorsTolerance ALL)', async () => {
    const { s, queues } = await start(
      { ...defaultPushRetryPolicy(), deadLetterQueue: 'jobs-dlq' },
      ['jobs', 'jobs-dlq'],
    );
    queues.sendMessage('jobs', { body: 'always' });
    for (const n of [1, 2, 3]) await advanceToRetry(n);
    const dead = await eventually(() => {
      const peeked = queues.peekMessages('jobs-dlq', 16);
      return peeked.length > 0 ? peeked : undefined;
    }, 'the message is in the dead-letter queue');
    expect(dead.map((m) => m.body)).toEqual(['always']);
    expect(attempts(s.logs).map((a) => a.retryCount)).toEqual([0, 1, 2, 3]);
    expect(queues.stats('jobs')).toMatchObject({ active: 0, inflight: 0 });
    expect(s.logs.some((l) => l.includes('sent to dead-letter queue jobs-dlq'))).toBe(true);
  });

  it('drops an always-failing message after its retries when there is no dead-letter queue', async () => {
    const { s, queues } = await start(defaultPushRetryPolicy());
    queues.sendMessage('jobs', { body: 'always' });
    for (const n of [1, 2, 3]) await advanceToRetry(n);
    await eventually(
      () => (s.logs.some((l) => l.includes('dropped')) ? true : undefined),
      'the message is logged as dropped',
    );
    expect(queues.stats('jobs')).toMatchObject({ active: 0, inflight: 0, delayed: 0 });
    expect(attempts(s.logs)).toHaveLength(4);
  });

  it('keeps the message and names the dead-letter queue when that queue does not exist', async () => {
    const { s, queues } = await start({
      ...defaultPushRetryPolicy(),
      deadLetterQueue: 'missing-dlq',
    });
    queues.sendMessage('jobs', { body: 'always' });
    for (const n of [1, 2, 3]) await advanceToRetry(n);
    const line = await eventually(
      () => s.logs.find((l) => l.startsWith('error') && l.includes('missing-dlq')),
      'the missing dead-letter queue is logged',
    );
    expect(line).toContain('QueueNotExist');
    expect(queues.listQueues()).not.toContain('missing-dlq');
    const { active, inflight } = queues.stats('jobs');
    expect(active + inflight).toBe(1);
  });

  it('stops consuming after an event runs out of retries when errorsTolerance is NONE', async () => {
    const { s, queues } = await start({ ...defaultPushRetryPolicy(), errorsTolerance: 'NONE' });
    queues.sendMessage('jobs', { body: 'always' });
    for (const n of [1, 2, 3]) await advanceToRetry(n);
    const line = await eventually(
      () => s.logs.find((l) => l.includes('STOPPED')),
      'the trigger logs STOPPED',
    );
    expect(line).toMatch(/^error .*trigger tasks of function flaky STOPPED/);
    // No poller is parked on the queue any more; a new message and the failed one stay.
    await eventually(
      () => (queues.stats('jobs').waiting === 0 ? true : undefined),
      'no poller waits on the queue',
    );
    queues.sendMessage('jobs', { body: '{"failUntil":0}' });
    await clock.advance(60_000);
    expect(queues.stats('jobs')).toMatchObject({ active: 2, inflight: 0, waiting: 0 });
    expect(attempts(s.logs)).toHaveLength(4);
  });

  it('waits 1, 2, 4 ... 512 s and then 512 s again with EXPONENTIAL_DECAY_RETRY', async () => {
    const { s, queues } = await start({
      ...defaultPushRetryPolicy('EXPONENTIAL_DECAY_RETRY'),
      maxRetries: 11,
    });
    queues.sendMessage('jobs', { body: 'always' });
    const delays: number[] = [];
    for (let n = 1; n <= 11; n++) delays.push(await advanceToRetry(n));
    const expected = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 512];
    expect(delays).toEqual(expected);
    await eventually(
      () => (s.logs.some((l) => l.includes('dropped')) ? true : undefined),
      'the message is logged as dropped',
    );
    const seen = attempts(s.logs);
    expect(seen.map((a) => a.retryCount)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(gaps(seen)).toEqual(expected.map((d) => d * 1000));
  });

  it('gives up once the next retry would start past MaximumEventAgeInSeconds', async () => {
    const { s, queues } = await start({
      ...defaultPushRetryPolicy('EXPONENTIAL_DECAY_RETRY'),
      maxEventAgeSeconds: 10,
    });
    queues.sendMessage('jobs', { body: 'always' });
    // 1 + 2 + 4 = 7 s of waits fit in 10 s; the next 8 s wait would end at 15 s.
    for (const n of [1, 2, 3]) await advanceToRetry(n);
    await eventually(
      () => (s.logs.some((l) => l.includes('dropped')) ? true : undefined),
      'the message is logged as dropped',
    );
    expect(attempts(s.logs)).toHaveLength(4);
    expect(queues.stats('jobs')).toMatchObject({ active: 0, inflight: 0 });
  });
});
