// While a restarted stack deploys its functions it already serves the API: a
// report arriving then must find the timers that fell due while it was down
// already fired (the task timed out), not complete the task.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../local/log';
import type { Project } from '../../../local/project/model';
import { startLocalStack } from '../../../local/stack';
import { LOCAL_CREDENTIALS } from '../../../shared/clients/config';
import { freePort } from '../../support/free-port';
import { shiftedSystemClock } from '../../support/shifted-clock';
import { fixtureFunction } from '../fc/runtime-stack';
import { createFnfSdk } from './fnf-sdk';

const FLOW = `version: v1
type: flow
steps:
  - type: task
    name: w
    resourceArn: acs:mns:::/queues/gapq/messages
    pattern: waitForCallback
    timeoutSeconds: 1
    inputMappings:
      - target: task_token
        source: $context.task.token
    serviceParams:
      MessageBody: $
`;
const DOWNTIME_MS = 60_000;
const dataDir = mkdtempSync(join(tmpdir(), 'queueflow-restart-gap-'));
// A function whose module takes a second to load: the restart's deploy waits for it.
const codeDir = mkdtempSync(join(tmpdir(), 'queueflow-slow-load-'));
writeFileSync(
  join(codeDir, 'index.js'),
  'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);\nexports.handler = async () => "ok";\n',
);
const project: Project = {
  file: join(dataDir, 's.yaml'),
  name: 'gap',
  flows: [],
  queues: [{ name: 'gapq', attributes: {} }],
  functions: [fixtureFunction('slowload', 'index.handler', { codeDir })],
};

describe('a restart that is still deploying functions', () => {
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(codeDir, { recursive: true, force: true });
  });

  it('has fired the timers that fell due while it was down before it takes a report', async () => {
    // The first run needs no functions: only the restart's slow deploy matters.
    const first = await startLocalStack({
      port: 0,
      dataDir,
      project,
      logger: silentLogger,
      startFunctions: false,
    });
    first.engine.createFlow({ Name: 'gap', Definition: FLOW, Type: 'FDL' });
    first.engine.startExecution({ FlowName: 'gap', ExecutionName: 'e', Input: '{}' });
    const [message] = await first.queues.receiveMessages('gapq', { max: 1, waitSeconds: 1 });
    const token = (JSON.parse(message?.body ?? '{}') as { task_token: string }).task_token;
    await first.stop();
    // The restart's clock is a minute ahead: the task's 1 s timeout passed while
    // it was down (the wall clock shifted rather than waited for).
    const later = shiftedSystemClock(DOWNTIME_MS);

    const port = await freePort();
    const fnf = createFnfSdk({
      endpoint: `http://127.0.0.1:${port}`,
      credentials: LOCAL_CREDENTIALS,
    });
    let started = false;
    const starting = startLocalStack({
      port,
      dataDir,
      project,
      logger: silentLogger,
      clock: later,
    }).finally(() => {
      started = true;
    });
    // Report as soon as the API answers, while the slow function still loads.
    let answer: unknown;
    while (!started && answer === undefined) {
      answer = await fnf
        .call('ReportTaskSucceeded', { TaskToken: token, Output: '{}' })
        .catch((err: { code?: string }) => (err.code === undefined ? undefined : err.code));
      if (answer === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    const second = await starting;
    try {
      expect(answer).toBe('TaskAlreadyCompleted');
      const d = await second.engine.describeExecution({ FlowName: 'gap', ExecutionName: 'e' });
      expect(d).toMatchObject({ Status: 'Failed' });
    } finally {
      await second.stop();
    }
  });
});
