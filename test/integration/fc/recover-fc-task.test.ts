// A function call in flight when the stack stops (or dies) is made again after
// a restart on the same data folder, once the project's functions are up.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../local/log';
import type { Project } from '../../../local/project/model';
import { startLocalStack } from '../../../local/stack';
import { eventually } from '../../support/eventually';
import { fixtureFunction, queueTrigger } from './runtime-stack';

const FLOW = `
version: v1
type: flow
steps:
  - type: task
    name: Call
    resourceArn: acs:fc:::functions/once
`;

const dataDir = mkdtempSync(join(tmpdir(), 'queueflow-recover-fc-'));
const marker = join(dataDir, 'calls');
const project: Project = {
  file: join(dataDir, 's.yaml'),
  name: 'recover-fc',
  flows: [],
  queues: [{ name: 'jobs', attributes: {} }],
  functions: [
    fixtureFunction('once', 'index.hangsFirstCall'),
    fixtureFunction('counted', 'index.countsCalls'),
    // Busy with a queue message at stop: the runtime's stop then waits for
    // that delivery, while the killed flow call's failure comes back.
    fixtureFunction('consumer', 'index.slow', { triggers: [queueTrigger()] }),
  ],
};

describe('an acs:fc task call in flight across a restart', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is neither recorded as a failure at stop nor refused as FunctionNotFound at start: it is made again', async () => {
    const first = await startLocalStack({ port: 0, dataDir, project, logger: silentLogger });
    first.engine.createFlow({ Name: 'fc-recover', Definition: FLOW, Type: 'FDL' });
    first.engine.startExecution({
      FlowName: 'fc-recover',
      ExecutionName: 'e1',
      Input: JSON.stringify({ marker }),
    });
    first.queues.sendMessage('jobs', { body: '60000' });
    await eventually(() => existsSync(marker), 'the first call is running', 10_000);
    await eventually(
      () => first.queues.stats('jobs').inflight === 1,
      'the consumer has the message',
      10_000,
    );
    await first.stop(); // kills the instance mid-call, as a crash would

    const second = await startLocalStack({ port: 0, dataDir, project, logger: silentLogger });
    try {
      const done = second.engine.describeExecution({
        FlowName: 'fc-recover',
        ExecutionName: 'e1',
        WaitTimeSeconds: 20,
      });
      expect(await done).toMatchObject({ Status: 'Succeeded', Output: '{"call":2}' });
      const events = (
        second.engine.getExecutionHistory({ FlowName: 'fc-recover', ExecutionName: 'e1' }) as {
          Events: Array<{ Type: string }>;
        }
      ).Events.map((e) => e.Type);
      expect(events).not.toContain('TaskFailed');
      expect(events.filter((t) => t === 'TaskSucceeded')).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('is made once, however often resume() runs while it is in flight', async () => {
    const stack = await startLocalStack({ port: 0, memory: true, project, logger: silentLogger });
    try {
      const counted = join(dataDir, 'counted');
      stack.engine.createFlow({
        Name: 'fc-counted',
        Definition: FLOW.replace('functions/once', 'functions/counted'),
        Type: 'FDL',
      });
      stack.engine.startExecution({
        FlowName: 'fc-counted',
        ExecutionName: 'c1',
        Input: JSON.stringify({ marker: counted, ms: 500 }),
      });
      await eventually(() => existsSync(counted), 'the call is running', 10_000);
      // What the stack did once its functions were up: it must not launch this call again.
      stack.engine.resume();
      const done = await stack.engine.describeExecution({
        FlowName: 'fc-counted',
        ExecutionName: 'c1',
        WaitTimeSeconds: 20,
      });
      expect(done).toMatchObject({ Status: 'Succeeded', Output: '{"call":1}' });
      expect(readFileSync(counted, 'utf8')).toBe('1');
    } finally {
      await stack.stop();
    }
  });
});
