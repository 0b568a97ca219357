import { describe, expect, it } from 'vitest';
import { FlowError } from '../../../shared/clients/flow-errors';
import { processTask } from '../../../shared/task/process-task';
import { createHandlerRegistry } from '../../../shared/task/registry';
import { TaskError } from '../../../shared/task/task-error';
import { createFakeFlow, flowError } from './fake-flow';

const registry = createHandlerRegistry({
  double: async (input: { n: number }) => ({ n: input.n * 2 }),
  nothing: async () => undefined,
  // @ts-expect-error From plain JS: TaskOutput refuses a string, and so does the worker.
  text: async () => 'just text',
  fatal: async () => {
    throw new TaskError({ code: 'SourceMissing', message: 'no such file: a.csv' });
  },
  later: async () => {
    throw new TaskError({ code: 'Busy', message: 'database is busy', retryable: true });
  },
  bug: async () => {
    throw new RangeError('index out of range');
  },
  huge: async () => {
    throw new TaskError({ code: 'X'.repeat(500), message: 'm'.repeat(9000) });
  },
  emoji: async () => {
    throw new Error(`bad row: ${'📦'.repeat(2100)}`);
  },
  poison: async () => {
    // Neither JSON.stringify nor String can turn this into text.
    const o = Object.create(null) as Record<string, unknown>;
    o.n = 1n;
    throw o;
  },
  numericCode: async () => {
    // From plain JS: nothing stops a number as the code.
    throw new TaskError({ code: 503 as unknown as string, message: 'upstream down' });
  },
});

const msg = (body: Record<string, unknown>) => ({ body: JSON.stringify(body), messageId: 'm-1' });

