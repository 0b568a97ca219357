// A data folder from an older version: a definition it accepted that this one
// refuses (a wait until 2026-11-31, which Date.parse once rolled over to Dec 1)
// must not leave its running executions stuck behind 500s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../local/log';
import { startLocalStack } from '../../../local/stack';
import { createSdkClient as createMnsSdk } from '../../support/mns-sdk';
import { createFnfSdk } from './fnf-sdk';
import { flowHelpers } from './helpers';

const dataDir = mkdtempSync(join(tmpdir(), 'qf-upgrade-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const flowWith = (timestamp: string) => `version: v1
type: flow
steps:
  - type: task
    name: gate
    resourceArn: acs:mns:::/queues/upgrade-q/messages
    pattern: waitForCallback
    inputMappings:
      - target: token
        source: $context.task.token
  - type: wait
    name: until
    timestamp: "${timestamp}"
`;

describe('a definition an older version accepted', () => {
  it('still runs: the step that meets the problem fails, and the API answers', async () => {
    const first = await startLocalStack({ port: 0, dataDir, logger: silentLogger });
    const a = flowHelpers(createFnfSdk(first), createMnsSdk(first), first);
    await createMnsSdk(first).createQueue('upgrade-q');
    await a.createFlow(flowWith('2001-01-01T00:00:00Z'), 'old_flow');
    await a.start('old_flow', {}, 'e1');
    const { body } = await a.receive('upgrade-q');
    await first.stop();
    // As the older version stored it (its CreateFlow took the impossible date).
    const db = new Database(join(dataDir, 'queueflow.db'));
    // (in the row itself, as before definitions were kept once: 005)
    db.prepare('UPDATE flow_executions SET definition = ?, definition_id = NULL').run(
      flowWith('2026-11-31T00:00:00Z'),
    );
    db.close();

    const second = await startLocalStack({ port: 0, dataDir, logger: silentLogger });
    try {
      const fnf = createFnfSdk(second);
      const b = flowHelpers(fnf, createMnsSdk(second), second);
      await fnf.call('ReportTaskSucceeded', { TaskToken: String(body.token), Output: '{}' });
      const ended = await b.finished('old_flow', 'e1');
      expect(ended.Status).toBe('Failed');
      const last = (await b.history('old_flow', 'e1')).at(-1);
      expect(JSON.parse(last?.EventDetail ?? '{}')).toMatchObject({ error: 'FnF.RuntimeError' });
      expect(JSON.parse(last?.EventDetail ?? '{}').cause).toMatch(/RFC 3339/);
    } finally {
      await second.stop();
    }
  });
});
