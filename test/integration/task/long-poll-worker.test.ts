import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry as demoRegistry } from '../../../functions/task-worker/handlers';
import { createFlowClient } from '../../../shared/clients/flow-client';
import { createLongPollWorker, type WorkerTaskEvent } from '../../../shared/task/long-poll-worker';
import { createHandlerRegistry, type HandlerRegistry } from '../../../shared/task/registry';
import { TaskError } from '../../../shared/task/task-error';
import { eventually } from '../../support/eventually';
import { startWorkerEnv, type WorkerEnv } from './worker-env';

let env: WorkerEnv;

beforeAll(async () => {
  env = await startWorkerEnv({
    queueName: 'lpw-tasks',
    flowName: 'lpw-demo',
    visibilityTimeout: 2,
  });
});

afterAll(async () => {
  await env?.stack.stop();
});

function worker(registry: HandlerRegistry, events: WorkerTaskEvent[], extra = {}) {
  return createLongPollWorker({
    queue: env.queue,
    queueName: env.queueName,
    registry,
    flow: env.flow,
    concurrency: 4,
    waitSeconds: 1,
    visibilityTimeout: 2,
    onTask: (e) => events.push(e),
    ...extra,
  });
}

async function finish(executionName: string) {
  return env.flow.describeExecution({ flowName: env.flowName, executionName, waitSeconds: 20 });
}

