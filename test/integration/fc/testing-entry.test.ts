// queueflow/testing as a user's test would use it: imported by package name,
// mock workers in-process, the virtual clock for time.
import { fileURLToPath } from 'node:url';
import { createTestEnvironment, TaskError, type TestEnvironment } from 'queueflow/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../support/eventually';

const S_YAML = fileURLToPath(new URL('../../../s.yaml', import.meta.url));

describe('queueflow/testing', () => {
  let env: TestEnvironment | undefined;
  afterEach(async () => {
    await env?.stop();
    env = undefined;
  });

  it('runs the demo flow from s.yaml against in-process mock workers', async () => {
    env = await createTestEnvironment({ project: S_YAML });
    const seen: string[] = [];
    const worker = env.handle('queueflow-tasks', {
      extract: async (input: { source: string }) => {
        seen.push(`extract ${input.source}`);
        return { rows: 10 };
      },
      transform: async (input: { rows: number }) => {
        seen.push(`transform ${input.rows}`);
        return { rows: input.rows - 1 };
      },
      load: async (input: { rows: number }) => {
        seen.push(`load ${input.rows}`);
        return { loaded: input.rows };
      },
    });
    const run = await env.runExecution(
      'queueflow-demo',
      { source: 'mock.csv' },
      { name: 'mocked' },
    );
    expect(run).toMatchObject({ name: 'mocked', status: 'Succeeded', output: { loaded: 9 } });
    expect(run.steps).toEqual(['Task_1', 'Task_2', 'Task_3']);
    expect(seen).toEqual(['extract mock.csv', 'transform 10', 'load 9']);
    // Recorded by the time runExecution resolves (the last report ends the flow
    // before its handler call returns; runExecution waits for that return).
    expect(worker.results.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(run.history.some((e) => e.Type === 'ExecutionSucceeded')).toBe(true);
  });

  it('reports a handler error as the step failure the flow sees', async () => {
    env = await createTestEnvironment({ project: S_YAML });
    env.handle('queueflow-tasks', {
      extract: async () => {
        throw new TaskError({ code: 'SourceMissing', message: 'no such file' });
      },
    });
    const run = await env.runExecution('queueflow-demo', { source: 'gone.csv' });
    expect(run.status).toBe('Failed');
    expect(run.error).toBe('SourceMissing');
    expect(run.cause).toBe('no such file');
    expect(run.steps).toEqual(['Task_1']);
  });

  it('skips an hour-long wait step at once with the virtual clock', async () => {
    env = await createTestEnvironment({ virtualClock: true });
    env.stack.engine.createFlow({
      Name: 'sleepy',
      Type: 'FDL',
      Definition: [
        'version: v1',
        'type: flow',
        'steps:',
        '  - type: wait',
        '    name: Nap',
        '    duration: 3600',
        '  - type: pass',
        '    name: Awake',
      ].join('\n'),
    });
    const running = env.runExecution('sleepy', {});
    // Typed VirtualClock (not `| undefined`): the option asked for it.
    const clock = env.clock;
    await clock.advance(1000);
    const early = await env.stack.engine.describeExecution({
      FlowName: 'sleepy',
      ExecutionName: (await firstExecution(env, 'sleepy')) ?? '',
    });
    expect(early.Status).toBe('Running');
    await clock.advance(3600 * 1000);
    const run = await running;
    expect(run.status).toBe('Succeeded');
    expect(run.steps).toEqual(['Nap', 'Awake']);
  });

  it('refuses an input JSON cannot carry instead of sending null in its place', async () => {
    env = await createTestEnvironment({ project: S_YAML });
    await expect(
      env.runExecution('queueflow-demo', { source: 'a.csv', weight: Number.POSITIVE_INFINITY }),
    ).rejects.toThrow(/the input holds Infinity at "weight", which JSON cannot carry/);
  });

  it('runs an Express flow too (the API starts those only with StartSyncExecution)', async () => {
    env = await createTestEnvironment();
    env.stack.engine.createFlow({
      Name: 'quick',
      Type: 'FDL',
      ExecutionMode: 'Express',
      Definition: 'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: Only\n',
    });
    const run = await env.runExecution('quick', { n: 1 });
    expect(run).toMatchObject({ status: 'Succeeded', steps: ['Only'] });
  });
});

async function firstExecution(env: TestEnvironment, flow: string): Promise<string | undefined> {
  const list = env.stack.engine.listExecutions({ FlowName: flow }) as {
    Executions?: Array<{ Name: string }>;
  };
  return list.Executions?.[0]?.Name;
}

describe('the README example of queueflow/testing', () => {
  it('fails the flow when the load step finds the table locked', async () => {
    const env = await createTestEnvironment({ project: S_YAML });
    try {
      env.handle('queueflow-tasks', {
        extract: async (input: { source: string }) => ({ rows: input.source.length }),
        transform: async (input: { rows: number }) => ({ rows: input.rows - 1 }),
        load: async () => {
          throw new TaskError({ code: 'TableLocked', message: 'staging is locked' });
        },
      });
      const run = await env.runExecution('queueflow-demo', { source: 'a.csv' });
      expect(run.status).toBe('Failed');
      expect(run.error).toBe('TableLocked');
      expect(run.steps).toEqual(['Task_1', 'Task_2', 'Task_3']);
    } finally {
      await env.stop();
    }
  });
});

describe('queueflow/testing mock workers', () => {
  it('run a task while another of their queue is still in its handler', async () => {
    const env = await createTestEnvironment({ virtualClock: true });
    try {
      env.stack.queues.createQueue('jobs');
      const task = (name: string, type: string) => `
          - type: task
            name: ${name}
            resourceArn: acs:mns:::/queues/jobs/messages
            pattern: waitForCallback
            inputMappings:
              - {target: task_token, source: $context.task.token}
              - {target: task_type, source: ${type}}`;
      env.stack.engine.createFlow({
        Name: 'side_by_side',
        Type: 'FDL',
        Definition: `version: v1
type: flow
steps:
  - type: parallel
    name: both
    branches:
      - steps:${task('Slow', 'slow')}
      - steps:
          - {type: wait, name: Later, duration: 1}${task('Quick', 'quick')}
`,
      });
      // The slow handler finishes only once the quick one has run: a worker
      // that waited for its first batch before receiving again never gets there.
      let quickRan: () => void = () => {};
      const quick = new Promise<void>((r) => {
        quickRan = r;
      });
      env.handle('jobs', {
        slow: async () => {
          await quick;
          return {};
        },
        quick: async () => {
          quickRan();
          return {};
        },
      });
      const running = env.runExecution('side_by_side', {}, { timeoutMs: 5000 });
      // Slow is in its handler (its message received, not deleted).
      await eventually(
        () => (env.stack.queues.stats('jobs').inflight === 1 ? true : undefined),
        'the task message is in flight',
      );
      await env.clock.advance(1000);
      expect((await running).status).toBe('Succeeded');
    } finally {
      await env.stop();
    }
  });

  it('let stop() finish when a handler never settles', async () => {
    const env = await createTestEnvironment({ project: S_YAML });
    let called = false;
    env.handle('queueflow-tasks', {
      extract: () => {
        called = true;
        return new Promise<never>(() => {});
      },
    });
    env.stack.engine.startExecution({ FlowName: 'queueflow-demo', Input: '{"source":"a.csv"}' });
    await eventually(() => (called ? true : undefined), 'the stuck handler was called');
    await env.stop(); // bounded: the stuck handler is left behind
    expect(called).toBe(true);
  });

  it('abort the signal of a handler whose step timed out, and do not wait for it', async () => {
    const env = await createTestEnvironment({ project: S_YAML, virtualClock: true });
    try {
      let signal: AbortSignal | undefined;
      env.handle('queueflow-tasks', {
        extract: (_input: { source: string }, ctx) => {
          signal = ctx.signal;
          return new Promise<never>(() => {});
        },
      });
      const running = env.runExecution('queueflow-demo', { source: 'a.csv' });
      const started = await eventually(() => signal, 'the handler has started');
      expect(started.aborted).toBe(false);
      await env.clock.advance(3601_000); // past Task_1's timeoutSeconds: 3600
      const run = await running;
      expect(run).toMatchObject({ status: 'Failed', error: 'FnF.TaskTimeout' });
      expect(run.steps).toEqual(['Task_1']);
      // Aborted by the step's end, before runExecution returned (not by stop()):
      // an abandoned call is waited for neither here nor in stop().
      expect(started.aborted).toBe(true);
      expect(String(started.reason)).toMatch(/has ended \(timed out, or its execution ended\)/);
    } finally {
      await env.stop();
    }
  });

  it('do not run a stuck task again when its message comes back after its step has ended', async () => {
    const env = await createTestEnvironment({ project: S_YAML, virtualClock: true });
    try {
      let calls = 0;
      env.handle('queueflow-tasks', {
        extract: () => {
          calls++;
          return new Promise<never>(() => {});
        },
      });
      const running = env.runExecution('queueflow-demo', { source: 'a.csv' });
      await eventually(() => (calls > 0 ? true : undefined), 'the handler was called');
      await env.clock.advance(3601_000); // Task_1 times out; the execution fails
      expect((await running).status).toBe('Failed');
      // The message was never deleted (its handler hangs): it comes back after
      // its visibility timeout (120 s on this queue) and is taken off the queue.
      await env.clock.advance(121_000);
      await eventually(() => {
        const { active, inflight } = env.stack.queues.stats('queueflow-tasks');
        return active === 0 && inflight === 0 ? true : undefined;
      }, 'the abandoned message is taken off the queue');
      expect(calls).toBe(1);
      expect(env.stack.queues.stats('queueflow-tasks')).toMatchObject({ active: 0, inflight: 0 });
    } finally {
      await env.stop();
    }
  });

  it('run the next attempt of a timed-out task while the first handler call is still stuck', async () => {
    const env = await createTestEnvironment({ project: S_YAML, virtualClock: true });
    try {
      env.stack.engine.createFlow({
        Name: 'retried',
        Type: 'FDL',
        Definition: [
          'version: v1',
          'type: flow',
          'steps:',
          '  - type: task',
          '    name: Extract',
          '    resourceArn: acs:mns:::/queues/queueflow-tasks/messages',
          '    pattern: waitForCallback',
          '    timeoutSeconds: 60',
          '    inputMappings:',
          '      - target: task_token',
          '        source: $context.task.token',
          '      - target: task_type',
          '        source: extract',
          '    serviceParams:',
          '      MessageBody: $',
          '    retry:',
          '      - errors: [FnF.TaskTimeout]',
          '        intervalSeconds: 1',
          '        maxAttempts: 1',
        ].join('\n'),
      });
      const signals: AbortSignal[] = [];
      env.handle('queueflow-tasks', {
        extract: (_input: Record<string, unknown>, ctx) => {
          signals.push(ctx.signal);
          return signals.length === 1 ? new Promise<never>(() => {}) : { rows: 3 };
        },
      });
      const running = env.runExecution('retried', {}, { timeoutMs: 10_000 });
      await eventually(() => signals[0], 'the first attempt has started');
      // The first attempt times out at +60 s, the retry is sent at +61 s.
      await env.clock.advance(62_000);
      const run = await running;
      expect(run.status).toBe('Succeeded');
      expect(signals.map((s) => s.aborted)).toEqual([true, false]);
    } finally {
      await env.stop();
    }
  });

  it('fail a runExecution still waiting when the environment stops, instead of leaving it pending', async () => {
    const env = await createTestEnvironment({ project: S_YAML });
    let extracting = false;
    env.handle('queueflow-tasks', {
      extract: () => {
        extracting = true;
        return new Promise<never>(() => {});
      },
    });
    const run = env.runExecution('queueflow-demo', { source: 'a.csv' });
    const settled = run.then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    await eventually(() => extracting, 'the extract handler is running');
    await env.stop();
    expect(await settled).toBe('the test environment was stopped while this execution was running');
    await expect(env.runExecution('queueflow-demo', {})).rejects.toThrow(/stopped/);
  });

  it('refuse a second mock worker on one queue, which would take the tasks of the first', async () => {
    const env = await createTestEnvironment({ project: S_YAML });
    try {
      env.handle('queueflow-tasks', { extract: async () => ({ rows: 1 }) });
      expect(() => env.handle('queueflow-tasks', { transform: async () => ({}) })).toThrow(
        /already has a mock worker: pass all its task types to one handle\(\) call/,
      );
    } finally {
      await env.stop();
    }
  });

  it('refuse a queue that does not exist, at once', async () => {
    const env = await createTestEnvironment();
    try {
      expect(() => env.handle('no-such-queue', { extract: async () => ({}) })).toThrow(
        expect.objectContaining({ code: 'QueueNotExist' }),
      );
    } finally {
      await env.stop();
    }
  });
});
