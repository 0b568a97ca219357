// Type-level checks of the public typed API of shared/. tsc (npm run typecheck)
// checks every expectTypeOf and every @ts-expect-error line below; vitest runs
// the file too, but nothing here calls a service.
import { describe, expectTypeOf, it } from 'vitest';
import type {
  Execution,
  FlowClient,
  HistoryEvent,
  JsonObjectValue,
  ReportResult,
  SyncExecution,
} from '../../../shared/clients/flow-client';
import type { FunctionClient } from '../../../shared/clients/function-client';
import type {
  BatchSendResult,
  QueueClient,
  ReceivedMessage,
  RefusedDelete,
} from '../../../shared/clients/queue-client';
import { type StartFlowResult, startFlow } from '../../../shared/flows/start-flow';
import type {
  createLongPollWorker,
  LongPollWorker,
  LongPollWorkerOptions,
  WorkerTaskEvent,
} from '../../../shared/task/long-poll-worker';
import type { TaskResult } from '../../../shared/task/process-task';
import {
  createHandlerRegistry,
  type HandlerRegistry,
  type TaskContext,
  type TaskHandler,
  type TaskOutput,
} from '../../../shared/task/registry';

type StartInput = Parameters<FlowClient['startExecution']>[0]['input'];
type SyncInput = Parameters<FlowClient['startSyncExecution']>[0]['input'];
type ReportedOutput = Parameters<FlowClient['reportTaskSucceeded']>[0]['output'];

/** An output type written as an interface (no index signature), as handlers often are. */
interface LoadOutput {
  table: string;
  loaded: number;
}

describe('client results', () => {
  it('types what every FlowClient method resolves with', () => {
    expectTypeOf<FlowClient['createFlow']>().returns.resolves.toEqualTypeOf<void>();
    expectTypeOf<FlowClient['startExecution']>().returns.resolves.toEqualTypeOf<Execution>();
    expectTypeOf<
      FlowClient['startSyncExecution']
    >().returns.resolves.toEqualTypeOf<SyncExecution>();
    expectTypeOf<FlowClient['describeExecution']>().returns.resolves.toEqualTypeOf<Execution>();
    expectTypeOf<
      FlowClient['reportTaskSucceeded']
    >().returns.resolves.toEqualTypeOf<ReportResult>();
    expectTypeOf<FlowClient['reportTaskFailed']>().returns.resolves.toEqualTypeOf<ReportResult>();
    expectTypeOf<FlowClient['stopExecution']>().returns.resolves.toEqualTypeOf<Execution>();
    expectTypeOf<FlowClient['getExecutionHistory']>().returns.resolves.toEqualTypeOf<
      HistoryEvent[]
    >();
    expectTypeOf<ReportResult['status']>().toEqualTypeOf<'reported' | 'already-completed'>();
    expectTypeOf<SyncExecution['errorCode']>().toEqualTypeOf<string | undefined>();
  });

  it("types an execution's status as the API's states, '' right after a start", () => {
    expectTypeOf<Execution['status']>().toEqualTypeOf<
      'Starting' | 'Running' | 'Stopped' | 'Succeeded' | 'Failed' | 'TimedOut' | ''
    >();
    expectTypeOf<Execution['input']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Execution['output']>().toEqualTypeOf<string | undefined>();
  });

  it('types what every QueueClient method resolves with', () => {
    expectTypeOf<QueueClient['createQueue']>().returns.resolves.toEqualTypeOf<void>();
    expectTypeOf<QueueClient['send']>().returns.resolves.toEqualTypeOf<{ messageId: string }>();
    expectTypeOf<QueueClient['sendBatch']>().returns.resolves.toEqualTypeOf<BatchSendResult[]>();
    expectTypeOf<QueueClient['receive']>().returns.resolves.toEqualTypeOf<ReceivedMessage[]>();
    expectTypeOf<QueueClient['delete']>().returns.resolves.toEqualTypeOf<void>();
    expectTypeOf<QueueClient['deleteBatch']>().returns.resolves.toEqualTypeOf<RefusedDelete[]>();
    expectTypeOf<QueueClient['changeVisibility']>().returns.resolves.toEqualTypeOf<{
      receiptHandle: string;
      nextVisibleTime?: number;
    }>();
    expectTypeOf<ReceivedMessage['dequeueCount']>().toBeNumber();
  });

  it('types what every FunctionClient method resolves with', () => {
    expectTypeOf<FunctionClient['invoke']>().returns.resolves.toEqualTypeOf<string>();
    expectTypeOf<FunctionClient['invokeAsync']>().returns.resolves.toEqualTypeOf<void>();
  });
});

