// The narrow view of the stack the console needs. The console reads through this
// interface only, so its route tests can use a small in-memory backend while the page
// served by the stack talks to the real engine and queue service.
import type { HistoryEvent as EngineHistoryEvent, FlowEngine } from '../flow/types';
import type { QueueService } from '../mns/types';
import type { HistoryEvent } from './model/history';

/** A flow as DescribeFlow/ListFlows return it (fields the console reads). */
export interface ConsoleFlow {
  Name: string;
  Definition?: string;
  Description?: string;
  CreatedTime?: string;
  LastModifiedTime?: string;
  [key: string]: unknown;
}

/** An execution as DescribeExecution/ListExecutions return it. */
export interface ConsoleExecution {
  Name: string;
  FlowName: string;
  Status: string;
  Input?: string;
  Output?: string;
  StartedTime?: string;
  StoppedTime?: string;
  [key: string]: unknown;
}

/** One queue row of the queues page. */
export interface ConsoleQueue {
  name: string;
  active: number;
  inflight: number;
  delayed: number;
  /** Receivers long-polling the queue right now. */
  waiting?: number;
  deadLettered?: number;
  deadLetterQueue?: string;
}

/** A live history event and where it belongs. */
export interface ConsoleEvent {
  flowName: string;
  executionName: string;
  event: HistoryEvent;
}

/** What the console reads and does. Every method may throw an error with `code`/`status`. */
export interface ConsoleBackend {
  listFlows(p: {
    Limit?: number;
    NextToken?: string;
  }): Promise<{ Flows: ConsoleFlow[]; NextToken?: string }>;
  describeFlow(p: { Name: string }): Promise<ConsoleFlow>;
  listExecutions(p: {
    FlowName: string;
    Status?: string;
    ExecutionNamePrefix?: string;
    Limit?: number;
    NextToken?: string;
  }): Promise<{ Executions: ConsoleExecution[]; NextToken?: string }>;
  describeExecution(p: { FlowName: string; ExecutionName: string }): Promise<ConsoleExecution>;
  getExecutionHistory(p: {
    FlowName: string;
    ExecutionName: string;
    Limit?: number;
    NextToken?: string;
  }): Promise<{ Events: HistoryEvent[]; NextToken?: string }>;
  startExecution(p: {
    FlowName: string;
    ExecutionName?: string;
    Input?: string;
  }): Promise<ConsoleExecution>;
  stopExecution(p: {
    FlowName: string;
    ExecutionName: string;
    Error?: string;
    Cause?: string;
  }): Promise<ConsoleExecution>;
  /** Live history events of every execution; returns the unsubscribe function. */
  onEvent(listener: (e: ConsoleEvent) => void): () => void;
  listQueues(): Promise<ConsoleQueue[]>;
  peekMessages(queue: string, max: number): Promise<unknown[]>;
}

/** The engine methods the console uses. */
export type EngineLike = Pick<
  FlowEngine,
  | 'listFlows'
  | 'describeFlow'
  | 'listExecutions'
  | 'describeExecution'
  | 'getExecutionHistory'
  | 'startExecution'
  | 'stopExecution'
  | 'onEvent'
>;

/** The queue service methods the console uses. */
export type QueuesLike = Pick<QueueService, 'listQueues' | 'stats' | 'peekMessages'>;

/** The console's form of an engine event: execution-level events carry no StepName. */
function toConsoleEvent(e: EngineHistoryEvent): HistoryEvent {
  const { StepName, ...rest } = e;
  return StepName ? { ...rest, StepName } : rest;
}

/** Wraps the real engine and queue service. */
export function createConsoleBackend(deps: {
  engine: EngineLike;
  queues?: QueuesLike;
}): ConsoleBackend {
  const { engine, queues } = deps;
  return {
    listFlows: async (p) => engine.listFlows(p) as Awaited<ReturnType<ConsoleBackend['listFlows']>>,
    describeFlow: async (p) => engine.describeFlow(p) as ConsoleFlow,
    listExecutions: async (p) => {
      const r = engine.listExecutions(p) as Awaited<ReturnType<ConsoleBackend['listExecutions']>>;
      // The list shows names, states and input; the definition is per flow, not per row.
      const Executions = r.Executions.map(({ FlowDefinition: _, ...e }) => e as ConsoleExecution);
      return r.NextToken ? { Executions, NextToken: r.NextToken } : { Executions };
    },
    describeExecution: async (p) => (await engine.describeExecution(p)) as ConsoleExecution,
    getExecutionHistory: async (p) => {
      const r = engine.getExecutionHistory(p) as {
        Events: EngineHistoryEvent[];
        NextToken?: string;
      };
      const Events = r.Events.map(toConsoleEvent);
      return r.NextToken ? { Events, NextToken: r.NextToken } : { Events };
    },
    // The console follows an execution itself, so it starts Express flows this way too.
    startExecution: async (p) =>
      engine.startExecution(p, { express: true, expressNames: true }) as ConsoleExecution,
    stopExecution: async (p) => engine.stopExecution(p) as ConsoleExecution,
    onEvent: (listener) =>
      engine.onEvent((e) =>
        listener({
          flowName: e.flowName,
          executionName: e.executionName,
          event: toConsoleEvent(e.event),
        }),
      ),
    listQueues: async () => {
      if (!queues) return [];
      return queues.listQueues().map((name) => ({ name, ...queues.stats(name) }));
    },
    peekMessages: async (queue, max) => queues?.peekMessages(queue, max) ?? [],
  };
}
