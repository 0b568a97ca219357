// The BUILT bundles (dist/, not the sources) running in the local function
// runtime from s.yaml, driven through queueflow/testing.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../local/log';
import { createTestEnvironment, type TestEnvironment } from '../../../testing';
import { eventually } from '../../support/eventually';
import { catchingExtractFlow } from './fixtures/extract-task-flow';

const S_YAML = fileURLToPath(new URL('../../../s.yaml', import.meta.url));
const QUEUE = 'queueflow-tasks';

// One queue task (extract), with a `simulate` switch the demo handlers understand,
// and a catch that routes the handler's error code to a pass step.
const CATCHING_FLOW = catchingExtractFlow(QUEUE, 'OrderInvalid');

async function startEnv(logs: string[] = [], virtualClock = false): Promise<TestEnvironment> {
  const env = await createTestEnvironment({
    project: S_YAML,
    functions: true,
    virtualClock,
    logger: createLogger({ level: 'debug', write: (l) => logs.push(l) }),
  });
  env.stack.engine.createFlow({ Name: 'catching', Definition: CATCHING_FLOW, Type: 'FDL' });
  // Short, so redeliveries happen within a test (s.yaml's queue uses 120 s).
  env.stack.queues.setQueueAttributes(QUEUE, { VisibilityTimeout: 2 });
  return env;
}

describe('the task-worker bundle as built', () => {
  it('keeps function and class names through minifying, so an error class names the failure', () => {
    // esbuild's keepNames: `class TableLocked extends Error {}` in a handler is
    // reported as TableLocked; minified without it, as a one-letter name.
    const bundle = readFileSync(
      fileURLToPath(new URL('../../../dist/task-worker/index.js', import.meta.url)),
      'utf8',
    );
    expect(bundle).toContain('"createTaskWorkerHandler"');
  });
});

describe('the task-worker bundle, queue-triggered in the local runtime', () => {
  let env: TestEnvironment | undefined;
  afterEach(async () => {
    await env?.stop();
    env = undefined;
  });

  it('completes the demo flow: three messages run by the worker, each calling back', async () => {
    env = await startEnv();
    // Real function instances: more than runExecution's 4 s default on a loaded machine.
    const run = await env.runExecution(
      'queueflow-demo',
      { source: 'orders-2026-11.csv' },
      { timeoutMs: 20_000 },
    );
    expect(run.status).toBe('Succeeded');
    expect(run.steps).toEqual(['Task_1', 'Task_2', 'Task_3']);
    expect(run.output).toMatchObject({ table: 'staging.orders_2026_11', loaded: 1553 });
    // Each message is deleted once the invocation that ran it returns.
    const queues = env.stack.queues;
    await eventually(
      () => (queues.stats(QUEUE).inflight === 0 ? true : undefined),
      'no message is in flight',
      5_000,
    );
    expect(queues.stats(QUEUE)).toMatchObject({ active: 0, inflight: 0 });
  });

  it('fails the step with the handler error code on a non-retryable error, and FDL catches it', async () => {
    env = await startEnv();
    const run = await env.runExecution(
      'catching',
      { source: 'a.csv', simulate: { failWith: 'OrderInvalid' } },
      { timeoutMs: 20_000 },
    );
    expect(run.status).toBe('Succeeded');
    expect(run.steps).toEqual(['Extract', 'Recovered']);
    const failed = run.history.find((e) => e.Type === 'TaskFailed');
    expect(JSON.parse(failed!.EventDetail)).toMatchObject({ error: 'OrderInvalid' });
  });

  it('brings the message back after a retryable error (the trigger retries it), and the task then succeeds', async () => {
    const logs: string[] = [];
    env = await startEnv(logs, true);
    const clock = env.clock!;
    const running = env.runExecution(
      'catching',
      { source: 'b.csv', simulate: { failWith: 'Busy', retryable: true, failTimes: 1 } },
      { timeoutMs: 20_000 },
    );
    // The function threw (retryable): s.yaml's BACKOFF_RETRY holds the message 10-20 s.
    await eventually(
      () => logs.find((l) => l.includes('function failed; retrying')),
      'the trigger logs a retry',
    );
    await clock.advance(20_000);
    const run = await running;
    expect(run.status).toBe('Succeeded');
    expect(run.steps).toEqual(['Extract', 'Done']);
    expect(run.history.filter((e) => e.Type === 'TaskFailed')).toHaveLength(0);
  });

  it('redelivers the message when the worker instance is killed mid-task, and the flow completes once', async () => {
    const logs: string[] = [];
    env = await startEnv(logs, true);
    const stack = env.stack;
    const running = env.runExecution(
      'catching',
      { source: 'c.csv', simulate: { delayMs: 1500 } },
      { timeoutMs: 25_000 },
    );
    const busy = await eventually(
      () =>
        stack.functions
          .list()
          .find((f) => f.name === 'task-worker')
          ?.instances.find((i) => i.busy && i.pid !== undefined),
      'an instance of task-worker is busy',
    );
    process.kill(busy.pid!, 'SIGKILL');
    // The invocation failed with the instance: the trigger holds the message for its retry.
    await eventually(
      () => logs.find((l) => l.includes('function failed; retrying')),
      'the trigger logs a retry',
    );
    await env.clock!.advance(20_000);
    const run = await running;
    expect(run.status).toBe('Succeeded');
    expect(run.steps).toEqual(['Extract', 'Done']);
    expect(run.history.filter((e) => e.Type === 'TaskSucceeded')).toHaveLength(1);
    expect(run.output).toMatchObject({ source: 'c.csv' });
    const instances = stack.functions.list().find((f) => f.name === 'task-worker')!.instances;
    expect(instances.some((i) => i.pid === busy.pid)).toBe(false);
  });
});
