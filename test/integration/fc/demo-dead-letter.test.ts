// The demo's dead-letter queue: s.yaml's task-worker trigger moves a task message
// whose retries are spent to queueflow-tasks-dlq (declared in infra/ros.yaml),
// instead of dropping it. The BUILT task-worker bundle runs it; a VirtualClock
// skips BACKOFF_RETRY's 10-20 s waits.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../local/log';
import { createTestEnvironment, type TestEnvironment } from '../../../testing';
import { eventually } from '../../support/eventually';
import { extractTaskFlow } from './fixtures/extract-task-flow';

const S_YAML = fileURLToPath(new URL('../../../s.yaml', import.meta.url));
const QUEUE = 'queueflow-tasks';
const DLQ = 'queueflow-tasks-dlq';

// One demo-shaped queue task whose handler always asks for a retry (the demo
// handlers' `simulate` switch; the demo flow itself does not map it).
const ALWAYS_BUSY_FLOW = extractTaskFlow(QUEUE);

describe('the demo task queue’s dead-letter queue', () => {
  let env: TestEnvironment | undefined;
  afterEach(async () => {
    await env?.stop();
    env = undefined;
  });

  it('moves a task message that keeps failing to queueflow-tasks-dlq after its 3 retries, once', async () => {
    const logs: string[] = [];
    env = await createTestEnvironment({
      project: S_YAML,
      functions: true,
      virtualClock: true,
      logger: createLogger({ level: 'debug', write: (l) => logs.push(l) }),
    });
    const { stack } = env;
    const clock = env.clock!;
    expect(stack.applied?.queues).toEqual([QUEUE, DLQ]);
    expect(stack.queues.getQueue(DLQ).attributes.MessageRetentionPeriod).toBe(604800);

    stack.engine.createFlow({ Name: 'always-busy', Definition: ALWAYS_BUSY_FLOW, Type: 'FDL' });
    stack.engine.startExecution({
      FlowName: 'always-busy',
      ExecutionName: 'dead-lettered',
      Input: JSON.stringify({
        source: 'orders.csv',
        simulate: { failWith: 'Busy', retryable: true },
      }),
    });
    const failures = () => logs.filter((l) => l.includes('function failed;'));
    // s.yaml: BACKOFF_RETRY, 3 retries 10-20 s apart; the 4th failure is out of
    // retries. The clock moves by each retry's own hold (from its log line), so
    // one move sets off exactly one run.
    for (let n = 1; n <= 3; n++) {
      const line = await eventually(() => failures()[n - 1], `failure ${n} is handled`);
      expect(line).toContain('function failed; retrying');
      expect(line).toContain(` retry=${n} of=3 `);
      expect(stack.queues.peekMessages(DLQ, 16)).toEqual([]);
      await clock.advance(Number(/inSeconds=(\d+)/.exec(line)?.[1]) * 1000);
    }
    await eventually(
      () => logs.find((l) => l.includes(`sent to dead-letter queue ${DLQ}`)),
      'the message is dead-lettered',
    );
    expect(failures()).toHaveLength(4);
    expect(failures()[3]).toContain('out of retries');

    const dead = stack.queues.peekMessages(DLQ, 16);
    expect(dead).toHaveLength(1);
    const body = JSON.parse(dead[0]!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ task_type: 'extract', source: 'orders.csv' });
    // The token rides along, so replaying the body to the task queue can still finish the task.
    expect(typeof body.task_token).toBe('string');
    expect(stack.queues.stats(QUEUE)).toMatchObject({ active: 0, inflight: 0, delayed: 0 });
    const execution = await stack.engine.describeExecution({
      FlowName: 'always-busy',
      ExecutionName: 'dead-lettered',
    });
    expect(execution).toMatchObject({ Status: 'Running' });
  });
});
