import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry as demoRegistry } from '../../../functions/task-worker/handlers';
import { createLongPollWorker, type WorkerTaskEvent } from '../../../shared/task/long-poll-worker';
import { closeTerminal, spawnCli, useCli } from '../../support/spawn-cli';
import { useTempDirs } from '../../support/temp-dirs';
import { demoFlow, startWorkerEnv, type WorkerEnv } from './worker-env';

const handlersFile = join(import.meta.dirname, 'fixtures/slow-handlers.mjs');
let env: WorkerEnv;

useCli();
/** A fresh folder for handlers modules written by a test, removed after it. */
const handlersDir = useTempDirs('qf-handlers-');

beforeAll(async () => {
  env = await startWorkerEnv({
    queueName: 'sigterm-tasks',
    flowName: 'sigterm-demo',
    visibilityTimeout: 2,
  });
}, 60_000);

afterAll(async () => {
  await env?.stack.stop();
});

/** A `queueflow worker` child process (stopped after each test whatever happens). */
function spawnWorker(extra: {
  graceSeconds: number;
  slowMs: number;
  queueName?: string;
  handlers?: string;
}) {
  return spawnCli(
    [
      'worker',
      '--queue',
      extra.queueName ?? env.queueName,
      '--handlers',
      extra.handlers ?? handlersFile,
      '--endpoint',
      env.stack.endpoint,
      '--wait-seconds',
      '1',
      '--visibility-timeout',
      '2',
      '--grace-seconds',
      String(extra.graceSeconds),
    ],
    { env: { ...process.env, SLOW_EXTRACT_MS: String(extra.slowMs) } },
  );
}

/** Finishes whatever is left of the executions with an in-process worker; their descriptions, in order. */
async function completeExecutions(executionNames: readonly string[], events: WorkerTaskEvent[]) {
  const w = createLongPollWorker({
    queue: env.queue,
    queueName: env.queueName,
    registry: demoRegistry,
    flow: env.flow,
    waitSeconds: 1,
    visibilityTimeout: 2,
    onTask: (e) => events.push(e),
  });
  const running = w.run();
  try {
    const described = [];
    for (const executionName of executionNames) {
      described.push(
        await env.flow.describeExecution({
          flowName: env.flowName,
          executionName,
          waitSeconds: 20,
        }),
      );
    }
    return described;
  } finally {
    await w.stop();
    await running;
  }
}

/** Finishes whatever is left of one execution with an in-process worker. */
async function completeWithInProcessWorker(executionName: string, events: WorkerTaskEvent[]) {
  const [described] = await completeExecutions([executionName], events);
  return described!;
}

/** A `queueflow worker` polling, with the extract task of a new execution running in it. */
async function workerRunning(
  executionName: string,
  source: string,
  opts: { graceSeconds: number; slowMs: number },
) {
  const w = spawnWorker(opts);
  await w.waitFor(/worker polling sigterm-tasks/);
  await env.flow.startExecution({ flowName: env.flowName, executionName, input: { source } });
  await w.waitFor(new RegExp(`handler-started extract ${source.replaceAll('.', '\\.')}`));
  return w;
}

