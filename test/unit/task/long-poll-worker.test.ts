import { describe, expect, it } from 'vitest';
import {
  type QueueClient,
  QueueError,
  type ReceivedMessage,
} from '../../../shared/clients/queue-client';
import { createLongPollWorker, type WorkerTaskEvent } from '../../../shared/task/long-poll-worker';
import { createHandlerRegistry } from '../../../shared/task/registry';
import { eventually } from '../../support/eventually';
import { createFakeFlow } from './fake-flow';

// A pure-unit fake of the three queue calls the worker makes; the integration
// tests run the same worker against the real local MNS service.
function createFakeQueue(bodies: string[]) {
  const pending: ReceivedMessage[] = bodies.map((body, i) => ({
    messageId: `m${i}`,
    receiptHandle: `h${i}-0`,
    body,
    dequeueCount: 1,
  }));
  const calls: string[] = [];
  const receiveSizes: number[] = [];
  const batches: number[] = [];
  const queue: Pick<QueueClient, 'receive' | 'deleteBatch' | 'changeVisibility'> = {
    async receive(_q, { max }) {
      receiveSizes.push(max);
      await new Promise((r) => setTimeout(r, 5));
      return pending.splice(0, max);
    },
    async deleteBatch(_q, handles) {
      batches.push(handles.length);
      for (const handle of handles) calls.push(`delete ${handle}`);
      return [];
    },
    async changeVisibility(_q, handle, seconds) {
      // MNS takes whole seconds from 1 to 43200 and refuses anything else.
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 43_200) {
        throw new QueueError({ code: 'InvalidArgument', message: `${seconds}`, retryable: false });
      }
      calls.push(`visibility ${handle} ${seconds}`);
      const [id, n] = handle.split('-');
      return { receiptHandle: `${id}-${Number(n) + 1}` };
    },
  };
  return { queue, calls, receiveSizes, pending, batches };
}

const task = (type: string, token: string) =>
  JSON.stringify({ task_token: token, task_type: type });

const until = (check: () => boolean, ms = 5000) => eventually(check, 'the condition held', ms);

/** Runs a worker on queue "q" until it has settled `count` tasks, stops it, and returns their events. */
async function runTasks(
  count: number,
  options: Omit<Parameters<typeof createLongPollWorker>[0], 'queueName' | 'onTask'>,
): Promise<WorkerTaskEvent[]> {
  const events: WorkerTaskEvent[] = [];
  const w = createLongPollWorker({ queueName: 'q', ...options, onTask: (e) => events.push(e) });
  const run = w.run();
  await until(() => events.length === count);
  await w.stop();
  await run;
  return events;
}

/** A registry whose `slow` handler takes `ms`. */
const slowRegistry = (ms: number) =>
  createHandlerRegistry({
    slow: async () => {
      await new Promise((r) => setTimeout(r, ms));
      return {};
    },
  });