describe('processTask', () => {
  it('reports the handler output with ReportTaskSucceeded', async () => {
    const { flow, reports } = createFakeFlow();
    const r = await processTask(msg({ task_token: 't1', task_type: 'double', n: 21 }), {
      registry,
      flow,
    });
    expect(r).toMatchObject({ outcome: 'succeeded', taskType: 'double', messageId: 'm-1' });
    expect(reports).toEqual([{ kind: 'succeeded', taskToken: 't1', output: '{"n":42}' }]);
  });

  it('reports an empty object when the handler returns nothing', async () => {
    const { flow, reports } = createFakeFlow();
    await processTask(msg({ task_token: 't', task_type: 'nothing' }), { registry, flow });
    expect(reports[0]).toMatchObject({ kind: 'succeeded', output: '{}' });
  });

  it('fails the step when the handler returns something that is not an object', async () => {
    const { flow, reports } = createFakeFlow();
    const r = await processTask(msg({ task_token: 't', task_type: 'text' }), { registry, flow });
    expect(r.outcome).toBe('failed');
    expect(reports[0]).toMatchObject({ kind: 'failed', error: 'InvalidTaskOutput' });
  });

  it('reports a non-retryable TaskError with its code and message', async () => {
    const { flow, reports } = createFakeFlow();
    const r = await processTask(msg({ task_token: 't', task_type: 'fatal' }), { registry, flow });
    expect(r.outcome).toBe('failed');
    expect(reports).toEqual([
      { kind: 'failed', taskToken: 't', error: 'SourceMissing', cause: 'no such file: a.csv' },
    ]);
  });

  it('does not report a retryable error, so the message comes back', async () => {
    const { flow, reports } = createFakeFlow();
    const r = await processTask(msg({ task_token: 't', task_type: 'later' }), { registry, flow });
    expect(r).toMatchObject({ outcome: 'retry', error: { code: 'Busy', retryable: true } });
    expect(reports).toEqual([]);
  });

  it('reports an unexpected error under its class name', async () => {
    const { flow, reports } = createFakeFlow();
    await processTask(msg({ task_token: 't', task_type: 'bug' }), { registry, flow });
    expect(reports[0]).toMatchObject({
      kind: 'failed',
      error: 'RangeError',
      cause: 'index out of range',
    });
  });

  it('fits error and cause into the API limits', async () => {
    const { flow, reports } = createFakeFlow();
    await processTask(msg({ task_token: 't', task_type: 'huge' }), { registry, flow });
    const report = reports[0];
    expect(report?.kind).toBe('failed');
    if (report?.kind !== 'failed') return;
    expect(report.error.length).toBe(128);
    expect(report.cause?.length).toBe(4096);
  });

  it('fits a cause in UTF-16 units, as the API counts it, without splitting an emoji', async () => {
    const { flow, reports } = createFakeFlow();
    await processTask(msg({ task_token: 't', task_type: 'emoji' }), { registry, flow });
    const report = reports[0];
    if (report?.kind !== 'failed') throw new Error('expected a failure report');
    // 9 units of "bad row: ", then whole emoji (2 units each) up to 4093, then "...".
    expect(report.cause).toBe(`bad row: ${'📦'.repeat(2042)}...`);
    expect(report.cause?.length).toBe(4096);
  });

  it('reports a thrown value that cannot be turned into text, and a numeric TaskError code', async () => {
    const { flow, reports } = createFakeFlow();
    const poison = await processTask(msg({ task_token: 'p', task_type: 'poison' }), {
      registry,
      flow,
    });
    expect(poison.outcome).toBe('failed');
    expect(reports[0]).toMatchObject({ kind: 'failed', error: 'Error', cause: '[object Object]' });
    const numeric = await processTask(msg({ task_token: 'n', task_type: 'numericCode' }), {
      registry,
      flow,
    });
    expect(numeric.outcome).toBe('failed');
    expect(reports[1]).toMatchObject({ kind: 'failed', error: '503', cause: 'upstream down' });
  });

  it('still tells the step it failed when the flow refuses the error text itself', async () => {
    const refusal = new FlowError({
      code: 'InvalidArgument',
      message: 'ReportTaskFailed: InvalidArgument: Cause must be at most 4096 characters',
      retryable: false,
    });
    const { flow, reports } = createFakeFlow({ failWith: [refusal] });
    const r = await processTask(msg({ task_token: 't', task_type: 'fatal' }), { registry, flow });
    expect(r.outcome).toBe('failed');
    expect(reports).toEqual([
      {
        kind: 'failed',
        taskToken: 't',
        error: 'TaskReportRejected',
        cause:
          'the handler failed (SourceMissing), and ReportTaskFailed refused its error text: ReportTaskFailed: InvalidArgument: Cause must be at most 4096 characters',
      },
    ]);
  });

  it('reports an unknown task type to the flow as a non-retryable failure', async () => {
    const { flow, reports } = createFakeFlow();
    const r = await processTask(msg({ task_token: 't', task_type: 'nope' }), { registry, flow });
    expect(r.outcome).toBe('failed');
    expect(reports[0]).toMatchObject({ kind: 'failed', error: 'UnknownTaskType' });
    expect(reports[0]?.kind === 'failed' && reports[0].cause).toMatch(
      /known types: double, nothing/,
    );
  });

  it('reports a missing task type to the flow', async () => {
    const { flow, reports } = createFakeFlow();
    await processTask(msg({ task_token: 't' }), { registry, flow });
    expect(reports[0]).toMatchObject({ kind: 'failed', error: 'MissingTaskType' });
  });

  it('counts TaskAlreadyCompleted as done', async () => {
    const { flow, completed, reports } = createFakeFlow();
    completed.add('t');
    const r = await processTask(msg({ task_token: 't', task_type: 'double', n: 1 }), {
      registry,
      flow,
    });
    expect(r.outcome).toBe('already-completed');
    expect(reports).toEqual([]);
  });

  it('asks for a retry when the report fails with a retryable error', async () => {
    const { flow } = createFakeFlow({ failWith: [flowError('InternalServerError', true)] });
    const r = await processTask(msg({ task_token: 't', task_type: 'double', n: 1 }), {
      registry,
      flow,
    });
    expect(r).toMatchObject({ outcome: 'retry', error: { code: 'InternalServerError' } });
  });

  it('fails the step when the flow refuses the output', async () => {
    const { flow, reports } = createFakeFlow({ failWith: [flowError('EntityTooLarge', false)] });
    const r = await processTask(msg({ task_token: 't', task_type: 'double', n: 1 }), {
      registry,
      flow,
    });
    expect(r.outcome).toBe('failed');
    expect(reports[0]).toMatchObject({ kind: 'failed', error: 'TaskReportRejected' });
  });

  it('marks a message without a token invalid and reports nothing', async () => {
    const { flow, reports } = createFakeFlow();
    const r = await processTask({ body: '{"task_type":"double"}' }, { registry, flow });
    expect(r).toMatchObject({ outcome: 'invalid', error: { code: 'MissingTaskToken' } });
    expect(reports).toEqual([]);
  });

  it('marks the message invalid when the flow rejects the token itself', async () => {
    const { flow } = createFakeFlow({
      failWith: [flowError('InvalidArgument', false), flowError('InvalidArgument', false)],
    });
    const r = await processTask(msg({ task_token: 'forged', task_type: 'double', n: 1 }), {
      registry,
      flow,
    });
    expect(r.outcome).toBe('invalid');
  });

  it('fails the step when a user registry throws, as when a handler throws', async () => {
    const broken = {
      get: () => {
        throw new TypeError('handler table not loaded');
      },
      types: () => ['extract'],
    };
    const { flow, reports } = createFakeFlow();
    const r = await processTask(msg({ task_token: 't', task_type: 'extract' }), {
      registry: broken,
      flow,
    });
    expect(r).toMatchObject({ outcome: 'failed', error: { code: 'TypeError' } });
    expect(reports).toEqual([
      { kind: 'failed', taskToken: 't', error: 'TypeError', cause: 'handler table not loaded' },
    ]);
  });

  it('asks for a retry when a registry throws a retryable TaskError', async () => {
    const warming = {
      get: () => {
        throw new TaskError({ code: 'Warming', message: 'cache warming', retryable: true });
      },
      types: () => [],
    };
    const { flow, reports } = createFakeFlow();
    const r = await processTask(msg({ task_token: 't', task_type: 'x' }), {
      registry: warming,
      flow,
    });
    expect(r).toMatchObject({ outcome: 'retry', error: { code: 'Warming' } });
    expect(reports).toEqual([]);
  });

  it('passes message id, delivery count and an abort signal to the handler', async () => {
    let seen: unknown;
    const reg = createHandlerRegistry({
      peek: async (_input: unknown, ctx) => {
        seen = { id: ctx.messageId, n: ctx.dequeueCount, aborted: ctx.signal.aborted };
        return {};
      },
    });
    const { flow } = createFakeFlow();
    await processTask(
      { body: '{"task_token":"t","task_type":"peek"}', messageId: 'm-9', dequeueCount: 3 },
      { registry: reg, flow },
    );
    expect(seen).toEqual({ id: 'm-9', n: 3, aborted: false });
  });
});

