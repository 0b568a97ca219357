// A second start on the same data folder: flows are updated in place, and an
// execution left waiting on a queue task carries on once the worker runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { followExecution } from '../../../local/demo/follow';
import { silentLogger } from '../../../local/log';
import { startLocalStack } from '../../../local/stack';

const S_YAML = fileURLToPath(new URL('../../../s.yaml', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'queueflow-resume-'));

describe('restarting the stack on the same data folder', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('updates the flow instead of duplicating it, and finishes the running execution', async () => {
    const first = await startLocalStack({
      port: 0,
      dataDir,
      project: S_YAML,
      startFunctions: false,
      logger: silentLogger,
    });
    expect(first.applied?.flows).toEqual([{ name: 'queueflow-demo', action: 'created' }]);
    first.engine.startExecution({
      FlowName: 'queueflow-demo',
      ExecutionName: 'across-restart',
      Input: '{"source":"orders-2026-11.csv"}',
    });
    // No worker ran: the first task's message waits in the queue.
    expect(first.queues.stats('queueflow-tasks').active).toBe(1);
    await first.stop();

    const second = await startLocalStack({
      port: 0,
      dataDir,
      project: S_YAML,
      logger: silentLogger,
    });
    try {
      expect(second.applied?.flows).toEqual([{ name: 'queueflow-demo', action: 'updated' }]);
      const flows = second.engine.listFlows({}) as { Flows?: Array<{ Name: string }> };
      expect(flows.Flows?.map((f) => f.Name)).toEqual(['queueflow-demo']);
      const done = await followExecution({
        engine: second.engine,
        flowName: 'queueflow-demo',
        executionName: 'across-restart',
        write: () => {},
        timeoutMs: 20_000,
      });
      expect(done.status).toBe('Succeeded');
      expect(done.steps).toEqual(['Task_1', 'Task_2', 'Task_3']);
    } finally {
      await second.stop();
    }
  });
});