describe('task results and the worker', () => {
  it("types a task's outcome as the five things that become of a message", () => {
    expectTypeOf<TaskResult['outcome']>().toEqualTypeOf<
      'succeeded' | 'failed' | 'already-completed' | 'retry' | 'invalid'
    >();
    expectTypeOf<WorkerTaskEvent['outcome']>().toEqualTypeOf<TaskResult['outcome']>();
  });

  it('types the long-polling worker options and what it builds', () => {
    expectTypeOf<LongPollWorkerOptions['queue']>().toEqualTypeOf<
      Pick<QueueClient, 'receive' | 'deleteBatch' | 'changeVisibility'>
    >();
    expectTypeOf<LongPollWorkerOptions['flow']>().toEqualTypeOf<
      Pick<FlowClient, 'reportTaskSucceeded' | 'reportTaskFailed'>
    >();
    expectTypeOf<LongPollWorkerOptions['registry']>().toEqualTypeOf<HandlerRegistry>();
    expectTypeOf<LongPollWorkerOptions['queueName']>().toBeString();
    expectTypeOf<LongPollWorkerOptions['concurrency']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<LongPollWorkerOptions['retryDelaySeconds']>().toEqualTypeOf<
      ((dequeueCount: number) => number) | null | undefined
    >();
    expectTypeOf<NonNullable<LongPollWorkerOptions['onTask']>>()
      .parameter(0)
      .toEqualTypeOf<WorkerTaskEvent>();
    expectTypeOf<NonNullable<LongPollWorkerOptions['onError']>>()
      .parameter(1)
      .toEqualTypeOf<'receive' | 'delete' | 'extend' | 'release' | 'retry-delay' | 'process'>();
    expectTypeOf<typeof createLongPollWorker>().returns.toEqualTypeOf<LongPollWorker>();
    expectTypeOf<LongPollWorker['run']>().returns.resolves.toEqualTypeOf<void>();
    expectTypeOf<LongPollWorker['inFlight']>().toBeNumber();
  });
});

describe('startFlow', () => {
  it('resolves with where the execution stands', () => {
    expectTypeOf(startFlow).returns.resolves.toEqualTypeOf<StartFlowResult>();
    expectTypeOf<StartFlowResult['status']>().toEqualTypeOf<Execution['status']>();
    expectTypeOf<StartFlowResult['started']>().toBeBoolean();
    expectTypeOf<StartFlowResult['finished']>().toBeBoolean();
    expectTypeOf<StartFlowResult['output']>().toBeUnknown();
  });
});