describe('token hygiene', () => {
  it('never puts the full token in an outcome error, even when the service quotes it', async () => {
    const token = 'secret-token-0123456789abcdef';
    const quoting = new FlowError({
      code: 'InvalidArgument',
      message: `Task ${token} is invalid`,
      retryable: false,
    });
    const { flow } = createFakeFlow({ failWith: [quoting, quoting] });
    const r = await processTask(msg({ task_token: token, task_type: 'double', n: 1 }), {
      registry,
      flow,
    });
    expect(r.outcome).toBe('invalid');
    expect(r.error?.message).toContain('secret...');
    expect(JSON.stringify(r)).not.toContain(token);
  });
});

describe('token hygiene in handler errors', () => {
  it('cuts the token out of a handler error that quotes its input, in the report and the outcome', async () => {
    const token = 'secret-token-0123456789abcdef';
    const quoting = createHandlerRegistry({
      echo: async (input: unknown) => {
        throw new TaskError({ code: 'BadInput', message: `cannot use ${JSON.stringify(input)}` });
      },
    });
    const { flow, reports } = createFakeFlow();
    const r = await processTask(msg({ task_token: token, task_type: 'echo' }), {
      registry: quoting,
      flow,
    });
    expect(r.outcome).toBe('failed');
    expect(JSON.stringify(r)).not.toContain(token);
    expect(reports[0]).toMatchObject({ kind: 'failed', error: 'BadInput' });
    const cause = reports[0]?.kind === 'failed' ? (reports[0].cause ?? '') : '';
    expect(cause).toContain('secret...');
    expect(cause).not.toContain(token);
  });
});

describe('delivery limit', () => {
  it('reports a retryable failure once the message has come back maxDeliveries times', async () => {
    const { flow, reports } = createFakeFlow();
    const body = JSON.stringify({ task_token: 't', task_type: 'later' });
    const early = await processTask(
      { body, dequeueCount: 2 },
      { registry, flow, maxDeliveries: 3 },
    );
    expect(early.outcome).toBe('retry');
    const last = await processTask({ body, dequeueCount: 3 }, { registry, flow, maxDeliveries: 3 });
    expect(last.outcome).toBe('failed');
    expect(reports).toEqual([
      {
        kind: 'failed',
        taskToken: 't',
        error: 'Busy',
        cause: 'database is busy (gave up after 3 deliveries)',
      },
    ]);
  });
});

describe('refused reports', () => {
  it('asks for a retry when the flow answers 403 with a code it does not list as a refusal of the caller', async () => {
    // A 403 is about who asks (a RAM policy, an account on hold), whatever the
    // code says: the message must come back, not fail the step or be dropped.
    const denied = new FlowError({
      code: 'Account.Arrearage',
      message: 'ReportTaskSucceeded: Account.Arrearage: your account has an overdue payment',
      retryable: false,
      status: 403,
    });
    const { flow, reports } = createFakeFlow({ failWith: [denied] });
    const r = await processTask(msg({ task_token: 't', task_type: 'double', n: 1 }), {
      registry,
      flow,
    });
    expect(r).toMatchObject({
      outcome: 'retry',
      error: { code: 'Account.Arrearage', retryable: true },
    });
    expect(reports).toEqual([]);
  });

  it('retells a refused error text in printable ASCII, cut to 200 characters', async () => {
    const reg = createHandlerRegistry({
      umlaut: async () => {
        throw new TaskError({ code: 'Zeile_ungültig', message: 'Spalte „Menge“ ist leer' });
      },
    });
    const said = 'ReportTaskFailed: InvalidArgument: Cause has characters the API does not take: ';
    const refusal = new FlowError({
      code: 'InvalidArgument',
      message: `${said}«${'é'.repeat(300)}»`,
      retryable: false,
    });
    const { flow, reports } = createFakeFlow({ failWith: [refusal] });
    const r = await processTask(msg({ task_token: 't', task_type: 'umlaut' }), {
      registry: reg,
      flow,
    });
    expect(r.outcome).toBe('failed');
    const retold = `${said}${'?'.repeat(200 - said.length)}`;
    expect(retold).toHaveLength(200);
    expect(reports).toEqual([
      {
        kind: 'failed',
        taskToken: 't',
        error: 'TaskReportRejected',
        cause: `the handler failed (Zeile_ung?ltig), and ReportTaskFailed refused its error text: ${retold}`,
      },
    ]);
  });
});
