// Task tokens minted before v2 (v1: by flow and execution name) are accepted
// only for executions that existed when this build first opened the folder.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';

const FLOW = `version: v1
type: flow
steps:
  - type: task
    name: w
    resourceArn: acs:mns:::/queues/v1q/messages
    pattern: waitForCallback
    serviceParams:
      MessageBody: $
`;
const dataDir = mkdtempSync(join(tmpdir(), 'queueflow-v1-tokens-'));
const start = () => startLocalStack({ port: 0, dataDir, logger: silentLogger });

/** A v1 token, as builds before v2 minted them: base64("v1#flow#execution#eventId#sig"). */
function v1Token(stack: LocalStack, flow: string, execution: string, eventId: number): string {
  const hex = stack.store.db
    .prepare("SELECT value FROM flow_meta WHERE key = 'token-secret'")
    .pluck()
    .get() as string;
  const body = `v1#${flow}#${execution}#${eventId}`;
  const sig = createHmac('sha256', Buffer.from(hex, 'hex'))
    .update(body)
    .digest()
    .subarray(0, 20)
    .toString('base64');
  return Buffer.from(`${body}#${sig}`).toString('base64');
}

function scheduledEventId(stack: LocalStack, execution: string): number {
  const h = stack.engine.getExecutionHistory({ FlowName: 'f', ExecutionName: execution }) as {
    Events: Array<{ Type: string; EventId: number }>;
  };
  return h.Events.find((e) => e.Type === 'TaskScheduled')?.EventId ?? -1;
}

describe('v1 task tokens', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('complete an execution from before the upgrade, never a newer one under the same names', async () => {
    const old = await start();
    old.queues.createQueue('v1q');
    old.engine.createFlow({ Name: 'f', Definition: FLOW, Type: 'FDL' });
    old.engine.startExecution({ FlowName: 'f', ExecutionName: 'legacy', Input: '{}' });
    old.engine.startExecution({ FlowName: 'f', ExecutionName: 'e', Input: '{}' });
    // As if the folder came from a build before v2 tokens: its horizon is set at the next open.
    old.store.db.exec(
      "DELETE FROM schema_migrations WHERE component = 'flow' AND id = '003-v1-token-horizon'",
    );
    await old.stop();

    const stack = await start();
    try {
      // An execution from before the upgrade: its worker's v1 token still works.
      const legacy = v1Token(stack, 'f', 'legacy', scheduledEventId(stack, 'legacy'));
      await stack.engine.reportTaskSucceeded({ TaskToken: legacy, Output: '{"v":1}' });
      expect(
        await stack.engine.describeExecution({ FlowName: 'f', ExecutionName: 'legacy' }),
      ).toMatchObject({
        Status: 'Succeeded',
      });
      // The names come back after DeleteFlow: a late v1 report is not the new execution's.
      const late = v1Token(stack, 'f', 'e', scheduledEventId(stack, 'e'));
      stack.engine.deleteFlow({ Name: 'f' });
      stack.engine.createFlow({ Name: 'f', Definition: FLOW, Type: 'FDL' });
      stack.engine.startExecution({ FlowName: 'f', ExecutionName: 'e', Input: '{}' });
      await expect(
        (async () =>
          stack.engine.reportTaskSucceeded({ TaskToken: late, Output: '{"who":"old worker"}' }))(),
      ).rejects.toMatchObject({ code: 'TaskAlreadyCompleted' });
      expect(
        await stack.engine.describeExecution({ FlowName: 'f', ExecutionName: 'e' }),
      ).toMatchObject({
        Status: 'Running',
      });
    } finally {
      await stack.stop();
    }
  });
});
