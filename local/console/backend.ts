// The narrow view of the stack the console needs. The console reads through this
// interface only, so its unit tests can use a small in-memory backend while the page
// served by the stack talks to the real engine and queue service.
import { type HistoryEvent, normalizeEvent } from './model/history';

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

/** The engine methods the console uses; structural so it compiles against any engine shape. */
export interface EngineLike {
  listFlows(p: { Limit?: number; NextToken?: string }): unknown;
  describeFlow(p: { Name: string }): unknown;
  listExecutions(p: { FlowName: string }): unknown;
  describeExecution(p: { FlowName: string; ExecutionName: string }): unknown;
  getExecutionHistory(p: { FlowName: string; ExecutionName: string }): unknown;
  startExecution(p: { FlowName: string }): unknown;
  stopExecution(p: { FlowName: string; ExecutionName: string }): unknown;
  onEvent(
    listener: (e: { flowName: string; executionName: string; event: unknown }) => void,
  ): () => void;
}

/** The queue service methods the console uses. */
export interface QueuesLike {
  listQueues(): unknown;
  stats(queue: string): unknown;
  peekMessages(queue: string, max: number): unknown;
}

function strip<T>(v: unknown): T {
  if (v && typeof v === 'object' && 'RequestId' in v) {
    const { RequestId: _omit, ...rest } = v as Record<string, unknown>;
    return rest as T;
  }
  return v as T;
}

/** Wraps the real engine and queue service. */
export function createConsoleBackend(deps: {
  engine: EngineLike;
  queues?: QueuesLike;
}): ConsoleBackend {
  const { engine, queues } = deps;
  return {
    listFlows: async (p) => strip(await engine.listFlows(p)),
    describeFlow: async (p) => strip(await engine.describeFlow(p)),
    listExecutions: async (p) => strip(await engine.listExecutions(p)),
    describeExecution: async (p) => strip(await engine.describeExecution(p)),
    getExecutionHistory: async (p) => {
      const r = strip<{ Events?: unknown[]; NextToken?: string }>(
        await engine.getExecutionHistory(p),
      );
      const Events = (r.Events ?? []).map(normalizeEvent).filter((e): e is HistoryEvent => !!e);
      return r.NextToken ? { Events, NextToken: r.NextToken } : { Events };
    },
    startExecution: async (p) => strip(await engine.startExecution(p)),
    stopExecution: async (p) => strip(await engine.stopExecution(p)),
    onEvent: (listener) =>
      engine.onEvent((e) => {
        const event = normalizeEvent(e.event);
        if (event) listener({ flowName: e.flowName, executionName: e.executionName, event });
      }),
    listQueues: async () => {
      if (!queues) return [];
      const names = (await queues.listQueues()) as unknown[];
      const rows: ConsoleQueue[] = [];
      for (const n of names) {
        const name = typeof n === 'string' ? n : String((n as { name?: unknown })?.name ?? n);
        const s = ((await queues.stats(name)) ?? {}) as Partial<ConsoleQueue>;
        const row: ConsoleQueue = {
          name,
          active: Number(s.active ?? 0),
          inflight: Number(s.inflight ?? 0),
          delayed: Number(s.delayed ?? 0),
        };
        if (s.waiting !== undefined) row.waiting = Number(s.waiting);
        if (s.deadLettered !== undefined) row.deadLettered = Number(s.deadLettered);
        if (s.deadLetterQueue !== undefined) row.deadLetterQueue = String(s.deadLetterQueue);
        rows.push(row);
      }
      return rows;
    },
    peekMessages: async (queue, max) => {
      if (!queues) return [];
      return ((await queues.peekMessages(queue, max)) as unknown[]) ?? [];
    },
  };
}
