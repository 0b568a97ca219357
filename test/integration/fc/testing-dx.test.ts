// queueflow/testing from a user's side: child flows, reusing a queue after a
// worker stops, the top-level step list, what a stuck execution says, time
// skipping, and the errors for a function the stack does not run.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emitFlow, flow, flowTask, foreach, pass, queueTask, wait } from '../../../shared/fdl';
import { createTestEnvironment, type TestEnvironment } from '../../../testing';
import { eventually } from '../../support/eventually';

const root = join(import.meta.dirname, '..', '..', '..');
const S_YAML = join(root, 's.yaml');

let env: TestEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

/** A foreach over the input's `items`, each a task of type `w` on queue `jobs`. */
const fanOut = () =>
  emitFlow(
    flow({
      steps: [
        foreach({
          name: 'each',
          iterationMapping: { collection: '$.items', item: 'item' },
          steps: [queueTask({ name: 'work', queue: 'jobs', input: { task_type: 'w' } })],
        }),
      ],
    }),
  );

const demoHandlers = {
  extract: async () => ({ rows: 2 }),
  transform: async () => ({ rows: 3 }),
  load: async () => ({ loaded: true }),
};

describe('queueflow/testing', () => {
  it("has a sync child flow's tasks in worker.results when runExecution resolves", async () => {
    const e = await createTestEnvironment({ project: S_YAML });
    env = e;
    e.stack.engine.createFlow({
      Name: 'parent',
      Type: 'FDL',
      Definition: emitFlow(
        flow({
          steps: [
            flowTask({
              name: 'child',
              flowName: 'queueflow-demo',
              pattern: 'sync',
              inputMappings: { source: '$input.source' },
              serviceParams: { Input: '$' },
            }),
          ],
        }),
      ),
    });
    const worker = e.handle('queueflow-tasks', demoHandlers);
    for (let i = 0; i < 5; i++) {
      const run = await e.runExecution('parent', { source: `s${i}.csv` });
      expect(run.status).toBe('Succeeded');
      // The last report ends the child, which ends the parent: that report's
      // handler call is part of the parent's run.
      expect(worker.results.length).toBe(3 * (i + 1));
    }
  });

  it('lets a queue have a mock worker again once the previous one has stopped', async () => {
    const e = await createTestEnvironment({ project: S_YAML });
    env = e;
    const first = e.handle('queueflow-tasks', demoHandlers);
    expect(() => e.handle('queueflow-tasks', demoHandlers)).toThrow(/already has a mock worker/);
    expect((await e.runExecution('queueflow-demo', { source: 'a.csv' })).status).toBe('Succeeded');
    await first.stop();
    const second = e.handle('queueflow-tasks', demoHandlers);
    expect((await e.runExecution('queueflow-demo', { source: 'b.csv' })).status).toBe('Succeeded');
    expect(second.results.map((r) => r.taskType)).toEqual(['extract', 'transform', 'load']);
  });

  it('refuses handle() after stop, and leaves no follower behind a start that failed', async () => {
    const e = await createTestEnvironment({ project: S_YAML });
    const engine = e.stack.engine;
    const subscribe = engine.onEvent.bind(engine);
    let listening = 0;
    engine.onEvent = (listener) => {
      listening++;
      const off = subscribe(listener);
      let done = false;
      return () => {
        if (!done) listening--;
        done = true;
        off();
      };
    };
    for (let i = 0; i < 5; i++) {
      await expect(e.runExecution('queueflow-dmeo', {})).rejects.toThrow(/queueflow-dmeo/);
    }
    expect(listening).toBe(0);
    await e.stop();
    expect(() => e.handle('queueflow-tasks', demoHandlers)).toThrow(/stopped/);
  });

  it('lists the top-level steps as they ran: not a choice branch, and a step run twice twice', async () => {
    const e = await createTestEnvironment();
    env = e;
    e.stack.engine.createFlow({
      Name: 'routed',
      Type: 'FDL',
      Definition: `version: v1
type: flow
steps:
  - type: choice
    name: route
    choices:
      - condition: $.go == true
        steps:
          - type: pass
            name: inBranch1
          - type: pass
            name: inBranch2
  - type: pass
    name: after
`,
    });
    expect((await e.runExecution('routed', { go: true })).steps).toEqual(['route', 'after']);
    e.stack.queues.createQueue('jobs');
    e.stack.engine.createFlow({
      Name: 'again',
      Type: 'FDL',
      Definition: `version: v1
type: flow
steps:
  - type: task
    name: T
    resourceArn: acs:mns:::/queues/jobs/messages
    pattern: waitForCallback
    inputMappings:
      - {target: task_token, source: $context.task.token}
      - {target: task_type, source: t}
    catch:
      - errors: [Flaky]
        goto: T
`,
    });
    let calls = 0;
    e.handle('jobs', {
      t: async () => {
        calls++;
        if (calls === 1) {
          const { TaskError } = await import('../../../testing');
          throw new TaskError({ code: 'Flaky', message: 'first time', retryable: false });
        }
        return { ok: true };
      },
    });
    const run = await e.runExecution('again', {});
    expect(run.status).toBe('Succeeded');
    expect(run.steps).toEqual(['T', 'T']);
  });

  it('says why an execution did not end: the queue no mock worker consumes', async () => {
    const e = await createTestEnvironment({ project: S_YAML });
    env = e;
    const err = await e
      .runExecution('queueflow-demo', { source: 'a.csv' }, { timeoutMs: 300 })
      .catch((x: unknown) => x as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/did not finish in 300 ms/);
    expect((err as Error).message).toMatch(
      /step Task_1 waits for a report; its message went to queue queueflow-tasks .*which no mock worker consumes: call env\.handle\('queueflow-tasks'/,
    );
  });

  it('says where the virtual clock stands when an execution waits on a timer', async () => {
    const e = await createTestEnvironment({ virtualClock: true });
    env = e;
    e.stack.engine.createFlow({
      Name: 'nap',
      Type: 'FDL',
      Definition: emitFlow(flow({ steps: [wait({ name: 'Nap', duration: 60 })] })),
    });
    const err = await e
      .runExecution('nap', {}, { timeoutMs: 300 })
      .catch((x: unknown) => x as Error);
    expect((err as Error).message).toMatch(
      /its next timer is due at .*: advance env\.clock, or pass \{ skipTime: true \}/,
    );
  });

  it('skips time whenever nothing is in progress, with skipTime', async () => {
    const e = await createTestEnvironment({ virtualClock: true });
    env = e;
    e.stack.queues.createQueue('jobs', { VisibilityTimeout: 30 });
    e.stack.engine.createFlow({
      Name: 'slow',
      Type: 'FDL',
      Definition: emitFlow(
        flow({
          steps: [
            // Real async work in the handler: the wait is armed only after it.
            queueTask({ name: 'T', queue: 'jobs', input: { task_type: 't' } }),
            wait({ name: 'Nap', duration: 3600 }),
            queueTask({ name: 'U', queue: 'jobs', input: { task_type: 'u' } }),
            pass({ name: 'After' }),
          ],
        }),
      ),
    });
    let uCalls = 0;
    e.handle('jobs', {
      t: async () => {
        await new Promise((r) => setTimeout(r, 20));
        return { ok: true };
      },
      // A retryable failure: the message comes back after its visibility timeout (30 s).
      u: async () => {
        uCalls++;
        if (uCalls === 1) {
          const { TaskError } = await import('../../../testing');
          throw new TaskError({ code: 'Busy', message: 'later', retryable: true });
        }
        return { ok: true };
      },
    });
    const started = e.clock.now();
    const run = await e.runExecution('slow', {}, { skipTime: true, timeoutMs: 3000 });
    expect(run.status).toBe('Succeeded');
    expect(uCalls).toBe(2);
    // An hour of waiting and a 30 s visibility timeout passed, on the virtual clock only.
    expect(e.clock.now() - started).toBeGreaterThanOrEqual(3630_000);
  });

  it('skips time past a hung handler whose step has ended, and says what holds skipping up', async () => {
    const e = await createTestEnvironment({ virtualClock: true });
    env = e;
    e.stack.queues.createQueue('jobs');
    e.stack.queues.createQueue('audit');
    e.stack.engine.createFlow({
      Name: 'stuck',
      Type: 'FDL',
      Definition: `version: v1
type: flow
steps:
  - type: task
    name: T
    resourceArn: acs:mns:::/queues/jobs/messages
    pattern: waitForCallback
    timeoutSeconds: 60
    inputMappings:
      - {target: task_token, source: $context.task.token}
      - {target: task_type, source: hang}
`,
    });
    e.stack.engine.createFlow({
      Name: 'nap',
      Type: 'FDL',
      Definition: emitFlow(flow({ steps: [wait({ name: 'Nap', duration: 60 })] })),
    });
    // A handler that ignores its signal and never returns. While it runs, time
    // skipping waits (as Temporal's does for an activity); the test moves the clock.
    let started: () => void = () => {};
    const running = new Promise<void>((r) => {
      started = r;
    });
    e.handle('jobs', {
      hang: () => {
        started();
        return new Promise<never>(() => {});
      },
    });
    const stuck = e.runExecution('stuck', {});
    await running;
    await e.clock.advance(61_000);
    expect(await stuck).toMatchObject({ status: 'Failed', error: 'FnF.TaskTimeout' });
    // Its call is abandoned: it no longer holds time up.
    expect((await e.runExecution('nap', {}, { skipTime: true })).status).toBe('Succeeded');
    // A message no mock worker consumes does, and the explanation says so.
    e.stack.queues.sendMessage('audit', { body: 'x' });
    const err = await e
      .runExecution('nap', {}, { skipTime: true, timeoutMs: 300 })
      .catch((x: unknown) => x as Error);
    expect((err as Error).message).toMatch(
      /time skipping waits because queue audit has 1 message\(s\) waiting, and no mock worker consumes it/,
    );
    expect((err as Error).message).not.toMatch(/pass \{ skipTime: true \}/);
  });

  it('takes no task after stop(), even when it was at its limit of tasks in flight', async () => {
    const e = await createTestEnvironment();
    env = e;
    e.stack.queues.createQueue('jobs');
    e.stack.engine.createFlow({ Name: 'fan20', Type: 'FDL', Definition: fanOut() });
    let calls = 0;
    let stopping = false;
    let afterStop = 0;
    let sixteen: () => void = () => {};
    const full = new Promise<void>((r) => {
      sixteen = r;
    });
    const first = e.handle('jobs', {
      w: (_input: unknown, ctx) => {
        if (stopping) afterStop++;
        if (++calls === 16) sixteen();
        // Holds its slot until the worker stops, then gives up.
        return new Promise<never>((_, reject) =>
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
        );
      },
    });
    const running = e.runExecution(
      'fan20',
      { items: Array.from({ length: 20 }, (_, i) => i) },
      { timeoutMs: 3000 },
    );
    running.catch(() => {});
    await full;
    stopping = true;
    await first.stop();
    let second = 0;
    e.handle('jobs', {
      w: async () => {
        second++;
        return {};
      },
    });
    // The 4 tasks the first worker had no slot for go to one of the two: all of
    // them to the second when the stopped one takes nothing.
    await eventually(() => second + afterStop >= 4, 'the 4 waiting tasks are taken');
    expect(afterStop).toBe(0);
    expect(second).toBeGreaterThanOrEqual(4);
  });

  it('refuses skipTime without a virtual clock', async () => {
    const e = await createTestEnvironment();
    env = e;
    await expect(e.runExecution('x', {}, { skipTime: true })).rejects.toThrow(
      /skipTime needs an environment made with virtualClock: true/,
    );
  });

  it('runs a fan-out of 12 tasks without an EventTarget leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const e = await createTestEnvironment();
      env = e;
      e.stack.queues.createQueue('jobs');
      e.stack.engine.createFlow({ Name: 'fan', Type: 'FDL', Definition: fanOut() });
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let started = 0;
      e.handle('jobs', {
        w: async () => {
          if (++started === 12) release();
          await gate; // all 12 handler calls in flight at once
          return {};
        },
      });
      const run = await e.runExecution('fan', { items: Array.from({ length: 12 }, (_, i) => i) });
      expect(run.status).toBe('Succeeded');
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('names the flow and its file when a flow of s.yaml is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'queueflow-bad-project-'));
    try {
      cpSync(S_YAML, join(dir, 's.yaml'));
      cpSync(join(root, 'infra'), join(dir, 'infra'), { recursive: true });
      cpSync(join(root, 'flows'), join(dir, 'flows'), { recursive: true });
      const file = join(dir, 'flows', 'demo.flow.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('pattern: waitForCallback', 'pattern: waitForCalback'),
      );
      await expect(createTestEnvironment({ project: join(dir, 's.yaml') })).rejects.toThrow(
        /^flow queueflow-demo \(flows\/demo\.flow\.yaml, from s\.yaml\): .*waitForCallback/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says a function step's function is declared but not running without functions", async () => {
    const e = await createTestEnvironment({ project: S_YAML });
    env = e;
    e.stack.engine.createFlow({
      Name: 'calls_fn',
      Type: 'FDL',
      Definition: `version: v1
type: flow
steps:
  - type: task
    name: Call
    resourceArn: acs:fc:::services/default/functions/start-flow
`,
    });
    const run = await e.runExecution('calls_fn', {});
    expect(run).toMatchObject({ status: 'Failed', error: 'FC.FunctionNotFound' });
    expect(run.cause).toMatch(/declared in s\.yaml but not running.*functions: false/);
  });
});

describe('queueflow/testing with functions: true', () => {
  it('refuses a mock worker on a queue a running function consumes', async () => {
    const e = await createTestEnvironment({ project: S_YAML, functions: true });
    env = e;
    expect(() => e.handle('queueflow-tasks', demoHandlers)).toThrow(
      /queue queueflow-tasks is consumed by function task-worker/,
    );
    // The function still does the work.
    expect(
      (await e.runExecution('queueflow-demo', { source: 'a.csv' }, { timeoutMs: 20_000 })).status,
    ).toBe('Succeeded');
  });
});
