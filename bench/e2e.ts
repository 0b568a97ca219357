// End to end on the local stack, with the BUILT bundles:
// - demo-flow latency (StartExecution -> Succeeded), the direct queue integration
//   against the old pattern where a function step sends each message, in one run;
// - executions/s with the long-polling worker (shared/task) at concurrency 1, 8, 32.
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { registry } from '../functions/task-worker/handlers';
import { EXECUTION_END_EVENT, EXECUTION_END_EVENTS } from '../local/flow/types';
import { silentLogger } from '../local/log';
import { type LocalStack, startLocalStack } from '../local/stack';
import { decodeTaskMessage } from '../shared/task/envelope';
import { startWorkers } from './flow';
import { type BenchSection, percentile } from './harness';

const root = fileURLToPath(new URL('..', import.meta.url));
const S_YAML = join(root, 's.yaml');
const QUEUE = 'queueflow-tasks';
const INPUT = JSON.stringify({ source: 'orders-2026-11.csv' });
/** Interleaved pairs of runs (direct, then function-sender) to warm up on, then to measure. */
const LATENCY_WARMUP_PAIRS = 200;
const LATENCY_RUNS = 150;
/** Runs of the demo flow with the engine alone (see engineAlone), to warm up on, then to measure. */
const ENGINE_WARMUP_RUNS = 300;
const ENGINE_RUNS = 1000;

