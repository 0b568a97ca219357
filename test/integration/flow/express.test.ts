import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import type { SyncExecutionAnswer } from '../../../local/flow/types';
import { silentLogger } from '../../../local/log';
import { startLocalStack } from '../../../local/stack';
import { createFlowClient } from '../../../shared/clients/flow-client';
import { useTempDirs } from '../../support/temp-dirs';
import { rejection } from './fnf-sdk';
import { useFlowStack } from './helpers';

// StartSyncExecution (Express flows): pop-core's RPCClient and the typed flow
// client against the local engine, on a virtual clock for the 5-minute limit.
const ctx = useFlowStack('express-q');

const passFlow = `version: v1
type: flow
steps:
  - type: pass
    name: double
    inputMappings:
      - target: n
        source: $input.n
    outputMappings:
      - target: twice
        source: $input.n
`;
const failFlow = `version: v1
type: flow
steps:
  - type: fail
    name: boom
    error: Bad.Input
    cause: n must be positive
`;
const waitingFlow = `version: v1
type: flow
steps:
  - type: task
    name: work
    resourceArn: acs:mns:::/queues/express-q/messages
    pattern: waitForCallback
    inputMappings:
      - target: token
        source: $context.task.token
`;

/** An Express flow of `definition` (the helpers' createFlow, in Express mode). */
const expressFlow = (definition: string) => ctx.h.createFlow(definition, undefined, 'Express');

