// What the demo's live view says when no worker answers, and when the flow fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FollowTimeoutError, followExecution, formatPath } from '../../../local/demo/follow';
import { runDemo } from '../../../local/demo/run-demo';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { callbackFlow } from './helpers';

let stack: LocalStack;
const FLOW = callbackFlow('nobody-reads', { step: 'Task_1', tokenKey: 'task_token' });

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, memory: true, logger: silentLogger });
  stack.queues.createQueue('nobody-reads');
  stack.engine.createFlow({ Name: 'waits', Definition: FLOW });
  stack.engine.createFlow({
    Name: 'fails',
    Definition:
      'version: v1\ntype: flow\nsteps:\n  - type: fail\n    name: Broken\n    error: Oops\n',
  });
});
afterAll(() => stack?.stop());

describe('the live view of an execution', () => {
  it('says once that a task sent to a queue still waits for a worker, then gives up at its limit', async () => {
    const lines: string[] = [];
    const done = followExecution({
      engine: stack.engine,
      flowName: 'waits',
      executionName: 'w1',
      write: (l) => lines.push(l),
      timeoutMs: 1_500,
      quietTaskMs: 300,
    });
    stack.engine.startExecution({ FlowName: 'waits', ExecutionName: 'w1', Input: '{}' });
    const err = await done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FollowTimeoutError);
    expect((err as FollowTimeoutError).executionName).toBe('w1');
    const waiting = lines.filter((l) => l.includes('still waiting'));
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatch(
      /Task_1 +still waiting after 0 s: a worker must take the message from queue nobody-reads and report/,
    );
  });

  it('ends the path of a failed execution at its last step, not at End', async () => {
    const lines: string[] = [];
    const result = await runDemo({
      engine: stack.engine,
      flowName: 'fails',
      input: {},
      write: (l) => lines.push(l),
    });
    expect(result.status).toBe('Failed');
    expect(lines).toContain('Path    Start → Broken ✗ Failed');
    expect(formatPath(['Task_1', 'Task_2'])).toBe('Start → Task_1 → Task_2 → End');
  });
});
