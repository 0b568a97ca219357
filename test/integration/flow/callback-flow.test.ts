import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import {
  createSdkClient as createMnsSdk,
  type SdkMnsClient as MnsSdk,
} from '../../support/mns-sdk';
import { createFnfSdk, type FnfSdk, rejection } from './fnf-sdk';

const DEMO = `version: v1
type: flow
steps:
  - type: task
    name: Task_1
    resourceArn: acs:mns:::/queues/queueflow-tasks/messages
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
      - target: task_type
        source: extract
      - target: source
        source: $input.source
    serviceParams:
      MessageBody: $
      Priority: 1
  - type: task
    name: Task_2
    resourceArn: acs:mns:::/queues/queueflow-tasks/messages
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
      - target: task_type
        source: transform
      - target: rows
        source: $local.rows
    serviceParams:
      MessageBody: $
      Priority: 1
  - type: task
    name: Task_3
    resourceArn: acs:mns:::/queues/queueflow-tasks/messages
    pattern: waitForCallback
    inputMappings:
      - target: task_token
        source: $context.task.token
      - target: task_type
        source: load
      - target: rows
        source: $local.rows
    serviceParams:
      MessageBody: $
      Priority: 1
`;

let stack: LocalStack;
let fnf: FnfSdk;
let mns: MnsSdk;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, memory: true, logger: silentLogger });
  fnf = createFnfSdk(stack);
  mns = createMnsSdk(stack);
  await mns.createQueue('queueflow-tasks');
  await fnf.call('CreateFlow', {
    Name: 'queueflow-demo',
    Definition: DEMO,
    Description: 'demo',
    Type: 'FDL',
  });
});
afterAll(() => stack.stop());

/** A test worker: long-polls the queue, runs a deterministic handler, reports, deletes. */
async function work(handled: string[], messages: number): Promise<void> {
  for (let i = 0; i < messages; ) {
    const got = await mns.receiveMessage('queueflow-tasks', 5).catch(() => undefined);
    if (!got) continue;
    i++;
    const body = JSON.parse(got.body.MessageBody ?? '{}') as Record<string, unknown>;
    handled.push(String(body.task_type));
    const out =
      body.task_type === 'extract'
        ? { rows: 3 }
        : body.task_type === 'transform'
          ? { rows: Number(body.rows) * 2 }
          : { loaded: body.rows };
    await fnf.call('ReportTaskSucceeded', {
      TaskToken: body.task_token,
      Output: JSON.stringify(out),
    });
    await mns.deleteMessage('queueflow-tasks', got.body.ReceiptHandle ?? '');
  }
}

describe('the 3-task waitForCallback flow over the real SDKs', () => {
  it('completes with a worker that long-polls the queue and reports each task', async () => {
    const handled: string[] = [];
    const worker = work(handled, 3);
    const started = await fnf.call<Record<string, string>>('StartExecution', {
      FlowName: 'queueflow-demo',
      ExecutionName: 'run-1',
      Input: JSON.stringify({ source: 'orders-2026-11.csv' }),
    });
    expect(started).toMatchObject({ Name: 'run-1', FlowName: 'queueflow-demo', Status: 'Running' });
    await worker;
    const done = await fnf.call<Record<string, string>>('DescribeExecution', {
      FlowName: 'queueflow-demo',
      ExecutionName: 'run-1',
      WaitTimeSeconds: 2,
    });
    expect(done.Status).toBe('Succeeded');
    expect(JSON.parse(done.Output ?? '{}')).toEqual({ rows: 6, loaded: 6 });
    expect(handled).toEqual(['extract', 'transform', 'load']);

    const history = await fnf.call<{ Events: Array<{ Type: string; StepName: string }> }>(
      'GetExecutionHistory',
      { FlowName: 'queueflow-demo', ExecutionName: 'run-1', Limit: 100 },
    );
    const exited = history.Events.filter((e) => e.Type === 'StepExited').map((e) => e.StepName);
    expect(exited).toEqual(['Task_1', 'Task_2', 'Task_3']);
    expect(history.Events[0]?.Type).toBe('ExecutionStarted');
    expect(history.Events.at(-1)?.Type).toBe('ExecutionSucceeded');
  });

  it('answers TaskAlreadyCompleted (400) to a second report with the same token', async () => {
    await fnf.call('StartExecution', {
      FlowName: 'queueflow-demo',
      ExecutionName: 'run-2',
      Input: '{}',
    });
    const got = await mns.receiveMessage('queueflow-tasks', 5);
    const body = JSON.parse(got.body.MessageBody ?? '{}') as { task_token: string };
    await fnf.call('ReportTaskSucceeded', { TaskToken: body.task_token, Output: '{"rows":1}' });
    const err = await rejection(
      fnf.call('ReportTaskSucceeded', { TaskToken: body.task_token, Output: '{"rows":1}' }),
    );
    expect(err.code).toBe('TaskAlreadyCompleted');
    expect(err.entry?.response?.statusCode).toBe(400);
    await mns.deleteMessage('queueflow-tasks', got.body.ReceiptHandle ?? '');
    await fnf.call('StopExecution', { FlowName: 'queueflow-demo', ExecutionName: 'run-2' });
  });
});
