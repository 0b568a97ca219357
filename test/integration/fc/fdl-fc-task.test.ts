// FDL `acs:fc` task steps calling functions in the local runtime.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnvironment, type TestEnvironment } from '../../../testing';
import { fixtureFunction } from './runtime-stack';

const FLOW = `
version: v1
type: flow
steps:
  - type: task
    name: Echo
    resourceArn: acs:fc:::services/default/functions/echo
    outputMappings:
      - target: function
        source: $local.function.name
      - target: seen
        source: $local.event
  - type: task
    name: Lookup
    resourceArn: acs:fc:::functions/fail
    catch:
      - errors: [OrderNotFound]
        goto: NotFound
  - type: succeed
    name: Found
  - type: pass
    name: NotFound
    outputMappings:
      - target: handled
        source: true
`;

describe('FDL acs:fc task steps', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await createTestEnvironment();
    await env.stack.functions.deploy([
      fixtureFunction('echo', 'index.echo'),
      fixtureFunction('fail', 'index.fail'),
    ]);
    env.stack.engine.createFlow({ Name: 'fc-steps', Definition: FLOW, Type: 'FDL' });
  });
  afterAll(() => env?.stop());

  it('invokes the function with the step input and catches its error type by name', async () => {
    const run = await env.runExecution('fc-steps', { order: 42 }, { timeoutMs: 20_000 });
    expect(run.status).toBe('Succeeded');
    expect(run.steps).toEqual(['Echo', 'Lookup', 'NotFound']);
    const echoed = run.history.find((e) => e.Type === 'TaskSucceeded' && e.StepName === 'Echo');
    const local = JSON.parse(echoed!.EventDetail).output as { event: string; function: unknown };
    expect(JSON.parse(local.event)).toEqual({ order: 42 });
    const failed = run.history.find((e) => e.Type === 'TaskFailed' && e.StepName === 'Lookup');
    expect(JSON.parse(failed!.EventDetail)).toEqual({
      error: 'OrderNotFound',
      cause: 'the order was not found',
    });
  });
});
