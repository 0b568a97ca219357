// FDL `acs:fc` task steps with `serviceParams.InvocationType: Async`
// (help.aliyun.com/document_detail/357640.html): FC stores the call and runs it,
// retrying the function's errors as its async settings say, while the step goes on
// (requestResponse) or waits for the report (waitForCallback). Sync, the default,
// calls the function once and waits for its answer.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../local/log';
import type { Project } from '../../../local/project/model';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { createTestEnvironment, type TestEnvironment } from '../../../testing';
import { eventually } from '../../support/eventually';
import { useTempDirs } from '../../support/temp-dirs';
import { fixtureFunction } from './runtime-stack';

const tempDir = useTempDirs('qf-fc-async-');

const senderFlow = (
  pattern: string,
  invocationType?: string,
  arn = 'acs:fc:::functions/sender',
) => `
version: v1
type: flow
steps:
  - type: task
    name: Send
    resourceArn: ${arn}
    pattern: ${pattern}
    timeoutSeconds: 20
${invocationType ? `    serviceParams:\n      InvocationType: ${invocationType}\n` : ''}    inputMappings:
      - target: marker
        source: $input.marker
      - target: failures
        source: $input.failures
      - target: kind
        source: $input.kind
      - target: task_token
        source: $context.task.token
`;

/** The retryCount of each call of the sender, in order. */
const attempts = (marker: string) =>
  existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n').map(Number) : [];