async function bundleSender(): Promise<string> {
  const dir = join(tmpdir(), 'queueflow-bench', 'bench-fc-sender');
  mkdirSync(dir, { recursive: true });
  await build({
    entryPoints: [join(root, 'bench', 'fc-sender', 'index.ts')],
    outfile: join(dir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    logLevel: 'warning',
  });
  return dir;
}

/** The demo project's stack in memory, its functions not started (something else consumes the queue). */
const demoStackWithoutFunctions = () =>
  startLocalStack({
    port: 0,
    memory: true,
    project: S_YAML,
    startFunctions: false,
    logger: silentLogger,
  });

/** The demo flow's task steps (and the sender flow's): Task_1, Task_2, Task_3. */
const TASKS = 3;

/** One run the listener follows: its flow, its task round trips, its end. */
interface Followed {
  flowName: string;
  /** TaskSubmitted time per step, until its TaskSucceeded. */
  submitted: Map<string, number>;
  tasks: number[] | undefined;
  end(at: number, type: string): void;
}

/**
 * One engine listener per stack for every run (throughput starts up to 800 at
 * once): each event goes to its own run by execution name, so the bench's work on
 * the stack's thread stays one map lookup an event. A follower reading the history
 * back would add its own work there.
 */
const followers = new WeakMap<LocalStack, Map<string, Followed>>();
function followed(stack: LocalStack): Map<string, Followed> {
  let runs = followers.get(stack);
  if (!runs) {
    const byName = new Map<string, Followed>();
    stack.engine.onEvent((e) => {
      const run = byName.get(e.executionName);
      if (!run || run.flowName !== e.flowName) return;
      const type = e.event.Type;
      if (type === 'TaskSubmitted') run.submitted.set(e.event.StepName, performance.now());
      else if (type === 'TaskSucceeded') {
        const from = run.submitted.get(e.event.StepName);
        if (from !== undefined) run.tasks?.push(performance.now() - from);
      } else if (EXECUTION_END_EVENTS.has(type)) run.end(performance.now(), type);
    });
    runs = byName;
    followers.set(stack, runs);
  }
  return runs;
}

let seq = 0;
/**
 * StartExecution -> Succeeded: from the call to the commit of the execution's
 * closing event. `tasks` collects each task's round trip, TaskSubmitted ->
 * TaskSucceeded: the message's (or the sender function's) way to the worker and
 * the report's way back.
 */
async function runOnce(
  stack: LocalStack,
  flowName: string,
  options: { input?: string; tasks?: number[] } = {},
): Promise<number> {
  const name = `bench-${++seq}`;
  const runs = followed(stack);
  let timer: NodeJS.Timeout | undefined;
  const closed = new Promise<{ at: number; type: string }>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${flowName} ${name}: not ended in 30 s`)), 30_000);
    runs.set(name, {
      flowName,
      submitted: new Map(),
      tasks: options.tasks,
      end: (at, type) => resolve({ at, type }),
    });
  });
  const started = performance.now();
  try {
    stack.engine.startExecution({
      FlowName: flowName,
      ExecutionName: name,
      Input: options.input ?? INPUT,
    });
    const end = await closed;
    if (end.type !== EXECUTION_END_EVENT.Succeeded) {
      const d = await stack.engine.describeExecution({ FlowName: flowName, ExecutionName: name });
      throw new Error(`${flowName} ${name} ended ${end.type}: ${JSON.stringify(d)}`);
    }
    return end.at - started;
  } finally {
    clearTimeout(timer);
    runs.delete(name);
  }
}

// The old pattern: each task step invokes a sender function with waitForCallback;
// the function sends the message (with the token) and the worker reports.
async function setUpSenderFlow(stack: LocalStack): Promise<string> {
  const definition = readFileSync(
    join(root, 'bench', 'flows', 'bench-fc-sender.flow.yaml'),
    'utf8',
  );
  stack.engine.createFlow({ Name: 'bench-fc-sender', Definition: definition, Type: 'FDL' });
  await runOnce(stack, 'bench-fc-sender');
  return 'FC step with waitForCallback';
}

/**
 * The flow engine's and queue's own work in one demo run, with nothing else: the
 * stack's in-process APIs (no HTTP, no signatures, no function instances), one
 * consumer in the same process that takes each task message, runs the demo
 * handler and reports at once. Both patterns carry this work (the sender's run
 * has the same start, task steps and end), so it bounds what a faster engine
 * alone could do to the ratio.
 */
async function engineAlone(): Promise<number> {
  const stack = await demoStackWithoutFunctions();
  const stop = new AbortController();
  const consumer = (async () => {
    while (!stop.signal.aborted) {
      const got = await stack.queues.receiveMessages(QUEUE, {
        max: 1,
        waitSeconds: 10,
        signal: stop.signal,
      });
      for (const m of got) {
        stack.queues.deleteMessage(QUEUE, m.receiptHandle);
        const task = decodeTaskMessage(m.body);
        const handler = registry.get(task.taskType ?? '');
        if (!handler) throw new Error(`engine alone: no demo handler for ${task.taskType}`);
        const output = await handler(task.input as never, {
          taskType: task.taskType ?? '',
          signal: stop.signal,
        });
        await stack.engine.reportTaskSucceeded({
          TaskToken: task.token,
          Output: JSON.stringify(output ?? {}),
        });
      }
    }
  })();
  try {
    const runs: number[] = [];
    for (let i = 0; i < ENGINE_WARMUP_RUNS + ENGINE_RUNS; i++) {
      runs.push(await runOnce(stack, 'queueflow-demo'));
    }
    return percentile(runs.slice(ENGINE_WARMUP_RUNS), 50);
  } finally {
    stop.abort();
    await consumer.catch(() => {});
    await stack.stop();
  }
}

async function latency(report: Parameters<BenchSection['run']>[0], log: (l: string) => void) {
  const senderDir = await bundleSender();
  const stack = await startLocalStack({
    port: 0,
    memory: true,
    project: S_YAML,
    logger: silentLogger,
  });
  try {
    await stack.functions.deploy([
      {
        resource: 'bench-fc-sender',
        name: 'bench-fc-sender',
        runtime: 'nodejs20',
        codeDir: senderDir,
        handler: 'index.handler',
        timeoutSeconds: 30,
        memorySize: 256,
        environment: {},
        triggers: [],
      },
    ]);
    const shape = await setUpSenderFlow(stack);
    const direct: number[] = [];
    const sender: number[] = [];
    const directTasks: number[] = [];
    const senderTasks: number[] = [];
    // Interleaved, so both see the same machine load; the first pairs warm up
    // the JIT (in the stack and in the function instances) and are kept apart.
    for (let i = 0; i < LATENCY_WARMUP_PAIRS + LATENCY_RUNS; i++) {
      const measured = i >= LATENCY_WARMUP_PAIRS;
      direct.push(await runOnce(stack, 'queueflow-demo', measured ? { tasks: directTasks } : {}));
      sender.push(await runOnce(stack, 'bench-fc-sender', measured ? { tasks: senderTasks } : {}));
    }
    const coldDirect = percentile(direct.splice(0, LATENCY_WARMUP_PAIRS).slice(0, 50), 50);
    const coldSender = percentile(sender.splice(0, LATENCY_WARMUP_PAIRS).slice(0, 50), 50);
    log(
      `latency: ${LATENCY_RUNS} runs of each measured after ${LATENCY_WARMUP_PAIRS} warm-up runs of each (the JIT's); the first 50 shown as "cold"`,
    );
    log(`function-sender variant: ${shape}`);
    const directP50 = percentile(direct, 50);
    const senderP50 = percentile(sender, 50);
    report({
      name: 'demo flow latency p50, direct queue integration',
      value: directP50,
      unit: 'ms',
    });
    report({
      name: 'demo flow latency p50, function-sender pattern',
      value: senderP50,
      unit: 'ms',
    });
    report({
      name: 'speed-up of direct over function-sender (p50)',
      value: senderP50 / directP50,
      unit: 'x',
      compare: { label: 'target', value: 2, better: 'higher' },
    });
    report({
      name: '  cold: speed-up over the first 50 runs of each',
      value: coldSender / coldDirect,
      unit: 'x',
      compare: { label: 'target', value: 2, better: 'higher' },
    });
    // Where the time goes: the task round trips, and the rest of a run (the start,
    // the first step's transaction, the end), which both patterns share.
    const directTask = percentile(directTasks, 50);
    const senderTask = percentile(senderTasks, 50);
    const rest = Math.max(0, directP50 - TASKS * directTask);
    report({ name: '  per task round trip p50, direct', value: directTask, unit: 'ms' });
    report({ name: '  per task round trip p50, function-sender', value: senderTask, unit: 'ms' });
    report({ name: '  rest of the run (start, end) p50, direct', value: rest, unit: 'ms' });
    const needed = Math.max(0, (senderP50 / 2 - rest) / TASKS);
    log(
      `for 2x, the direct run must take at most half the sender's: with the sender's run as measured, ` +
        `a direct task round trip of at most ${needed.toFixed(2)} ms (measured ${directTask.toFixed(2)} ms)`,
    );
    // What the engine alone could change: its own work is in both patterns' runs.
    const engine = await engineAlone();
    report({
      name: '  engine and queue alone per demo run p50 (in-process)',
      value: engine,
      unit: 'ms',
    });
    report({
      name: '  speed-up if that work took no time at all',
      value: (senderP50 - engine) / Math.max(0.001, directP50 - engine),
      unit: 'x',
    });
    report({ name: 'demo flow latency p95, direct', value: percentile(direct, 95), unit: 'ms' });
    report({
      name: 'demo flow latency p95, function-sender',
      value: percentile(sender, 95),
      unit: 'ms',
    });
  } finally {
    await stack.stop();
  }
}

