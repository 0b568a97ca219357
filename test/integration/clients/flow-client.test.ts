import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { createFlowClient, type FlowClient } from '../../../shared/clients/flow-client';
import { FlowError } from '../../../shared/clients/flow-errors';
import { createQueueClient, type QueueClient } from '../../../shared/clients/queue-client';
import { decodeTaskMessage } from '../../../shared/task/envelope';

const PASS_FLOW = `version: v1
type: flow
steps:
  - type: pass
    name: hello
    outputMappings:
      - target: greeting
        source: $input.name
`;

const CALLBACK_FLOW = `version: v1
type: flow
steps:
  - type: task
    name: Work
    resourceArn: acs:mns:::/queues/client-test-tasks/messages
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
      - target: task_type
        source: work
    serviceParams:
      MessageBody: $
`;

let stack: LocalStack;
let flow: FlowClient;
let queue: QueueClient;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, memory: true, logger: silentLogger });
  flow = createFlowClient({ endpoint: stack.endpoint, credentials: stack.credentials });
  queue = createQueueClient({
    accountId: stack.accountId,
    credentials: stack.credentials,
    endpoint: stack.endpoint,
  });
  await queue.createQueue('client-test-tasks');
  await flow.createFlow({ name: 'client-pass', definition: PASS_FLOW });
  await flow.createFlow({ name: 'client-callback', definition: CALLBACK_FLOW });
});

afterAll(async () => {
  await stack?.stop();
});

async function takeToken(): Promise<string> {
  const [m] = await queue.receive('client-test-tasks', { max: 1, waitSeconds: 5 });
  if (!m) throw new Error('no task message arrived');
  await queue.delete('client-test-tasks', m.receiptHandle);
  return decodeTaskMessage(m.body).token;
}

describe('flow client against the local stack', () => {
  it('starts an execution and waits for its output with DescribeExecution', async () => {
    const started = await flow.startExecution({
      flowName: 'client-pass',
      executionName: 'pass-1',
      input: { name: 'queueflow' },
    });
    expect(started.name).toBe('pass-1');
    const done = await flow.describeExecution({
      flowName: 'client-pass',
      executionName: 'pass-1',
      waitSeconds: 5,
    });
    expect(done.status).toBe('Succeeded');
    expect(JSON.parse(done.output ?? '{}')).toEqual({ greeting: 'queueflow' });
  });

  it('reports a task and counts a second report as already completed', async () => {
    await flow.startExecution({ flowName: 'client-callback', executionName: 'cb-1' });
    const token = await takeToken();
    const first = await flow.reportTaskSucceeded({ taskToken: token, output: { ok: true } });
    expect(first.status).toBe('reported');
    const second = await flow.reportTaskSucceeded({ taskToken: token, output: { ok: false } });
    expect(second).toEqual({ status: 'already-completed' });
    const again = await flow.reportTaskFailed({ taskToken: token, error: 'Late' });
    expect(again).toEqual({ status: 'already-completed' });
    const done = await flow.describeExecution({
      flowName: 'client-callback',
      executionName: 'cb-1',
      waitSeconds: 5,
    });
    expect(done.status).toBe('Succeeded');
    expect(JSON.parse(done.output ?? '{}')).toMatchObject({ ok: true });
  });

  it('fails the execution with ReportTaskFailed and shows it in the history', async () => {
    await flow.startExecution({ flowName: 'client-callback', executionName: 'cb-2' });
    const token = await takeToken();
    await flow.reportTaskFailed({
      taskToken: token,
      error: 'SourceMissing',
      cause: 'no such file',
    });
    const done = await flow.describeExecution({
      flowName: 'client-callback',
      executionName: 'cb-2',
      waitSeconds: 5,
    });
    expect(done.status).toBe('Failed');
    const history = await flow.getExecutionHistory({
      flowName: 'client-callback',
      executionName: 'cb-2',
    });
    const types = history.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types).toContain('TaskFailed');
    expect(types.at(-1)).toBe('ExecutionFailed');
    expect(history.find((e) => e.type === 'ExecutionFailed')?.eventDetail).toMatch(/SourceMissing/);
  });

  it('stops a running execution', async () => {
    await flow.startExecution({ flowName: 'client-callback', executionName: 'cb-3' });
    await takeToken();
    const stopped = await flow.stopExecution({
      flowName: 'client-callback',
      executionName: 'cb-3',
      error: 'Cancelled',
      cause: 'test',
    });
    expect(stopped.name).toBe('cb-3');
    const d = await flow.describeExecution({ flowName: 'client-callback', executionName: 'cb-3' });
    expect(d.status).toBe('Stopped');
  });

  it('returns the running execution when a named start is repeated', async () => {
    const a = await flow.startExecution({ flowName: 'client-callback', executionName: 'cb-4' });
    const b = await flow.startExecution({ flowName: 'client-callback', executionName: 'cb-4' });
    expect(b.name).toBe(a.name);
    await flow.stopExecution({ flowName: 'client-callback', executionName: 'cb-4' });
  });

  it('returns after the wait when the execution is still running', async () => {
    await flow.startExecution({ flowName: 'client-callback', executionName: 'cb-5' });
    const t0 = Date.now();
    const d = await flow.describeExecution({
      flowName: 'client-callback',
      executionName: 'cb-5',
      waitSeconds: 1,
    });
    expect(d.status).toBe('Running');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    await flow.stopExecution({ flowName: 'client-callback', executionName: 'cb-5' });
  });

  it('raises FlowError with the API code for a missing flow and a bad key', async () => {
    const err = await flow.startExecution({ flowName: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlowError);
    expect(err).toMatchObject({ code: 'FlowNotExists', retryable: false });
    const bad = createFlowClient({
      endpoint: stack.endpoint,
      credentials: { accessKeyId: stack.credentials.accessKeyId, accessKeySecret: 'wrong' },
    });
    const signed = await bad
      .describeExecution({ flowName: 'client-pass', executionName: 'pass-1' })
      .catch((e: unknown) => e);
    expect(signed).toBeInstanceOf(FlowError);
    expect((signed as FlowError).code).toMatch(/Signature/);
  });

  it('rejects (never throws) with FlowError for input or output that cannot be JSON', async () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const calls = [
      () => flow.reportTaskSucceeded({ taskToken: 'not-a-token', output: 'not json' }),
      () => flow.reportTaskSucceeded({ taskToken: 'not-a-token', output: { n: 1n } }),
      () => flow.startExecution({ flowName: 'client-pass', input: cycle }),
    ];
    for (const call of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = call();
      }).not.toThrow();
      const err = await promise?.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FlowError);
      expect(err).toMatchObject({ code: 'InvalidArgument', retryable: false });
    }
  });
});