describe('long-polling worker against the local stack', () => {
  it('completes demo flows end to end, each task reported once', async () => {
    const events: WorkerTaskEvent[] = [];
    const w = worker(demoRegistry, events);
    const running = w.run();
    const names = ['e2e-1', 'e2e-2', 'e2e-3'];
    for (const [i, name] of names.entries()) {
      await env.flow.startExecution({
        flowName: env.flowName,
        executionName: name,
        input: { source: `orders-2026-1${i}.csv` },
      });
    }
    const results = await Promise.all(names.map(finish));
    await w.stop();
    await running;
    for (const r of results) expect(r.status).toBe('Succeeded');
    const out = JSON.parse(results[0]?.output ?? '{}');
    expect(out).toMatchObject({ source: 'orders-2026-10.csv', table: 'staging.orders_2026_10' });
    expect(out.loaded).toBe(out.rows);
    expect(events).toHaveLength(9);
    expect(events.every((e) => e.outcome === 'succeeded' && e.dequeueCount === 1)).toBe(true);
    expect(await env.queue.receive(env.queueName, { max: 16, waitSeconds: 0 })).toEqual([]);
  });

  it('extends visibility while a task runs longer than the visibility timeout', async () => {
    let runs = 0;
    const slow = createHandlerRegistry({
      extract: async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 3500));
        return { rows: 10 };
      },
      transform: async () => ({ rows: 10 }),
      load: async () => ({ loaded: 10 }),
    });
    const events: WorkerTaskEvent[] = [];
    // Two workers: if visibility lapsed, the second would receive the message again.
    const a = worker(slow, events);
    const b = worker(slow, events);
    const running = [a.run(), b.run()];
    await env.flow.startExecution({
      flowName: env.flowName,
      executionName: 'slow-1',
      input: { source: 's.csv' },
    });
    const r = await finish('slow-1');
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all(running);
    expect(r.status).toBe('Succeeded');
    expect(runs).toBe(1);
    expect(events.filter((e) => e.taskType === 'extract').map((e) => e.outcome)).toEqual([
      'succeeded',
    ]);
  });

  it('leaves a retryable failure for redelivery, then completes', async () => {
    let attempts = 0;
    const flaky = createHandlerRegistry({
      ...demoRegistry.handlers,
      transform: async (input: { rows: number }) => {
        attempts++;
        if (attempts === 1)
          throw new TaskError({ code: 'Busy', message: 'db busy', retryable: true });
        return { rows: input.rows, rejected: 0 };
      },
    });
    const events: WorkerTaskEvent[] = [];
    const w = worker(flaky, events, { retryDelaySeconds: () => 1 });
    const running = w.run();
    await env.flow.startExecution({
      flowName: env.flowName,
      executionName: 'retry-1',
      input: { source: 'r.csv' },
    });
    const r = await finish('retry-1');
    await w.stop();
    await running;
    expect(r.status).toBe('Succeeded');
    const transforms = events.filter((e) => e.taskType === 'transform');
    expect(transforms.map((e) => [e.outcome, e.dequeueCount])).toEqual([
      ['retry', 1],
      ['succeeded', 2],
    ]);
  });

  it('fails the step with the handler error code on a non-retryable error', async () => {
    const failing = createHandlerRegistry({
      ...demoRegistry.handlers,
      extract: async () => {
        throw new TaskError({ code: 'SourceMissing', message: 'no such file: gone.csv' });
      },
    });
    const events: WorkerTaskEvent[] = [];
    const w = worker(failing, events);
    const running = w.run();
    await env.flow.startExecution({
      flowName: env.flowName,
      executionName: 'fail-1',
      input: { source: 'gone.csv' },
    });
    const r = await finish('fail-1');
    await w.stop();
    await running;
    expect(r.status).toBe('Failed');
    const history = await env.flow.getExecutionHistory({
      flowName: env.flowName,
      executionName: 'fail-1',
    });
    expect(history.find((e) => e.type === 'ExecutionFailed')?.eventDetail).toMatch(/SourceMissing/);
    expect(events.map((e) => e.outcome)).toEqual(['failed']);
    expect(await env.queue.receive(env.queueName, { max: 16, waitSeconds: 0 })).toEqual([]);
  });

  it('fails the step when the error text holds half an emoji (the SDK cannot encode a lone surrogate)', async () => {
    const half = '\u{1F600}'.slice(0, 1);
    const failing = createHandlerRegistry({
      ...demoRegistry.handlers,
      extract: async () => {
        throw new TaskError({ code: `Bad${half}Code`, message: `cut through ${half}` });
      },
    });
    const events: WorkerTaskEvent[] = [];
    const w = worker(failing, events);
    const running = w.run();
    await env.flow.startExecution({
      flowName: env.flowName,
      executionName: 'fail-surrogate',
      input: { source: 'x.csv' },
    });
    const r = await finish('fail-surrogate');
    await w.stop();
    await running;
    expect(events.map((e) => e.outcome)).toEqual(['failed']);
    expect(r.status).toBe('Failed');
    const history = await env.flow.getExecutionHistory({
      flowName: env.flowName,
      executionName: 'fail-surrogate',
    });
    const detail = JSON.parse(history.find((e) => e.type === 'TaskFailed')?.eventDetail ?? '{}');
    expect(detail).toMatchObject({ error: 'Bad\uFFFDCode', cause: 'cut through \uFFFD' });
  });

  it('on stop, finishes the task in flight before returning, losing nothing', async () => {
    let started!: () => void;
    const startedP = new Promise<void>((r) => (started = r));
    const slow = createHandlerRegistry({
      ...demoRegistry.handlers,
      extract: async (input: { source: string }) => {
        started();
        await new Promise((r) => setTimeout(r, 1000));
        return { source: input.source, rows: 5 };
      },
    });
    const events: WorkerTaskEvent[] = [];
    const w = worker(slow, events, { graceSeconds: 10 });
    const running = w.run();
    await env.flow.startExecution({
      flowName: env.flowName,
      executionName: 'stop-1',
      input: { source: 'x.csv' },
    });
    await startedP;
    await w.stop();
    await running;
    expect(events.map((e) => `${e.taskType}:${e.outcome}`)).toEqual(['extract:succeeded']);
    // The flow moved on to Task_2: its message waits for the next worker.
    const w2 = worker(demoRegistry, events);
    const running2 = w2.run();
    const r = await finish('stop-1');
    await w2.stop();
    await running2;
    expect(r.status).toBe('Succeeded');
  });

  it('releases a task that outlives the grace period, and another worker completes it', async () => {
    let started!: () => void;
    const startedP = new Promise<void>((r) => (started = r));
    const stuck = createHandlerRegistry({
      ...demoRegistry.handlers,
      extract: async (_input: unknown, ctx) => {
        started();
        await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r()));
        throw new TaskError({ code: 'Aborted', message: 'shutting down', retryable: true });
      },
    });
    const events: WorkerTaskEvent[] = [];
    const w = worker(stuck, events, { graceSeconds: 0.2 });
    const running = w.run();
    await env.flow.startExecution({
      flowName: env.flowName,
      executionName: 'grace-1',
      input: { source: 'g.csv' },
    });
    await startedP;
    await w.stop();
    await running;
    const w2 = worker(demoRegistry, events);
    const running2 = w2.run();
    const r = await finish('grace-1');
    await w2.stop();
    await running2;
    expect(r.status).toBe('Succeeded');
    const extracts = events.filter((e) => e.taskType === 'extract');
    expect(extracts[0]).toMatchObject({ released: true });
    expect(extracts.at(-1)).toMatchObject({ outcome: 'succeeded', dequeueCount: 2 });
  });

  it('never reports a task it released: an AbortError from ctx.signal at shutdown sends it back', async () => {
    let started!: () => void;
    const startedP = new Promise<void>((r) => (started = r));
    const idiomatic = createHandlerRegistry({
      ...demoRegistry.handlers,
      // Passes the signal on, as fetch() or timers/promises take it: aborted, it throws AbortError.
      extract: async (_input: unknown, ctx) => {
        started();
        await delay(60_000, undefined, { signal: ctx.signal });
        return { rows: 1 };
      },
    });
    const events: WorkerTaskEvent[] = [];
    // Even on its last delivery, a release is not a failure.
    const w = worker(idiomatic, events, { graceSeconds: 0.2, maxDeliveries: 1 });
    const running = w.run();
    await env.flow.startExecution({
      flowName: env.flowName,
      executionName: 'abort-1',
      input: { source: 'a.csv' },
    });
    await startedP;
    await w.stop();
    await running;
    expect(events[0]).toMatchObject({ taskType: 'extract', outcome: 'retry', released: true });
    const w2 = worker(demoRegistry, events);
    const running2 = w2.run();
    const r = await finish('abort-1');
    await w2.stop();
    await running2;
    expect(r.status).toBe('Succeeded');
  });

  it('reports a retryable failure to the flow once the delivery limit is reached', async () => {
    const stuck = createHandlerRegistry({
      ...demoRegistry.handlers,
      extract: async () => {
        throw new TaskError({ code: 'UpstreamDown', message: 'still down', retryable: true });
      },
    });
    const events: WorkerTaskEvent[] = [];
    const w = worker(stuck, events, { retryDelaySeconds: () => 1, maxDeliveries: 2 });
    const running = w.run();
    await env.flow.startExecution({
      flowName: env.flowName,
      executionName: 'limit-1',
      input: { source: 'l.csv' },
    });
    const r = await finish('limit-1');
    await w.stop();
    await running;
    expect(r.status).toBe('Failed');
    expect(events.map((e) => [e.outcome, e.dequeueCount])).toEqual([
      ['retry', 1],
      ['failed', 2],
    ]);
    const history = await env.flow.getExecutionHistory({
      flowName: env.flowName,
      executionName: 'limit-1',
    });
    expect(history.find((e) => e.type === 'ExecutionFailed')?.eventDetail).toMatch(/UpstreamDown/);
  });

  it('leaves a task for another attempt when its report is refused for a wrong key, and logs no secret', async () => {
    const securityToken = 'CAIS-sts-token-that-must-never-be-logged-0123456789';
    const wrongKey = createFlowClient({
      endpoint: env.stack.endpoint,
      credentials: { ...env.stack.credentials, accessKeySecret: 'rotated-away', securityToken },
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    });
    const events: WorkerTaskEvent[] = [];
    const misconfigured = worker(demoRegistry, events, { flow: wrongKey });
    const running = misconfigured.run();
    await env.flow.startExecution({
      flowName: env.flowName,
      executionName: 'wrong-key',
      input: { source: 'k.csv' },
    });
    await eventually(() => events[0], 'the refused report');
    await misconfigured.stop();
    await running;
    const refused = events[0];
    expect(refused?.outcome).toBe('retry');
    const text = JSON.stringify(refused);
    expect(text).toContain('SignatureDoesNotMatch');
    const [message] = await env.stack.queues.peekMessages(env.queueName, 1);
    const token = (JSON.parse(message?.body ?? '{}') as { task_token: string }).task_token;
    for (const secret of [token, encodeURIComponent(token), securityToken]) {
      expect(text).not.toContain(secret);
    }
    // Once the key is right, the same message completes the flow.
    const fixed = worker(demoRegistry, []);
    const again = fixed.run();
    expect((await finish('wrong-key')).status).toBe('Succeeded');
    await fixed.stop();
    await again;
  });
});
