// Flow engine benchmark: callback step latency and throughput, real SDKs over
// HTTP (@alicloud/pop-core for FnF, @alicloud/mns for the queue), durable file store.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createFnfRpc } from '../local/cli/commands/start-execution';
import { EXECUTION_END_EVENTS } from '../local/flow/types';
import { silentLogger } from '../local/log';
import { type LocalStack, startLocalStack } from '../local/stack';
import { emitFlow, flow, foreach, queueTask, sequence } from '../shared/fdl';
import { type BenchSection, bareHttpRoundTrips, percentile, processCpuMs } from './harness';

const QUEUE = 'bench-tasks';

/** Which worker answers the tasks (see flow-workers.ts). */
export type WorkerKind = 'queueflow' | 'minimal' | 'demo';

function chainFlow(steps: number): string {
  const body = Array.from(
    { length: steps },
    (_, i) => `  - type: task
    name: Step_${i + 1}
    resourceArn: acs:mns:::/queues/${QUEUE}/messages
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
      - target: n
        source: ${i + 1}
      - target: task_type
        source: step
    serviceParams:
      MessageBody: $
      Priority: 1
`,
  ).join('');
  return `version: v1\ntype: flow\nsteps:\n${body}`;
}

/**
 * SDK workers in a child process, resolved once it has loaded (a cold start
 * must not count as task time); `stop()` ends them and returns how many tasks
 * they ran. `pid` is the process's, for its CPU time.
 */
export async function startWorkers(
  stack: LocalStack,
  count: number,
  kind: WorkerKind,
  concurrency = 4,
  queue = QUEUE,
) {
  const child = fork(
    join(import.meta.dirname, 'flow-workers.ts'),
    [stack.endpoint, stack.accountId, queue, String(count), kind, String(concurrency)],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    resolveReady = r;
  });
  const result = new Promise<{ done: number }>((resolve, reject) => {
    child.on('message', (m) => {
      if ((m as { ready?: boolean }).ready) resolveReady();
      else resolve(m as { done: number });
    });
    child.once('exit', (code) => reject(new Error(`bench workers exited (${code})`)));
  });
  await Promise.race([ready, result]);
  return {
    pid: child.pid,
    stop() {
      child.send('stop');
      return result;
    },
  };
}

const fnfClient = (stack: LocalStack) =>
  createFnfRpc({ endpoint: stack.endpoint, ...stack.credentials });

async function withStack<T>(fn: (stack: LocalStack) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'queueflow-bench-flow-'));
  const stack = await startLocalStack({ port: 0, dataDir, logger: silentLogger });
  try {
    stack.queues.createQueue(QUEUE, { VisibilityTimeout: 60 });
    return await fn(stack);
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Callback steps the latency figures let V8 warm up on before they count (see measureLatency). */
const LATENCY_WARMUP_STEPS = 2000;
/** Throughput rounds (64 flows x 20 steps each) to warm up on, then to measure. */
const TP_WARMUP_ROUNDS = 6;
const TP_ROUNDS = 4;

/**
 * Latency of each callback step: its TaskScheduled -> the next step's
 * TaskScheduled (or the end), over `runs` sequential runs of a `steps`-step flow.
 * Returns every sample in order: a caller takes the first ones as the cold
 * figure and the ones after the warm-up as the steady state. (On this machine the
 * p50 falls from about 2 ms over the first 200 steps to about 1.1 ms after some
 * 1,500, and stays flat when V8's optimizing compiler is off: it is JIT warm-up.)
 */
export async function measureLatency(
  steps: number,
  runs: number,
  kind: WorkerKind = 'queueflow',
): Promise<number[]> {
  return withStack(async (stack) => {
    const fnf = fnfClient(stack);
    stack.engine.createFlow({ Name: 'bench_chain', Definition: chainFlow(steps), Description: '' });
    const lastStart = new Map<string, number>();
    const samples: number[] = [];
    stack.engine.onEvent((e) => {
      const t = performance.now();
      const prev = lastStart.get(e.executionName);
      if (e.event.Type === 'TaskScheduled' || e.event.Type === 'ExecutionSucceeded') {
        if (prev !== undefined) samples.push(t - prev);
        lastStart.set(e.executionName, t);
      }
    });
    const workers = await startWorkers(stack, 1, kind);
    for (let r = 0; r < runs; r++) {
      const name = `lat-${r}`;
      await fnf.request(
        'StartExecution',
        { FlowName: 'bench_chain', ExecutionName: name, Input: '{}' },
        { method: 'POST', timeout: 30_000 },
      );
      const d = (await fnf.request(
        'DescribeExecution',
        { FlowName: 'bench_chain', ExecutionName: name, WaitTimeSeconds: 10 },
        { timeout: 30_000 },
      )) as { Status: string };
      if (d.Status !== 'Succeeded') throw new Error(`latency run ${name} ended ${d.Status}`);
    }
    await workers.stop();
    return samples;
  });
}

/**
 * Callback steps per second with `workers` SDK workers (in a child process) over
 * `flows` concurrent executions, and the CPU time per step of the stack and of
 * the workers, which a loaded machine does not inflate the way it inflates wall time.
 * The same stack and workers run `warmupRounds` rounds of `flows` executions
 * first (the JIT's warm-up; `cold` is the first of them), then `rounds` measured ones.
 */
export async function measureThroughput(
  flows: number,
  steps: number,
  workers: number,
  opts: { kind?: WorkerKind; concurrency?: number; warmupRounds?: number; rounds?: number } = {},
): Promise<{ rate: number; cold: number; serverCpuMicros: number; workerCpuMicros: number }> {
  const { kind = 'queueflow', concurrency = 8, warmupRounds = 0, rounds = 1 } = opts;
  return withStack(async (stack) => {
    stack.engine.createFlow({ Name: 'bench_tp', Definition: chainFlow(steps), Description: '' });
    const fnf = fnfClient(stack);
    let ended = 0;
    let roundDone: () => void = () => {};
    stack.engine.onEvent((e) => {
      if (EXECUTION_END_EVENTS.has(e.event.Type)) {
        if (++ended === flows) roundDone();
      }
    });
    const pool = await startWorkers(stack, workers, kind, concurrency);
    const round = async (r: number) => {
      ended = 0;
      const all = new Promise<void>((resolve) => {
        roundDone = resolve;
      });
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: flows }, (_, i) =>
          fnf.request(
            'StartExecution',
            { FlowName: 'bench_tp', ExecutionName: `tp-${r}-${i}`, Input: '{}' },
            { method: 'POST', timeout: 30_000 },
          ),
        ),
      );
      await all;
      return (flows * steps) / ((performance.now() - t0) / 1000);
    };
    let cold = Number.NaN;
    for (let r = 0; r < warmupRounds; r++) {
      const rate = await round(r);
      if (r === 0) cold = rate;
    }
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const worker0 = processCpuMs(pool.pid);
    for (let r = 0; r < rounds; r++) await round(warmupRounds + r);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const workerCpuMicros = (processCpuMs(pool.pid) - worker0) * 1000;
    await pool.stop();
    const measured = flows * steps * rounds;
    return {
      rate: measured / seconds,
      cold: warmupRounds > 0 ? cold : measured / seconds,
      serverCpuMicros: (cpu.user + cpu.system) / measured,
      workerCpuMicros: workerCpuMicros / measured,
    };
  });
}

