import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createTaskWorkerHandler,
  TaskBatchRetryError,
} from '../../../functions/task-worker/handler';
import { registry as demoRegistry } from '../../../functions/task-worker/handlers';
import { createHandlerRegistry } from '../../../shared/task/registry';
import { TaskError } from '../../../shared/task/task-error';
import { createFakeFlow } from '../task/fake-flow';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../fixtures/events', name));

function cloudEvents(bodies: Array<Record<string, unknown>>): Buffer {
  return Buffer.from(
    JSON.stringify(
      bodies.map((b, i) => ({
        specversion: '1.0',
        type: 'mns:Queue:SendMessage',
        source: 'MNS-task-worker-tasks-queue',
        data: { requestId: `r${i}`, messageId: `m${i}`, messageBody: JSON.stringify(b) },
      })),
    ),
  );
}

describe('task-worker handler', () => {
  it('runs the demo batch through the handlers and reports each output', async () => {
    const { flow, reports } = createFakeFlow();
    const lines: string[] = [];
    const handler = createTaskWorkerHandler({
      registry: demoRegistry,
      flow,
      log: (l) => lines.push(l),
    });
    const summary = await handler(fixture('mns-queue-batch.json'), {});
    expect(summary).toMatchObject({ messages: 3, succeeded: 3, failed: 0, invalid: 0 });
    expect(reports.map((r) => r.taskToken).sort()).toEqual([
      'tok-extract-1',
      'tok-load-1',
      'tok-transform-1',
    ]);
    const load = reports.find((r) => r.taskToken === 'tok-load-1');
    expect(load?.kind === 'succeeded' && JSON.parse(String(load.output))).toEqual({
      table: 'staging.orders_2026_11',
      loaded: 1188,
    });
    expect(lines.some((l) => /^task extract succeeded \d+ms$/.test(l))).toBe(true);
  });

  it('produces the same demo outputs on every run', async () => {
    const a = createFakeFlow();
    const b = createFakeFlow();
    await createTaskWorkerHandler({ registry: demoRegistry, flow: a.flow, log: () => {} })(
      fixture('mns-queue-single.json'),
    );
    await createTaskWorkerHandler({ registry: demoRegistry, flow: b.flow, log: () => {} })(
      fixture('mns-queue-single.json'),
    );
    // Two empty report lists would be equal too: the single message must have reported.
    expect(a.reports).toHaveLength(1);
    expect(a.reports[0]?.kind).toBe('succeeded');
    expect(a.reports).toEqual(b.reports);
  });

  it('fails the invocation only for retryable messages, and skips the finished ones on redelivery', async () => {
    let attempts = 0;
    let runsOfOk = 0;
    const registry = createHandlerRegistry({
      ok: async () => {
        runsOfOk++;
        return { ok: true };
      },
      flaky: async () => {
        attempts++;
        if (attempts === 1)
          throw new TaskError({ code: 'Busy', message: 'try later', retryable: true });
        return { ok: 'finally' };
      },
      bad: async () => {
        throw new TaskError({ code: 'BadInput', message: 'nope' });
      },
    });
    const { flow, reports } = createFakeFlow();
    const handler = createTaskWorkerHandler({ registry, flow, log: () => {} });
    const event = cloudEvents([
      { task_token: 'a', task_type: 'ok' },
      { task_token: 'b', task_type: 'flaky' },
      { task_token: 'c', task_type: 'bad' },
    ]);
    const err = await handler(event).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskBatchRetryError);
    expect((err as Error).message).toMatch(/1 of 3 .*Busy/);
    expect(reports.map((r) => `${r.taskToken}:${r.kind}`).sort()).toEqual([
      'a:succeeded',
      'c:failed',
    ]);

    // EventBridge delivers the same batch again: only the retryable one runs.
    const summary = await handler(event);
    expect(summary).toMatchObject({ succeeded: 1, skipped: 2 });
    expect(runsOfOk).toBe(1);
    expect(reports.map((r) => `${r.taskToken}:${r.kind}`).sort()).toEqual([
      'a:succeeded',
      'b:succeeded',
      'c:failed',
    ]);
  });

  it('does not fail the invocation for messages that can never be reported', async () => {
    const { flow, reports } = createFakeFlow();
    const handler = createTaskWorkerHandler({ registry: demoRegistry, flow, log: () => {} });
    const summary = await handler(cloudEvents([{ task_type: 'extract', source: 'no-token.csv' }]));
    expect(summary).toMatchObject({ invalid: 1, succeeded: 0 });
    expect(reports).toEqual([]);
  });

  it('builds its flow client from the invocation context', async () => {
    const { flow } = createFakeFlow();
    const seen: unknown[] = [];
    const handler = createTaskWorkerHandler({
      registry: demoRegistry,
      flow: (ctx) => {
        seen.push(ctx?.credentials?.accessKeyId);
        return flow;
      },
      log: () => {},
    });
    await handler(fixture('mns-queue-single.json'), {
      credentials: { accessKeyId: 'STS.x', accessKeySecret: 's', securityToken: 't' },
    });
    expect(seen).toEqual(['STS.x']);
  });

  it('fails a demo step with MissingInput when the flow maps no rows', async () => {
    const { flow, reports } = createFakeFlow();
    const handler = createTaskWorkerHandler({ registry: demoRegistry, flow, log: () => {} });
    await handler(cloudEvents([{ task_token: 't', task_type: 'transform' }]));
    expect(reports[0]).toMatchObject({ kind: 'failed', error: 'MissingInput' });
  });
});