async function throughput(
  report: Parameters<BenchSection['run']>[0],
  log: (l: string) => void,
  concurrency: number,
  executions: number,
) {
  // Mock-free: the stack's queues and flows; the product's long-polling worker
  // with the demo's handlers over the SDKs, in its own process (as it runs on
  // ECS or in a container), so the stack and the worker each get a core.
  const stack = await demoStackWithoutFunctions();
  const worker = await startWorkers(stack, 1, 'demo', concurrency, QUEUE);
  try {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: executions }, (_, i) =>
        runOnce(stack, 'queueflow-demo', { input: JSON.stringify({ source: `orders-${i}.csv` }) }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    log(
      `concurrency ${concurrency}: ${executions} executions (${executions * 3} tasks) in ${seconds.toFixed(2)} s`,
    );
    report({
      name: `executions/s, long-polling worker, concurrency ${concurrency}`,
      value: executions / seconds,
      unit: 'exec/s',
    });
  } finally {
    await worker.stop();
    await stack.stop();
  }
}

export const e2eBench: BenchSection = {
  name: 'e2e',
  description:
    'demo flow end to end: direct queue integration vs function-sender; long-polling worker throughput',
  async run(report, log) {
    await latency(report, log);
    for (const [c, n] of [
      [1, 60],
      [8, 300],
      [32, 800],
    ] as const) {
      await throughput(report, log, c, n);
    }
  },
};