describe('long-polling worker (unit)', () => {
  it('never runs more tasks at once than its concurrency, nor receives more than the free slots', async () => {
    let running = 0;
    let peak = 0;
    const registry = createHandlerRegistry({
      work: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        return {};
      },
    });
    const { queue, receiveSizes, calls } = createFakeQueue(
      Array.from({ length: 10 }, (_, i) => task('work', `t${i}`)),
    );
    const { flow, reports } = createFakeFlow();
    await runTasks(10, {
      queue,
      registry,
      flow,
      concurrency: 3,
      batchSize: 16,
    });
    expect(peak).toBe(3);
    expect(Math.max(...receiveSizes)).toBeLessThanOrEqual(3);
    expect(reports).toHaveLength(10);
    expect(calls.filter((c) => c.startsWith('delete'))).toHaveLength(10);
  });

  it('keeps a standby poll of one message parked beside the main poll while the queue is drained', async () => {
    // Receives that wait until the test answers them.
    const open: Array<{ max: number; answer: (ms: ReceivedMessage[]) => void }> = [];
    let n = 0;
    const queue: Pick<QueueClient, 'receive' | 'deleteBatch' | 'changeVisibility'> = {
      receive: (_q, { max }) => new Promise((answer) => open.push({ max, answer })),
      deleteBatch: async () => [],
      changeVisibility: async (_q, handle) => ({ receiptHandle: handle }),
    };
    const msg = (): ReceivedMessage => ({
      messageId: `m${n}`,
      receiptHandle: `h${n++}`,
      body: task('work', `t${n}`),
      dequeueCount: 1,
    });
    const { flow, reports } = createFakeFlow();
    const w = createLongPollWorker({
      queue,
      queueName: 'q',
      registry: createHandlerRegistry({ work: () => ({}) }),
      flow,
      concurrency: 4,
    });
    const run = w.run();
    await until(() => open.length === 2);
    // Idle: the main poll asks for all free slots but one, the standby for that one.
    expect(open.map((o) => o.max)).toEqual([3, 1]);
    // A message on the main poll: its task reports while the standby stays parked.
    const standby = open[1]!;
    open.shift()!.answer([msg()]);
    await until(() => reports.length === 1);
    expect(open).toContain(standby);
    const stopping = w.stop();
    for (const o of open.splice(0)) o.answer([]);
    await stopping;
    await run;
  });

  it('takes a backlog with one poll at a time once receives come back full', async () => {
    const { queue: fake, pending } = createFakeQueue(
      Array.from({ length: 60 }, (_, i) => task('work', `t${i}`)),
    );
    let outstanding = 0;
    const calls: Array<{ outstanding: number; backlog: number }> = [];
    const queue: typeof fake = {
      ...fake,
      async receive(q, o) {
        calls.push({ outstanding, backlog: pending.length });
        outstanding++;
        try {
          return await fake.receive(q, o);
        } finally {
          outstanding--;
        }
      },
    };
    const { flow, reports } = createFakeFlow();
    const w = createLongPollWorker({
      queue,
      queueName: 'q',
      registry: createHandlerRegistry({ work: () => ({}) }),
      flow,
      concurrency: 4,
    });
    const run = w.run();
    await until(() => reports.length === 60);
    await w.stop();
    await run;
    // Idle at the start: a main poll and a standby. Then, while the queue is
    // backlogged (more than a batch waiting), no receive overlaps another.
    expect(calls[1]).toMatchObject({ outstanding: 1 });
    const backlogged = calls.slice(2).filter((c) => c.backlog > 8);
    expect(backlogged.length).toBeGreaterThan(5);
    expect(backlogged.filter((c) => c.outstanding > 0)).toEqual([]);
  });

  it('deletes finished messages in batches, and at once on stop', async () => {
    const { queue, calls, batches } = createFakeQueue(
      Array.from({ length: 20 }, (_, i) => task('work', `t${i}`)),
    );
    const { flow, reports } = createFakeFlow();
    const events: WorkerTaskEvent[] = [];
    const w = createLongPollWorker({
      queue,
      queueName: 'q',
      registry: createHandlerRegistry({ work: () => ({}) }),
      flow,
      concurrency: 20,
      // Long enough that only a full batch or stop() can send the rest.
      deleteDelayMs: 60_000,
      onTask: (e) => events.push(e),
    });
    const run = w.run();
    await until(() => reports.length === 20);
    await until(() => batches.length === 1);
    // 16 went as one BatchDeleteMessage; the other 4 wait (their slots are free already).
    expect(batches).toEqual([16]);
    expect(w.inFlight).toBe(0);
    const stopped = Date.now();
    await w.stop();
    await run;
    expect(Date.now() - stopped).toBeLessThan(5_000);
    expect(batches).toEqual([16, 4]);
    expect(new Set(calls.filter((c) => c.startsWith('delete')))).toHaveProperty('size', 20);
    expect(events).toHaveLength(20);
  });

  it('deletes a message that can never be reported', async () => {
    const { queue, calls } = createFakeQueue(['{"task_type":"work"}']);
    const { flow, reports } = createFakeFlow();
    const events = await runTasks(1, {
      queue,
      registry: createHandlerRegistry({ work: () => ({}) }),
      flow,
    });
    expect(events[0]).toMatchObject({ outcome: 'invalid', error: { code: 'MissingTaskToken' } });
    expect(calls).toEqual(['delete h0-0']);
    expect(reports).toEqual([]);
  });

  it('settles the message when the registry itself throws, and keeps running', async () => {
    const { queue, calls } = createFakeQueue([task('work', 't1'), task('work', 't2')]);
    const { flow, reports } = createFakeFlow();
    const events = await runTasks(2, {
      queue,
      registry: {
        get: () => {
          throw new Error('registry exploded');
        },
        types: () => [],
      },
      flow,
    });
    expect(events.map((e) => e.outcome)).toEqual(['failed', 'failed']);
    expect(reports.map((r) => r.kind === 'failed' && r.cause)).toEqual([
      'registry exploded',
      'registry exploded',
    ]);
    expect(calls.sort()).toEqual(['delete h0-0', 'delete h1-0']);
  });

  it('extends visibility with the newest handle and deletes with it', async () => {
    const { queue, calls } = createFakeQueue([task('slow', 't')]);
    const { flow } = createFakeFlow();
    await runTasks(1, {
      queue,
      registry: slowRegistry(1700),
      flow,
      visibilityTimeout: 1,
    });
    // Extended every 2/3 s while it ran; each call uses and returns the newest handle.
    const extensions = calls.filter((c) => c.startsWith('visibility'));
    expect(extensions.length).toBeGreaterThanOrEqual(1);
    expect(extensions).toEqual(extensions.map((_, i) => `visibility h0-${i} 1`));
    expect(calls.at(-1)).toBe(`delete h0-${extensions.length}`);
  });

  it('extends by whole seconds when given a fractional visibility timeout', async () => {
    const { queue, calls } = createFakeQueue([task('slow', 't')]);
    const { flow } = createFakeFlow();
    await runTasks(1, { queue, registry: slowRegistry(1800), flow, visibilityTimeout: 1.5 });
    const extensions = calls.filter((c) => c.startsWith('visibility'));
    expect(extensions.length).toBeGreaterThanOrEqual(1);
    expect(extensions.every((c) => c.endsWith(' 2'))).toBe(true);
    expect(calls.at(-1)).toBe(`delete h0-${extensions.length}`);
  });

  it('tries a transiently failed extension again within the window instead of giving up', async () => {
    const { queue, calls } = createFakeQueue([task('slow', 't')]);
    const real = queue.changeVisibility;
    let failures = 1;
    queue.changeVisibility = async (q, handle, seconds) => {
      if (failures-- > 0) {
        calls.push(`failed ${handle}`);
        throw new QueueError({ code: 'NetworkError', message: 'socket hang up', retryable: true });
      }
      return real(q, handle, seconds);
    };
    const { flow } = createFakeFlow();
    const errors: string[] = [];
    await runTasks(1, {
      queue,
      registry: slowRegistry(1500),
      flow,
      visibilityTimeout: 1,
      onError: (_err, stage) => errors.push(stage),
    });
    // Failed at 2/3 s, tried again 1/6 s later with the same handle; the delete
    // then uses the newest handle, so nobody else took the message meanwhile.
    expect(calls[0]).toBe('failed h0-0');
    expect(calls[1]).toBe('visibility h0-0 1');
    const extended = calls.filter((c) => c.startsWith('visibility')).length;
    expect(calls.at(-1)).toBe(`delete h0-${extended}`);
    expect(errors).toEqual(['extend']);
  });

  it('starts the grace period at stop, not when the long poll under way returns', async () => {
    const { queue, calls } = createFakeQueue([task('stuck', 't')]);
    const fakeReceive = queue.receive;
    const parked: Array<() => void> = [];
    let polls = 0;
    queue.receive = async (q, opts) => {
      if (polls++ === 0) return fakeReceive(q, opts);
      // Every later poll is a long poll that only returns when the test says.
      await new Promise<void>((r) => parked.push(r));
      calls.push('poll returned');
      return [];
    };
    const { flow } = createFakeFlow();
    const w = createLongPollWorker({
      queue,
      queueName: 'q',
      concurrency: 2,
      graceSeconds: 0.2,
      registry: createHandlerRegistry({ stuck: () => new Promise<never>(() => {}) }),
      flow,
    });
    const run = w.run();
    await until(() => w.inFlight === 1 && parked.length > 0);
    const stopped = w.stop();
    // Grace over: the stuck task's message is handed back while the poll still waits.
    await until(() => calls.includes('visibility h0-0 1'));
    expect(calls).not.toContain('poll returned');
    for (const open of parked) open();
    await stopped;
    await run;
    expect(calls[0]).toBe('visibility h0-0 1');
    expect(calls.slice(1).every((c) => c === 'poll returned')).toBe(true);
  });

  it('keeps working when its onTask or onError listener throws', async () => {
    const { queue } = createFakeQueue([task('work', 't1'), task('work', 't2')]);
    const realDelete = queue.deleteBatch;
    let deleteFails = 1;
    queue.deleteBatch = async (q, handles) => {
      if (deleteFails-- > 0) throw new Error('delete refused');
      return realDelete(q, handles);
    };
    const { flow, reports } = createFakeFlow();
    let seen = 0;
    const w = createLongPollWorker({
      queue,
      queueName: 'q',
      deleteDelayMs: 0,
      registry: createHandlerRegistry({ work: () => ({}) }),
      flow,
      onTask: () => {
        seen++;
        throw new Error('metrics sink down');
      },
      onError: () => {
        throw new Error('log sink down');
      },
    });
    const run = w.run();
    await until(() => seen === 2);
    await w.stop();
    await run;
    // Both tasks ran and reported; no unhandled rejection took the worker down.
    expect(reports).toHaveLength(2);
    expect(seen).toBe(2);
  });

  it('hands a running task back at once on stop({ immediately }), without waiting out the grace', async () => {
    const { queue, calls } = createFakeQueue([task('stuck', 't')]);
    const { flow } = createFakeFlow();
    let aborted = false;
    const w = createLongPollWorker({
      queue,
      queueName: 'q',
      graceSeconds: 600,
      waitSeconds: 0,
      registry: createHandlerRegistry({
        stuck: (_input, ctx) =>
          new Promise<never>(() => {
            ctx.signal.addEventListener('abort', () => {
              aborted = true;
            });
          }),
      }),
      flow,
    });
    const run = w.run();
    await until(() => w.inFlight === 1);
    const polite = w.stop();
    const now = w.stop({ immediately: true });
    await until(() => calls.includes('visibility h0-0 1'), 3000);
    await Promise.all([polite, now, run]);
    expect(aborted).toBe(true);
  });

  it('hides a retryable failure for the backoff delay instead of deleting it', async () => {
    const { queue, calls } = createFakeQueue([task('busy', 't')]);
    const { flow } = createFakeFlow();
    const events = await runTasks(1, {
      queue,
      registry: createHandlerRegistry({
        busy: async () => {
          throw Object.assign(new Error('busy'), { code: 'Busy', retryable: true });
        },
      }),
      flow,
      retryDelaySeconds: (n) => 5 * n,
    });
    expect(events[0]?.outcome).toBe('retry');
    expect(calls).toEqual(['visibility h0-0 5']);
  });
});