describe('queueflow worker and SIGTERM', () => {
  it('exits 0 on a signal that comes while it still loads its handlers', async () => {
    const w = spawnWorker({
      graceSeconds: 10,
      slowMs: 0,
      handlers: join(import.meta.dirname, 'fixtures/slow-loading-handlers.mjs'),
    });
    await w.waitFor(/handlers-loading/);
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(w.stdout).toMatch(/worker stopped on SIGTERM before it polled/);
  });

  it('finishes the task in flight, reports it, and exits 0', async () => {
    const w = await workerRunning('term-1', 't1.csv', { graceSeconds: 10, slowMs: 1500 });
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    const { stdout } = w;
    expect(stdout).toMatch(/worker stopping on SIGTERM \(1 in flight; again to release them now\)/);
    expect(stdout).toMatch(/task extract succeeded \d+ms/);
    expect(stdout).toMatch(/worker stopped/);

    const events: WorkerTaskEvent[] = [];
    const r = await completeWithInProcessWorker('term-1', events);
    expect(r.status).toBe('Succeeded');
    // Nothing was redone: the extract message was deleted after its report.
    expect(events.map((e) => e.taskType)).toEqual(['transform', 'load']);
    expect(JSON.parse(r.output ?? '{}')).toMatchObject({ source: 't1.csv', rows: 99, loaded: 99 });
  });

  it('stops as on SIGTERM on a SIGHUP that closed its terminal: finishes the task in flight and exits 0', async () => {
    const w = await workerRunning('hup-1', 'h1.csv', { graceSeconds: 10, slowMs: 1500 });
    // Every line the worker prints from here fails (EPIPE).
    await closeTerminal(w);
    expect(await w.exited).toBe(0);
    const events: WorkerTaskEvent[] = [];
    const r = await completeWithInProcessWorker('hup-1', events);
    expect(r.status).toBe('Succeeded');
    // The extract task finished and was reported before the worker exited.
    expect(events.map((e) => e.taskType)).toEqual(['transform', 'load']);
  });

  it('stops cleanly when its output goes away (the reader quit): the task still running finishes', async () => {
    const w = spawnWorker({ graceSeconds: 10, slowMs: 1000 });
    await w.waitFor(/worker polling sigterm-tasks/);
    const start = (executionName: string, source: string) =>
      env.flow.startExecution({ flowName: env.flowName, executionName, input: { source } });
    await start('closed-a', 'ca.csv');
    await w.waitFor(/handler-started extract ca\.csv/);
    await new Promise((r) => setTimeout(r, 500));
    await start('closed-b', 'cb.csv');
    await w.waitFor(/handler-started extract cb\.csv/);
    // The line for ca's task fails with EPIPE while cb's extract is half done:
    // that asks for a stop (cb's task finishes), it does not end the process there;
    // nor does the terminal's SIGHUP after it, while cb's task still runs.
    w.child.stdout?.destroy();
    w.child.stderr?.destroy();
    await new Promise((r) => setTimeout(r, 700));
    w.child.kill('SIGHUP');
    expect(await w.exited).toBe(0);

    const events: WorkerTaskEvent[] = [];
    const described = await completeExecutions(['closed-a', 'closed-b'], events);
    expect(described.map((r) => r.status)).toEqual(['Succeeded', 'Succeeded']);
    // Both extracts were reported and deleted by the CLI worker: neither came back.
    expect(events.map((e) => e.taskType)).not.toContain('extract');
  });

  it('releases a task that outlives the grace period, and the message is delivered again', async () => {
    const w = await workerRunning('term-2', 't2.csv', { graceSeconds: 0.5, slowMs: 30_000 });
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(w.stdout).toMatch(/task extract released/);

    const events: WorkerTaskEvent[] = [];
    const r = await completeWithInProcessWorker('term-2', events);
    expect(r.status).toBe('Succeeded');
    expect(events.find((e) => e.taskType === 'extract')).toMatchObject({
      outcome: 'succeeded',
      dequeueCount: 2,
    });
  });

  it('keeps polling while the queue does not exist yet, runs TypeScript handlers, and says so again if the queue goes away', async () => {
    const w = spawnWorker({
      graceSeconds: 5,
      slowMs: 10,
      queueName: 'late-tasks',
      handlers: join(import.meta.dirname, 'fixtures/typed-handlers.ts'),
    });
    await w.waitFor(/polling until it does/);
    // Said once, with what to check, not at every backoff step (1 s wait polls: 0.25, 0.5, 1 s...).
    await new Promise((r) => setTimeout(r, 1500));
    expect(w.stderr).toMatch(
      /queueflow worker: the queue late-tasks does not exist at http:\/\/127\.0\.0\.1:\d+ \(yet\); polling until it does\. Check --queue\n/,
    );
    expect(w.stderr.match(/does not exist/g)).toHaveLength(1);
    await env.queue.createQueue('late-tasks');
    await env.flow.createFlow({ name: 'late-demo', definition: demoFlow('late-tasks') });
    await env.flow.startExecution({
      flowName: 'late-demo',
      executionName: 'late-1',
      input: { source: 'l.csv' },
    });
    const r = await env.flow.describeExecution({
      flowName: 'late-demo',
      executionName: 'late-1',
      waitSeconds: 20,
    });
    // The queue goes away under the running worker: said again, once.
    env.stack.queues.deleteQueue('late-tasks');
    await w.waitFor(/late-tasks does not exist at http:\/\/127\.0\.0\.1:\d+ any more; polling/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(w.stderr.match(/does not exist/g)).toHaveLength(2);
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(r.status).toBe('Succeeded');
    expect(w.stdout).toMatch(/task load succeeded/);
    expect(JSON.parse(r.output ?? '{}')).toMatchObject({ table: 'staging.typed', loaded: 39 });
  });

  it('names the handlers file when it cannot be loaded, and exits 1', async () => {
    // Written here: a broken module cannot live in the repo (the linter parses it).
    const file = join(handlersDir(), 'broken-handlers.mjs');
    writeFileSync(file, 'export const extract = async () => ({});\nconst broken = ;\n');
    const w = spawnWorker({ graceSeconds: 1, slowMs: 10, handlers: file });
    expect(await w.exited).toBe(1);
    expect(w.stderr).toContain(`could not load ${file}`);
    expect(w.stderr).toContain(`(at ${pathToFileURL(file).href}:2)`);
  });

  it('names the imported file and line where a syntax error is, not the handlers file', async () => {
    // A space in the path, as in "My Project".
    const dir = join(handlersDir(), 'My Project');
    mkdirSync(dir);
    writeFileSync(join(dir, 'lib.mjs'), 'export const x = 1;\nexport const y = ;\n');
    writeFileSync(join(dir, 'lib.cjs'), 'module.exports = ;\n');
    const esm = join(dir, 'esm-handlers.mjs');
    writeFileSync(
      esm,
      "import { x } from './lib.mjs';\nexport const extract = async () => ({ x });\n",
    );
    const cjs = join(dir, 'cjs-handlers.cjs');
    writeFileSync(
      cjs,
      "const l = require('./lib.cjs');\nmodule.exports = { extract: async () => ({}) };\n",
    );
    for (const [handlers, at] of [
      [esm, `${pathToFileURL(join(dir, 'lib.mjs')).href}:2`],
      [cjs, `${join(dir, 'lib.cjs')}:1`],
    ] as const) {
      const w = spawnWorker({ graceSeconds: 1, slowMs: 10, handlers });
      expect(await w.exited).toBe(1);
      expect(w.stderr).toContain(`could not load ${handlers}: Unexpected token ';' (at ${at})`);
    }
  });

  it('runs the top level of a handlers module that throws a SyntaxError once, and names its line', async () => {
    const dir = handlersDir();
    const ran = join(dir, 'ran.log');
    const handlers = join(dir, 'side-effects.mjs');
    writeFileSync(
      handlers,
      `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(ran)}, 'ran\\n');\nawait new Response('{bad').json();\nexport const extract = async () => ({});\n`,
    );
    const w = spawnWorker({ graceSeconds: 1, slowMs: 10, handlers });
    expect(await w.exited).toBe(1);
    expect(w.stderr).toContain(`(at ${pathToFileURL(handlers).href}:3)`);
    expect(readFileSync(ran, 'utf8')).toBe('ran\n');
  });
});