describe('StartSyncExecution', () => {
  it('runs an Express flow and answers with its output once it has ended', async () => {
    const flow = await expressFlow(passFlow);
    const r = await ctx.fnf.call<SyncExecutionAnswer>('StartSyncExecution', {
      FlowName: flow,
      ExecutionName: 'order-7',
      Input: JSON.stringify({ n: 21 }),
    });
    expect(r).toMatchObject({ FlowName: flow, Status: 'Succeeded' });
    expect(JSON.parse(r.Output ?? '')).toEqual({ twice: 21 });
    // Names need not be unique: the service makes {ExecutionName}:{UUID}.
    expect(r.Name).toMatch(/^order-7:[0-9a-f-]{36}$/);
    expect(r.StoppedTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const again = await ctx.fnf.call<SyncExecutionAnswer>('StartSyncExecution', {
      FlowName: flow,
      ExecutionName: 'order-7',
      Input: '{"n":1}',
    });
    expect(again.Name).not.toBe(r.Name);
    // The execution is kept: DescribeExecution finds it by the name it was given.
    const d = await ctx.h.describe(flow, r.Name);
    expect(d.Status).toBe('Succeeded');
    // Without a name, the service makes one.
    const unnamed = await ctx.fnf.call<SyncExecutionAnswer>('StartSyncExecution', {
      FlowName: flow,
    });
    expect(unnamed.Name).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a failed execution with its ErrorCode and ErrorMessage (HTTP 200)', async () => {
    const flow = await expressFlow(failFlow);
    const r = await ctx.fnf.call<SyncExecutionAnswer>('StartSyncExecution', { FlowName: flow });
    expect(r).toMatchObject({
      Status: 'Failed',
      ErrorCode: 'Bad.Input',
      ErrorMessage: 'n must be positive',
    });
    expect(r.Output).toBeUndefined();
  });

  it('refuses a Standard flow (and StartExecution an Express one), a bad name, bad input and an unknown flow as the API does', async () => {
    const standard = await ctx.h.createFlow(passFlow);
    const e = await rejection(ctx.fnf.call('StartSyncExecution', { FlowName: standard }));
    expect(e.code).toBe('ActionNotSupported');
    expect(e.entry?.response?.statusCode).toBe(400);
    expect(e.message).toMatch(/Standard execution is not supported: flow .* is a Standard flow/);
    const flow = await expressFlow(passFlow);
    // And the other way round: StartExecution starts Standard flows only, as in the cloud.
    const viaStart = await rejection(ctx.fnf.call('StartExecution', { FlowName: flow }));
    expect(viaStart.code).toBe('ActionNotSupported');
    expect(viaStart.entry?.response?.statusCode).toBe(400);
    expect(viaStart.message).toMatch(
      /Express execution is not supported: flow .* is an Express flow; start it with StartSyncExecution/,
    );
    const bad = await rejection(
      ctx.fnf.call('StartSyncExecution', { FlowName: flow, ExecutionName: '9lives' }),
    );
    expect(bad.code).toBe('InvalidArgument');
    const input = await rejection(
      ctx.fnf.call('StartSyncExecution', { FlowName: flow, Input: '[1]' }),
    );
    expect(input.code).toBe('InvalidArgument');
    const missing = await rejection(ctx.fnf.call('StartSyncExecution', { FlowName: 'nope' }));
    expect(missing.code).toBe('FlowNotExists');
    expect(missing.entry?.response?.statusCode).toBe(404);
  });

  it('fails a child-flow task that names an Express flow, as StartExecution would be refused', async () => {
    const child = await expressFlow(passFlow);
    for (const how of [`action: fnf:StartExecution`, `resourceArn: acs:fnf:::flow/${child}`]) {
      const parent = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: task
    name: start_child
    ${how}
    pattern: requestResponse
    serviceParams:
      FlowName: ${child}
`);
      const run = await ctx.h.run(parent);
      expect(run.Status, how).toBe('Failed');
      const last = (await ctx.h.history(parent, run.Name)).at(-1);
      expect(JSON.parse(last?.EventDetail ?? '{}'), how).toMatchObject({
        error: 'fnf.ActionNotSupported',
      });
    }
  });

  it('times an Express execution out after 5 minutes, and answers the call then', async () => {
    const flow = await expressFlow(waitingFlow);
    const call = ctx.fnf.call<SyncExecutionAnswer>('StartSyncExecution', {
      FlowName: flow,
      ExecutionName: 'slow',
    });
    // The task is sent and waits for a callback nobody makes.
    await ctx.h.receive('express-q');
    await ctx.h.settled();
    await ctx.clock.advance(299_000);
    await ctx.h.settled();
    let answered = false;
    void call.then(() => {
      answered = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    await ctx.clock.advance(1_000);
    const r = await call;
    expect(r).toMatchObject({
      Status: 'TimedOut',
      ErrorCode: 'FnF.Timeout',
      ErrorMessage: 'an Express execution runs at most 300 seconds',
    });
  });

  it('is what the typed flow client calls, with the error fields typed', async () => {
    const flow = await expressFlow(passFlow);
    const client = createFlowClient({
      endpoint: ctx.stack.endpoint,
      credentials: ctx.stack.credentials,
    });
    const ok = await client.startSyncExecution({ flowName: flow, input: { n: 4 } });
    expect(ok).toMatchObject({ flowName: flow, status: 'Succeeded', output: '{"twice":4}' });
    const failing = await expressFlow(failFlow);
    const failed = await client.startSyncExecution({ flowName: failing, executionName: 'f' });
    expect(failed).toMatchObject({
      status: 'Failed',
      errorCode: 'Bad.Input',
      errorMessage: 'n must be positive',
    });
    expect(failed.name).toMatch(/^f:/);
  });
});

describe('the Express time limit across a restart', () => {
  const tempDir = useTempDirs('queueflow-express-');

  it('keeps the limit the execution started under, message included, when the stack comes back relaxed', async () => {
    const dataDir = tempDir();
    const clock = new VirtualClock(Date.UTC(2026, 10, 28, 12));
    const first = await startLocalStack({ port: 0, dataDir, logger: silentLogger, clock });
    first.queues.createQueue('express-q');
    first.engine.createFlow({
      Name: 'slow',
      Definition: waitingFlow,
      Type: 'FDL',
      ExecutionMode: 'Express',
    });
    first.engine.startExecution({ FlowName: 'slow', ExecutionName: 'e1' }, { express: true });
    await new Promise((r) => setImmediate(r));
    await first.stop();

    const again = await startLocalStack({
      port: 0,
      dataDir,
      logger: silentLogger,
      clock,
      relaxLimits: true,
    });
    try {
      await new Promise((r) => setImmediate(r));
      await clock.advance(300_000);
      const d = await again.engine.describeExecution({ FlowName: 'slow', ExecutionName: 'e1' });
      expect(d.Status).toBe('TimedOut');
      const events = again.engine.getExecutionHistory({
        FlowName: 'slow',
        ExecutionName: 'e1',
      }).Events as Array<{ Type: string; EventDetail: string }>;
      expect(JSON.parse(events.at(-1)?.EventDetail ?? '{}')).toEqual({
        error: 'FnF.Timeout',
        cause: 'an Express execution runs at most 300 seconds',
      });
    } finally {
      await again.stop();
    }
  });
});