describe('what the API refuses at run time does not compile', () => {
  it('takes a JSON object or JSON text as an execution input, nothing else', () => {
    expectTypeOf<{ source: string }>().toExtend<StartInput>();
    expectTypeOf<LoadOutput>().toExtend<StartInput>();
    expectTypeOf<'{"source":"a.csv"}'>().toExtend<StartInput>();
    expectTypeOf<number>().not.toExtend<StartInput>();
    expectTypeOf<boolean>().not.toExtend<StartInput>();
    expectTypeOf<null>().not.toExtend<StartInput>();
    expectTypeOf<string[]>().not.toExtend<StartInput>();
    expectTypeOf<Map<string, number>>().not.toExtend<StartInput>();
    expectTypeOf<SyncInput>().toEqualTypeOf<StartInput>();

    // Never called: these lines are for tsc.
    const calls = (flow: FlowClient) => [
      // @ts-expect-error StartExecution refuses a number (InvalidArgument).
      flow.startExecution({ flowName: 'f', input: 5 }),
      // @ts-expect-error ... and an array.
      flow.startExecution({ flowName: 'f', input: [{ source: 'a.csv' }] }),
      // @ts-expect-error StartSyncExecution too.
      flow.startSyncExecution({ flowName: 'f', input: null }),
      flow.startExecution({ flowName: 'f', input: { source: 'a.csv' } }),
    ];
    expectTypeOf(calls).returns.items.toEqualTypeOf<Promise<Execution>>();
  });

  it("takes a JSON object or JSON text as a task's reported output", () => {
    expectTypeOf<{ rows: number }>().toExtend<ReportedOutput>();
    expectTypeOf<string>().toExtend<ReportedOutput>();
    expectTypeOf<number[]>().not.toExtend<ReportedOutput>();
    expectTypeOf<Promise<{ rows: number }>>().not.toExtend<ReportedOutput>();

    const calls = (flow: FlowClient) => [
      // @ts-expect-error ReportTaskSucceeded refuses an array as the output.
      flow.reportTaskSucceeded({ taskToken: 't', output: [1, 2] }),
      // @ts-expect-error ... and a number.
      flow.reportTaskSucceeded({ taskToken: 't', output: 3 }),
    ];
    expectTypeOf(calls).returns.items.toEqualTypeOf<Promise<ReportResult>>();
  });

  it('takes handlers that return a JSON object or nothing', () => {
    expectTypeOf<{ rows: number }>().toExtend<TaskOutput>();
    expectTypeOf<LoadOutput>().toExtend<TaskOutput>();
    expectTypeOf<undefined>().toExtend<TaskOutput>();
    expectTypeOf<JsonObjectValue>().toExtend<TaskOutput>();
    expectTypeOf<string>().not.toExtend<TaskOutput>();
    expectTypeOf<number>().not.toExtend<TaskOutput>();
    expectTypeOf<null>().not.toExtend<TaskOutput>();
    expectTypeOf<unknown[]>().not.toExtend<TaskOutput>();
    expectTypeOf<Set<string>>().not.toExtend<TaskOutput>();
    expectTypeOf<Promise<{ rows: number }>>().not.toExtend<TaskOutput>();

    const registry = createHandlerRegistry({
      extract: async (input: { source: string }) => ({ rows: input.source.length }),
      load: async (input: { rows: number }): Promise<LoadOutput> => ({
        table: 'staging.orders',
        loaded: input.rows,
      }),
      audit: async (_input: unknown, ctx: TaskContext) => {
        ctx.signal.throwIfAborted();
      },
      noop: () => undefined,
    });
    expectTypeOf(registry.handlers.load).returns.resolves.toEqualTypeOf<LoadOutput>();
    expectTypeOf(registry.handlers.audit).returns.resolves.toEqualTypeOf<void>();
  });

  it('refuses handlers that return what the worker fails as InvalidTaskOutput', () => {
    // @ts-expect-error A string is no JSON object.
    const text: TaskHandler = async () => 'done';
    // @ts-expect-error Nor an array.
    const rows: TaskHandler = async () => [1, 2, 3];
    // @ts-expect-error Nor null.
    const nothing: TaskHandler = () => null;
    // @ts-expect-error Nor a number, returned without a promise.
    const count: TaskHandler = () => 3;
    expectTypeOf([text, rows, nothing, count]).items.toEqualTypeOf<TaskHandler>();

    const registries = () => [
      // @ts-expect-error createHandlerRegistry says so where the handlers are written.
      createHandlerRegistry({ summary: async () => 'done' }),
      // @ts-expect-error ... for an array as well.
      createHandlerRegistry({ rows: async (input: { n: number }) => [input.n] }),
    ];
    expectTypeOf(registries).returns.items.toExtend<HandlerRegistry>();
  });
});
