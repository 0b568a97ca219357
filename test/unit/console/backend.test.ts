// The console backend over the real engine and queue service of an in-memory stack: what
// the console API and its live stream hand the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleEvent, createConsoleBackend } from '../../../local/console/backend';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, memory: true, logger: silentLogger });
  stack.engine.createFlow({
    Name: 'console_flow',
    Definition: 'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: only\n',
  });
});
afterAll(() => stack.stop());

describe('createConsoleBackend', () => {
  it('starts an Express flow under a name of its own each time, as StartSyncExecution names it', async () => {
    stack.engine.createFlow({
      Name: 'console_express',
      ExecutionMode: 'Express',
      Definition: 'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: only\n',
    });
    const backend = createConsoleBackend({ engine: stack.engine, queues: stack.queues });
    const first = await backend.startExecution({
      FlowName: 'console_express',
      ExecutionName: 'cx',
    });
    const again = await backend.startExecution({
      FlowName: 'console_express',
      ExecutionName: 'cx',
    });
    expect(first.Name).toMatch(/^cx:[0-9a-f-]{36}$/);
    expect(again.Name).toMatch(/^cx:[0-9a-f-]{36}$/);
    expect(again.Name).not.toBe(first.Name);
  });

  it('hands out history events without RequestId, and without StepName on execution events', async () => {
    const backend = createConsoleBackend({ engine: stack.engine, queues: stack.queues });
    const live: ConsoleEvent[] = [];
    const unsubscribe = backend.onEvent((e) => live.push(e));
    try {
      const started = await backend.startExecution({
        FlowName: 'console_flow',
        ExecutionName: 'x1',
      });
      expect(started).toMatchObject({ Name: 'x1', FlowName: 'console_flow' });
      expect(started).not.toHaveProperty('RequestId');
      await stack.engine.describeExecution({
        FlowName: 'console_flow',
        ExecutionName: 'x1',
        WaitTimeSeconds: 10,
      });
      const { Events } = await backend.getExecutionHistory({
        FlowName: 'console_flow',
        ExecutionName: 'x1',
      });
      expect(Events.map((e) => e.Type)).toEqual([
        'ExecutionStarted',
        'StepEntered',
        'StepExited',
        'ExecutionSucceeded',
      ]);
      expect(Events[0]).not.toHaveProperty('StepName');
      expect(Events[1]).toMatchObject({ EventId: 2, StepName: 'only' });
      expect(typeof Events[1]?.EventDetail).toBe('string');
      // The live events are the same events, in the same form.
      expect(live.filter((e) => e.executionName === 'x1').map((e) => e.event)).toEqual(Events);
      // The list's rows leave the flow's definition out (the flow page shows it).
      const { Executions } = await backend.listExecutions({ FlowName: 'console_flow' });
      expect(Executions.find((e) => e.Name === 'x1')).toMatchObject({ Status: 'Succeeded' });
      expect(Executions.some((e) => 'FlowDefinition' in e)).toBe(false);
    } finally {
      unsubscribe();
    }
  });

  it('lists every queue with its counts, and the dead-letter queue where one is set', async () => {
    stack.queues.createQueue('console-dlq');
    stack.queues.createQueue('console-work', { DeadLetterQueue: 'console-dlq' });
    stack.queues.sendMessage('console-work', { body: '{"task_type":"a"}' });
    const backend = createConsoleBackend({ engine: stack.engine, queues: stack.queues });
    const rows = await backend.listQueues();
    expect(rows.find((q) => q.name === 'console-dlq')).toEqual({
      name: 'console-dlq',
      active: 0,
      inflight: 0,
      delayed: 0,
      waiting: 0,
    });
    expect(rows.find((q) => q.name === 'console-work')).toEqual({
      name: 'console-work',
      active: 1,
      inflight: 0,
      delayed: 0,
      waiting: 0,
      deadLettered: 0,
      deadLetterQueue: 'console-dlq',
    });
    const peeked = await backend.peekMessages('console-work', 16);
    expect(peeked).toMatchObject([{ body: '{"task_type":"a"}' }]);
    const noQueues = createConsoleBackend({ engine: stack.engine });
    expect(await noQueues.listQueues()).toEqual([]);
  });
});
