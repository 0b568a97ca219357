// Flow engine benchmark: callback step latency and throughput, real SDKs over
// HTTP (@alicloud/pop-core for FnF, @alicloud/mns for the queue), durable file store.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import MnsModule from '@alicloud/mns';
import RPCClient from '@alicloud/pop-core/lib/rpc';
import { silentLogger } from '../local/log';
import { type LocalStack, startLocalStack } from '../local/stack';
import { type BenchSection, percentile } from './harness';

type Fields = Record<string, string>;
interface Mns {
  createQueue(name: string, attrs?: Record<string, number>): Promise<unknown>;
  batchReceiveMessage(name: string, n: number, wait?: number): Promise<{ body: Fields[] }>;
  batchDeleteMessage(name: string, handles: string[]): Promise<unknown>;
}
const MnsClient = MnsModule as unknown as new (
  accountId: string,
  opts: { endpoint: string; accessKeyId: string; accessKeySecret: string },
) => Mns;

const QUEUE = 'bench-tasks';

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
    serviceParams:
      MessageBody: $
      Priority: 1
`,
  ).join('');
  return `version: v1\ntype: flow\nsteps:\n${body}`;
}

interface Clients {
  fnf: RPCClient;
  mns: Mns;
}

function clients(stack: LocalStack): Clients {
  return {
    fnf: new RPCClient({
      endpoint: stack.endpoint,
      apiVersion: '2019-03-15',
      accessKeyId: stack.credentials.accessKeyId,
      accessKeySecret: stack.credentials.accessKeySecret,
    }),
    mns: new MnsClient(stack.accountId, {
      endpoint: stack.endpoint,
      accessKeyId: stack.credentials.accessKeyId,
      accessKeySecret: stack.credentials.accessKeySecret,
    }),
  };
}

/** A worker: long-poll a batch, report each task, delete the batch. Stops when `stop()` says so. */
async function worker(c: Clients, stop: () => boolean): Promise<number> {
  let done = 0;
  let deleting: Promise<unknown> = Promise.resolve();
  while (!stop()) {
    let batch: Fields[];
    try {
      batch = (await c.mns.batchReceiveMessage(QUEUE, 16, 1)).body;
    } catch {
      continue; // MessageNotExist after the long poll
    }
    await Promise.all(
      batch.map(async (m) => {
        const body = JSON.parse(m.MessageBody ?? '{}') as { task_token: string; n: number };
        await c.fnf.request(
          'ReportTaskSucceeded',
          { TaskToken: body.task_token, Output: JSON.stringify({ [`s${body.n}`]: true }) },
          // pop-core's default 3 s read timeout is too short on a loaded 2-core box.
          { method: 'POST', timeout: 30_000 },
        );
      }),
    );
    // The delete overlaps the next receive, as a pipelining worker would do.
    await deleting;
    deleting = c.mns.batchDeleteMessage(
      QUEUE,
      batch.map((m) => m.ReceiptHandle ?? ''),
    );
    done += batch.length;
  }
  await deleting;
  return done;
}

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

/** Latency of each callback step: its TaskScheduled -> the next step's TaskScheduled (or the end). */
async function measureLatency(steps: number, runs: number): Promise<number[]> {
  return withStack(async (stack) => {
    const c = clients(stack);
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
    let stop = false;
    const w = worker(c, () => stop);
    for (let r = 0; r < runs; r++) {
      const name = `lat-${r}`;
      await c.fnf.request(
        'StartExecution',
        { FlowName: 'bench_chain', ExecutionName: name, Input: '{}' },
        { method: 'POST', timeout: 30_000 },
      );
      const d = (await c.fnf.request(
        'DescribeExecution',
        { FlowName: 'bench_chain', ExecutionName: name, WaitTimeSeconds: 10 },
        { timeout: 30_000 },
      )) as { Status: string };
      if (d.Status !== 'Succeeded') throw new Error(`latency run ${name} ended ${d.Status}`);
    }
    stop = true;
    await w;
    return samples.slice(steps); // the first run warms up
  });
}

/**
 * Callback steps per second with `workers` workers over `flows` concurrent
 * executions, and the CPU time per step (stack and SDK workers share this
 * process), which a loaded machine does not inflate the way it inflates wall time.
 */
async function measureThroughput(
  flows: number,
  steps: number,
  workers: number,
): Promise<{ rate: number; cpuMicros: number }> {
  return withStack(async (stack) => {
    stack.engine.createFlow({ Name: 'bench_tp', Definition: chainFlow(steps), Description: '' });
    const pool = Array.from({ length: workers }, () => clients(stack));
    let ended = 0;
    let resolveAll: () => void = () => {};
    const all = new Promise<void>((r) => {
      resolveAll = r;
    });
    stack.engine.onEvent((e) => {
      if (e.event.Type.startsWith('Execution') && e.event.Type !== 'ExecutionStarted') {
        if (++ended === flows) resolveAll();
      }
    });
    let stop = false;
    const running = pool.map((c) => worker(c, () => stop));
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const starter = pool[0] as Clients;
    await Promise.all(
      Array.from({ length: flows }, (_, i) =>
        starter.fnf.request(
          'StartExecution',
          { FlowName: 'bench_tp', ExecutionName: `tp-${i}`, Input: '{}' },
          { method: 'POST', timeout: 30_000 },
        ),
      ),
    );
    await all;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    stop = true;
    await Promise.all(running);
    return {
      rate: (flows * steps) / seconds,
      cpuMicros: (cpu.user + cpu.system) / (flows * steps),
    };
  });
}

/** The engine alone: in-process receive, report and delete, no HTTP (what the API adds on top). */
async function measureInProcess(flows: number, steps: number): Promise<number> {
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

export const flowBench: BenchSection = {
  name: 'flow',
  description: 'callback steps: waitForCallback over MNS, worker reports via FnF, durable store',
  async run(report, log) {
    const samples = await measureLatency(20, 11);
    log(`latency: ${samples.length} callback steps, one worker, sequential 20-step flow`);
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
    const inProcess = await measureInProcess(64, 20);
    report({
      name: 'callback steps/s in process (engine + queue, no HTTP)',
      value: inProcess,
      unit: 'steps/s',
    });
    const { rate, cpuMicros } = await measureThroughput(64, 20, 8);
    log('throughput: 64 concurrent 20-step flows, 8 workers (batch receive 16, batch delete)');
    log(`load average now: ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`);
    report({
      name: 'CPU per callback step, stack + SDK workers (1 process)',
      value: cpuMicros,
      unit: 'µs',
    });
    report({
      name: 'callback steps/s per busy core (1e6 / CPU per step)',
      value: 1e6 / cpuMicros,
      unit: 'steps/s',
      compare: { label: 'target', value: 2000, better: 'higher' },
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
  },
};
