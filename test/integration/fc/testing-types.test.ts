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
});