/** The engine alone: in-process receive, report and delete, no HTTP (what the API adds on top). */
export async function measureInProcess(flows: number, steps: number): Promise<number> {
  return withStack(async (stack) => {
    stack.engine.createFlow({ Name: 'bench_ip', Definition: chainFlow(steps), Description: '' });
    for (let i = 0; i < flows; i++) {
      stack.engine.startExecution({ FlowName: 'bench_ip', ExecutionName: `ip-${i}`, Input: '{}' });
    }
    const t0 = performance.now();
    let done = 0;
    while (done < flows * steps) {
      const batch = await stack.queues.receiveMessages(QUEUE, { max: 16, waitSeconds: 1 });
      for (const m of batch) {
        const body = JSON.parse(m.body) as { task_token: string; n: number };
        stack.engine.reportTaskSucceeded({ TaskToken: body.task_token, Output: '{"ok":true}' });
        stack.queues.deleteMessage(QUEUE, m.receiptHandle);
        done++;
      }
    }
    return (flows * steps) / ((performance.now() - t0) / 1000);
  });
}

/**
 * A foreach fan-out in process: 100 iterations (all running at once) over a
 * 30 KB input, each a callback task. Every report is a transition that saves
 * the execution's state, so what the state keeps per iteration shows here.
 */
export async function measureForeach(): Promise<{ rate: number; maxStateBytes: number }> {
  return withStack(async (stack) => {
    const each = foreach({
      name: 'each',
      iterationMapping: { collection: '$.orders', item: 'order' },
      steps: sequence([
        queueTask({ name: 'work', queue: QUEUE, input: { id: '$input.order.id' } }),
      ]),
    });
    stack.engine.createFlow({
      Name: 'bench_fanout',
      Description: '',
      Definition: emitFlow(flow({ steps: [each] })),
    });
    const orders = Array.from({ length: 100 }, (_, i) => ({ id: `o-${i}`, note: 'n'.repeat(280) }));
    const largestState = stack.store.db.prepare('SELECT max(length(state)) AS n FROM flow_states');
    const t0 = performance.now();
    stack.engine.startExecution({
      FlowName: 'bench_fanout',
      ExecutionName: 'fanout',
      Input: JSON.stringify({ orders }),
    });
    let done = 0;
    let maxStateBytes = 0;
    let measuring = 0;
    while (done < orders.length) {
      const batch = await stack.queues.receiveMessages(QUEUE, { max: 16, waitSeconds: 1 });
      for (const m of batch) {
        const body = JSON.parse(m.body) as { task_token: string };
        stack.engine.reportTaskSucceeded({ TaskToken: body.task_token, Output: '{"ok":true}' });
        stack.queues.deleteMessage(QUEUE, m.receiptHandle);
        // The bench's own look at the state is kept out of the rate.
        const q0 = performance.now();
        maxStateBytes = Math.max(
          maxStateBytes,
          (largestState.get() as { n: number | null }).n ?? 0,
        );
        measuring += performance.now() - q0;
        done++;
      }
    }
    const seconds = (performance.now() - t0 - measuring) / 1000;
    return { rate: orders.length / seconds, maxStateBytes };
  });
}