describe('FDL acs:fc task steps with InvocationType', () => {
  let env: TestEnvironment;
  let stack: LocalStack;
  beforeAll(async () => {
    env = await createTestEnvironment();
    stack = env.stack;
    await stack.functions.deploy([
      fixtureFunction('sender', 'index.failsFirstNoting'),
      // An FC 2.0 function (service$function), called by a service-qualified ARN.
      fixtureFunction('svc$sender', 'index.failsFirstNoting'),
    ]);
    const flows: Array<[string, string]> = [
      ['async-callback', senderFlow('waitForCallback', 'Async')],
      ['sync-callback', senderFlow('waitForCallback', 'Sync')],
      ['async-request', senderFlow('requestResponse', 'Async')],
      [
        'async-request-svc',
        senderFlow('requestResponse', 'Async', 'acs:fc:::services/svc.LATEST/functions/sender'),
      ],
      ['path-request', senderFlow('requestResponse', '$.kind')],
    ];
    for (const [name, definition] of flows) {
      stack.engine.createFlow({ Name: name, Definition: definition, Type: 'FDL' });
    }
  });
  afterAll(() => env?.stop());

  const start = (flow: string, name: string, input: Record<string, unknown>) =>
    stack.engine.startExecution({
      FlowName: flow,
      ExecutionName: name,
      Input: JSON.stringify(input),
    });
  const status = async (flow: string, name: string) =>
    (await stack.engine.describeExecution({ FlowName: flow, ExecutionName: name })).Status;

  it('Async with waitForCallback: FC retries the failing function, and the step waits for its report', async () => {
    const marker = join(tempDir(), 'calls');
    start('async-callback', 'a1', { marker, failures: 2 });
    // Two failed attempts, retried by FC, then the one that hands the task on.
    const done = await eventually(
      () => (existsSync(`${marker}.done`) ? readFileSync(`${marker}.done`, 'utf8') : false),
      'the third attempt succeeds',
      15_000,
    );
    expect(attempts(marker)).toEqual([0, 1, 2]);
    expect(await status('async-callback', 'a1')).toBe('Running');
    const { task_token } = JSON.parse(done) as { task_token: string };
    stack.engine.reportTaskSucceeded({ TaskToken: task_token, Output: '{"sent":true}' });
    await eventually(
      async () => (await status('async-callback', 'a1')) === 'Succeeded',
      'it succeeds',
      5000,
    );
  });

  it('Sync with waitForCallback: one call; its error leaves the step waiting', async () => {
    const marker = join(tempDir(), 'calls');
    start('sync-callback', 's1', { marker, failures: 1 });
    await eventually(() => attempts(marker).length === 1, 'the call was made', 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(attempts(marker)).toEqual([0]);
    expect(await status('sync-callback', 's1')).toBe('Running');
    stack.engine.stopExecution({ FlowName: 'sync-callback', ExecutionName: 's1' });
  });

  it('Async with requestResponse: the step goes on with {} once FC has the call, and the function runs', async () => {
    const marker = join(tempDir(), 'calls');
    start('async-request', 'r1', { marker, failures: 0 });
    await eventually(
      async () => (await status('async-request', 'r1')) === 'Succeeded',
      'it succeeds',
      10_000,
    );
    const history = stack.engine.getExecutionHistory({
      FlowName: 'async-request',
      ExecutionName: 'r1',
    }).Events as Array<{ Type: string; EventDetail: string }>;
    const succeeded = history.find((e) => e.Type === 'TaskSucceeded');
    expect(JSON.parse(succeeded!.EventDetail)).toEqual({ output: {} });
    await eventually(() => existsSync(`${marker}.done`), 'the function ran', 10_000);
  });

  it('Async through an FC 2.0 service and qualifier: the function of that service runs', async () => {
    const marker = join(tempDir(), 'calls');
    start('async-request-svc', 'v1', { marker, failures: 0 });
    await eventually(() => existsSync(`${marker}.done`), 'the function ran', 10_000);
    await eventually(
      async () => (await status('async-request-svc', 'v1')) === 'Succeeded',
      'it succeeds',
      10_000,
    );
  });

  it('InvocationType from a path: Async, Sync or missing run; another value fails the task', async () => {
    const dir = tempDir();
    start('path-request', 'p-async', { marker: join(dir, 'a'), failures: 0, kind: 'Async' });
    start('path-request', 'p-none', { marker: join(dir, 'n'), failures: 0 });
    start('path-request', 'p-bad', { marker: join(dir, 'b'), failures: 0, kind: 'async' });
    for (const name of ['p-async', 'p-none']) {
      await eventually(
        async () => (await status('path-request', name)) === 'Succeeded',
        `${name} succeeds`,
        10_000,
      );
    }
    await eventually(
      async () => (await status('path-request', 'p-bad')) === 'Failed',
      'p-bad fails',
      10_000,
    );
    const bad = await stack.engine.describeExecution({
      FlowName: 'path-request',
      ExecutionName: 'p-bad',
    });
    expect(bad).toMatchObject({ Status: 'Failed' });
    const history = stack.engine.getExecutionHistory({
      FlowName: 'path-request',
      ExecutionName: 'p-bad',
    }).Events as Array<{ Type: string; EventDetail: string }>;
    const failed = history.find((e) => e.Type === 'TaskFailed');
    expect(JSON.parse(failed!.EventDetail)).toMatchObject({
      error: 'FnF.InvalidArgument',
      cause: expect.stringMatching(/InvocationType is "async"; use Sync or Async/),
    });
    expect(existsSync(join(dir, 'b'))).toBe(false);
  });
});

describe('an Async acs:fc call whose acceptance a crash cut off', () => {
  it('is stored once: the restart does not call the function a second time', async () => {
    const dataDir = tempDir();
    const marker = join(dataDir, 'calls');
    const project: Project = {
      file: join(dataDir, 's.yaml'),
      name: 'async-once',
      flows: [],
      queues: [],
      functions: [fixtureFunction('sender', 'index.failsFirstNoting')],
    };
    const first = await startLocalStack({ port: 0, dataDir, project, logger: silentLogger });
    first.engine.createFlow({
      Name: 'once',
      Definition: senderFlow('waitForCallback', 'Async'),
      Type: 'FDL',
    });
    first.engine.startExecution({
      FlowName: 'once',
      ExecutionName: 'e',
      Input: JSON.stringify({ marker, failures: 0 }),
    });
    // The call is stored as the step is submitted; the engine stops before it
    // records the acceptance (as a crash at that instant would leave things).
    expect(first.functions.asyncPending()).toBe(1);
    first.engine.stop();
    await first.stop();
    // What the first stack's runtime may have run before it stopped is not the
    // point (its cut-off run is made again, as any stored call's): after the
    // restart, the attempt must be one stored call, not a second beside it.
    rmSync(marker, { force: true });
    rmSync(`${marker}.done`, { force: true });

    const second = await startLocalStack({ port: 0, dataDir, project, logger: silentLogger });
    try {
      // The stored call runs after the restart, and the engine's launch of the
      // same attempt again is not a second one.
      await eventually(() => existsSync(`${marker}.done`), 'the function ran', 10_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(attempts(marker)).toEqual([0]);
      expect(second.functions.asyncPending()).toBe(0);
    } finally {
      await second.stop();
    }
  });
});
