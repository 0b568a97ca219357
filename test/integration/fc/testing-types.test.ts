// Type-level checks of the public queueflow/testing API.
import {
  createTestEnvironment,
  type ExecutionResult,
  type MockWorker,
  type TestEnvironment,
  type TestEnvironmentOptions,
  type VirtualClock,
} from 'queueflow/testing';
import { describe, expectTypeOf, it } from 'vitest';

describe('queueflow/testing types', () => {
  it('takes options and gives back an environment with typed helpers', () => {
    expectTypeOf(createTestEnvironment)
      .parameter(0)
      .toEqualTypeOf<TestEnvironmentOptions | undefined>();
    expectTypeOf(createTestEnvironment).returns.resolves.toEqualTypeOf<TestEnvironment>();
    expectTypeOf<TestEnvironment['clock']>().toEqualTypeOf<VirtualClock | undefined>();
    expectTypeOf<TestEnvironment['handle']>().returns.toEqualTypeOf<MockWorker>();
    expectTypeOf<
      TestEnvironment['runExecution']
    >().returns.resolves.toEqualTypeOf<ExecutionResult>();
    expectTypeOf<ExecutionResult['steps']>().toEqualTypeOf<string[]>();
    // Handlers keep their own input types and are accepted as they are.
    type Handlers = Parameters<TestEnvironment['handle']>[1];
    expectTypeOf<{
      extract: (input: { source: string }) => Promise<{ rows: number }>;
    }>().toMatchTypeOf<Handlers>();
    expectTypeOf<{ extract: string }>().not.toMatchTypeOf<Handlers>();
  });

  it('types env.clock after the virtualClock option', () => {
    const withClock = () => createTestEnvironment({ project: 's.yaml', virtualClock: true });
    const withoutClock = () => createTestEnvironment({ project: 's.yaml' });
    const either = (virtualClock: boolean) => createTestEnvironment({ virtualClock });
    expectTypeOf(withClock).returns.resolves.toEqualTypeOf<TestEnvironment<VirtualClock>>();
    expectTypeOf<TestEnvironment<VirtualClock>['clock']>().toEqualTypeOf<VirtualClock>();
    expectTypeOf(withoutClock).returns.resolves.toEqualTypeOf<TestEnvironment<undefined>>();
    expectTypeOf<TestEnvironment<undefined>['clock']>().toEqualTypeOf<undefined>();
    expectTypeOf(either).returns.resolves.toEqualTypeOf<TestEnvironment>();
    // The documented usage compiles as written; a clock that was not asked for does not.
    async function usage(): Promise<void> {
      const env = await createTestEnvironment({ virtualClock: true });
      await env.clock.advance(3600_000);
      const plain = await createTestEnvironment();
      // @ts-expect-error no virtual clock was asked for
      await plain.clock.advance(1000);
      // @ts-expect-error an execution's input is a JSON object, not a string
      await plain.runExecution('queueflow-demo', 'a.csv');
      // An input typed by an interface (no index signature) is a JSON object too.
      interface ExtractInput {
        source: string;
      }
      const input: ExtractInput = { source: 'a.csv' };
      await plain.runExecution('queueflow-demo', input, { skipTime: false });
      // A `let env: TestEnvironment` shared with an afterEach narrows when assigned.
      let shared: TestEnvironment | undefined;
      const afterEach = async () => {
        await shared?.stop();
        shared = undefined;
      };
      shared = await createTestEnvironment({ virtualClock: true });
      await shared.clock.advance(1000);
      await afterEach();
    }
    expectTypeOf(usage).toBeFunction();
  });
});