export const flowBench: BenchSection = {
  name: 'flow',
  description: 'callback steps: waitForCallback over MNS, worker reports via FnF, durable store',
  async run(report, log) {
    const warmRuns = LATENCY_WARMUP_STEPS / 20;
    const all = await measureLatency(20, warmRuns + 50, 'queueflow');
    const coldSamples = all.slice(0, 200);
    const samples = all.slice(LATENCY_WARMUP_STEPS);
    log(
      `latency: sequential 20-step flows, one queueflow long-polling worker (shared/task, default concurrency 4); ` +
        `${samples.length} steps measured after ${LATENCY_WARMUP_STEPS} warm-up steps (the JIT's), the first 200 shown as "cold"`,
    );
    report({
      name: 'callback step latency p50',
      value: percentile(samples, 50),
      unit: 'ms',
      compare: { label: 'target', value: 2, better: 'lower' },
    });
    report({
      name: 'callback step latency p99',
      value: percentile(samples, 99),
      unit: 'ms',
    });
    report({
      name: 'callback step latency p50',
      value: percentile(samples, 50),
      unit: 'ms',
      compare: { label: 'Restate', value: 2.9, better: 'lower' },
    });
    report({
      name: '  cold: p50 of the first 200 steps after start',
      value: percentile(coldSamples, 50),
      unit: 'ms',
      compare: { label: 'target', value: 2, better: 'lower' },
    });
    const bare = (await measureLatency(20, warmRuns + 50, 'minimal')).slice(LATENCY_WARMUP_STEPS);
    report({
      name: '  same, minimal SDK loop instead (receive, report, delete)',
      value: percentile(bare, 50),
      unit: 'ms',
    });
    const inProcess = await measureInProcess(64, 20);
    report({
      name: 'callback steps/s in process (engine + queue, no HTTP)',
      value: inProcess,
      unit: 'steps/s',
    });
    const fanout = await measureForeach();
    report({
      name: 'foreach fan-out: callbacks/s, 100 iterations over a 30 KB input (in process)',
      value: fanout.rate,
      unit: 'steps/s',
    });
    report({
      name: '  largest saved execution state during it',
      value: fanout.maxStateBytes / 1024,
      unit: 'KiB',
    });
    // This machine's speed in the same minutes (it drifts by about 30 %).
    const floor = await bareHttpRoundTrips();
    const { rate, cold, serverCpuMicros, workerCpuMicros } = await measureThroughput(64, 20, 8, {
      warmupRounds: TP_WARMUP_ROUNDS,
      rounds: TP_ROUNDS,
    });
    log(
      `throughput: rounds of 64 concurrent 20-step flows, 8 queueflow workers (concurrency 8 each) in a child process; ` +
        `${TP_ROUNDS} rounds measured after ${TP_WARMUP_ROUNDS} warm-up rounds (the first shown as "cold")`,
    );
    log(`load average now: ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`);
    report({
      name: 'stack CPU per callback step (HTTP, engine, queue)',
      value: serverCpuMicros,
      unit: 'µs',
    });
    report({ name: 'worker CPU per callback step (SDKs)', value: workerCpuMicros, unit: 'µs' });
    report({
      name: 'callback steps/s the stack can serve per core',
      value: 1e6 / serverCpuMicros,
      unit: 'steps/s',
      compare: { label: 'target', value: 2000, better: 'higher' },
    });
    report({
      name: `callback steps/s ceiling on ${cpus().length} cores (stack + worker CPU)`,
      value: (cpus().length * 1e6) / (serverCpuMicros + workerCpuMicros),
      unit: 'steps/s',
    });
    report({
      name: 'callback steps/s (64 flows, 8 workers)',
      value: rate,
      unit: 'steps/s',
      compare: { label: 'target', value: 2000, better: 'higher' },
    });
    report({
      name: 'callback steps/s (64 flows, 8 workers)',
      value: rate,
      unit: 'steps/s',
      compare: { label: 'BullMQ', value: 2300, better: 'higher' },
    });
    report({
      name: '  machine floor now: bare node:http round trips/s, 8 clients',
      value: floor,
      unit: 'req/s',
    });
    report({
      name: '  cold: the first round after start',
      value: cold,
      unit: 'steps/s',
      compare: { label: 'target', value: 2000, better: 'higher' },
    });
    const minimal = await measureThroughput(64, 20, 8, {
      kind: 'minimal',
      warmupRounds: TP_WARMUP_ROUNDS,
      rounds: TP_ROUNDS,
    });
    report({
      name: '  same, 8 minimal SDK loops (batch receive 16, batch delete)',
      value: minimal.rate,
      unit: 'steps/s',
    });
  },
};
