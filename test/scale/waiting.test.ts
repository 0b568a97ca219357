import { createHook } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { percentile } from '../../bench/harness';
import { silentLogger } from '../../local/log';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { emitFlow, flow, queueTask } from '../../shared/fdl';
import { createFnfSdk } from '../integration/flow/fnf-sdk';
import { createSdkClient as createMnsSdk } from '../support/mns-sdk';

// The suite runs it with 1,000 executions, so it cannot rot unnoticed; the
// figures in the notes come from QUEUEFLOW_SCALE=1 npx vitest run test/scale
// (10,000; QUEUEFLOW_SCALE_EXECUTIONS sets another count).
const N = Number(
  process.env.QUEUEFLOW_SCALE_EXECUTIONS ?? (process.env.QUEUEFLOW_SCALE === '1' ? 10_000 : 1_000),
);
const SAMPLES = 200;

/**
 * Counts the process's live timers, unref'd ones included (which
 * process.getActiveResourcesInfo() leaves out): a Timeout is live from its
 * creation until it is cleared or has fired for the last time, so an interval
 * and a setTimeout chain each hold one for as long as they run.
 */
function liveTimers() {
  const live = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type === 'Timeout') live.add(id);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return { count: () => live.size, stop: () => hook.disable() };
}

const dataDir = mkdtempSync(join(tmpdir(), 'qf-scale-'));
let stack: LocalStack | undefined;
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const task = (name: string) =>
  queueTask({
    name,
    queue: 'scale-q',
    tokenKey: 'token',
    input: { exec: '$context.execution.name' },
  });

describe('scale', () => {
  it(`holds ${N} executions waiting on callbacks at no cost per tick`, {
    timeout: 600_000,
  }, async () => {
    stack = await startLocalStack({ port: 0, dataDir, logger: silentLogger });
    const s = stack;
    s.queues.createQueue('scale-q', { VisibilityTimeout: 600 });
    s.engine.createFlow({
      Name: 'scale_flow',
      Definition: emitFlow(flow({ steps: [task('first'), task('second')] })),
    });
    global.gc?.();
    const before = process.memoryUsage();
    // Handles and timers are counted, not timed: one per waiting execution shows
    // at any N, while a CPU bound only sees it once N is large.
    const timersLive = liveTimers();
    const resourcesBefore = process.getActiveResourcesInfo().length;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      s.engine.startExecution({ FlowName: 'scale_flow', ExecutionName: `w-${i}`, Input: '{}' });
    }
    const startSeconds = (performance.now() - t0) / 1000;
    global.gc?.();
    const waiting = process.memoryUsage();

    // Idle: nothing polls per execution, so CPU stays near zero while all of them wait.
    const cpu0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 2000));
    const idle = process.cpuUsage(cpu0);
    const idleCpuMs = (idle.user + idle.system) / 1000;
    const resourcesGrowth = process.getActiveResourcesInfo().length - resourcesBefore;
    const liveTimersWaiting = timersLive.count();
    timersLive.stop();
    const timers = s.store.db.prepare('SELECT COUNT(*) AS n FROM flow_timers').get() as {
      n: number;
    };

    // Per-step latency under that load: report over HTTP -> the next step scheduled.
    const fnf = createFnfSdk(s);
    const mns = createMnsSdk(s);
    const resumed = new Map<string, number>();
    s.engine.onEvent((e) => {
      if (e.event.Type === 'TaskScheduled' && e.event.StepName === 'second') {
        resumed.set(e.executionName, performance.now());
      }
    });
    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const m = await mns.receiveMessage('scale-q', 1);
      const body = JSON.parse(m.body.MessageBody ?? '{}') as { token: string; exec: string };
      const exec = body.exec;
      const a = performance.now();
      await fnf.call('ReportTaskSucceeded', { TaskToken: body.token, Output: '{}' });
      latencies.push((resumed.get(exec) ?? Number.NaN) - a);
      await mns.deleteMessage('scale-q', m.body.ReceiptHandle ?? '');
    }
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    process.stdout.write(
      `scale: ${N} executions started in ${startSeconds.toFixed(1)} s; ` +
        `rss ${mb(before.rss)} -> ${mb(waiting.rss)} MB, heap ${mb(before.heapUsed)} -> ${mb(waiting.heapUsed)} MB; ` +
        `idle CPU over 2 s with all waiting: ${idleCpuMs.toFixed(0)} ms; timers armed: ${timers.n}; ` +
        `active resources +${resourcesGrowth}, timers made since and still live: ${liveTimersWaiting}; ` +
        `report->resume latency under load p50 ${percentile(latencies, 50).toFixed(2)} ms p99 ${percentile(latencies, 99).toFixed(2)} ms\n`,
    );
    expect(timers.n).toBe(0);
    expect(idleCpuMs).toBeLessThan(500);
    // Nothing held per execution: far below one handle or timer each.
    expect(resourcesGrowth).toBeLessThan(N / 10);
    expect(liveTimersWaiting).toBeLessThan(N / 10);
    expect(latencies.every((l) => Number.isFinite(l))).toBe(true);
  });
});
