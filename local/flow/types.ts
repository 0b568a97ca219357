import type { JsonObject } from '../../shared/fdl/types';
import type { StackComponent } from '../stack';

/** One history event, as GetExecutionHistory returns it. */
export interface HistoryEvent {
  EventId: number;
  ScheduleEventId: number;
  Type: string;
  StepName: string;
  /** RFC 3339 UTC with milliseconds. */
  Time: string;
  /** JSON text (see docs/engine.md for each type's fields). */
  EventDetail: string;
}

/** A live history event for listeners (console, CLI --follow). */
export interface FlowEvent {
  flowName: string;
  executionName: string;
  event: HistoryEvent;
}

/** What an FC task asks the function runtime to do. */
export interface FunctionInvokeRequest {
  functionName: string;
  serviceName?: string;
  qualifier?: string;
  payload: string;
  /**
   * FDL `serviceParams.InvocationType: Async`: FC stores the call and answers at
   * once (ok with an empty body once accepted); the function runs later, its
   * errors retried as the function's async settings say.
   */
  invocationType?: 'Async';
  /**
   * With Async: the attempt's key, kept with the execution's state, so a call
   * made again after a crash cut off its answer is stored once, not twice.
   */
  callerKey?: string;
}

/** The outcome of a function invocation: the body, or the FC error type and message. */
export type FunctionInvokeResult =
  | { ok: true; body: string }
  | { ok: false; error: string; cause: string };

/** How the engine calls FC functions (the local function runtime wires one in). */
export type FunctionInvoker = (req: FunctionInvokeRequest) => Promise<FunctionInvokeResult>;

/** Parameters as the FnF API takes them (PascalCase, strings). */
export type ApiParams = Record<string, string | number | undefined>;

/** A response body as the FnF API returns it (without RequestId). */
export type ApiResult = Record<string, unknown>;

/** The state of one step instance, derived from the history (console read model). */
export interface StepState {
  /** EventId of the StepEntered event (unique per instance). */
  id: number;
  name: string;
  type: string;
  /** Path in the definition, e.g. `steps[2].branches[0].steps[1]`. */
  path: string;
  /** `cancelled`: what enclosed it ended first (a sibling branch failed, the execution stopped). */
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  enteredTime: string;
  exitedTime?: string;
  input?: JsonObject;
  output?: unknown;
  error?: string;
  cause?: string;
  /** Task attempts made (tasks only). */
  attempts?: number;
}

/** StartSyncExecution's answer (besides RequestId), as the API documents it. */
export interface SyncExecutionAnswer {
  FlowName: string;
  Name: string;
  Status: string;
  /** JSON text, once succeeded. */
  Output?: string;
  /** The execution's error and cause, when it failed, timed out or was stopped. */
  ErrorCode?: string;
  ErrorMessage?: string;
  StartedTime: string;
  StoppedTime?: string;
}

/** The history event that ends an execution, by its final status. */
export const EXECUTION_END_EVENT = {
  Succeeded: 'ExecutionSucceeded',
  Failed: 'ExecutionFailed',
  TimedOut: 'ExecutionTimedOut',
  Stopped: 'ExecutionStopped',
} as const;

/** The history event types that end an execution (one of them is always its last event). */
export const EXECUTION_END_EVENTS: ReadonlySet<string> = new Set(
  Object.values(EXECUTION_END_EVENT),
);

/** The local FnF engine: the in-process API mirrors the 2019-03-15 actions. */
export interface FlowEngine extends StackComponent {
  createFlow(p: ApiParams): ApiResult;
  updateFlow(p: ApiParams): ApiResult;
  describeFlow(p: ApiParams): ApiResult;
  listFlows(p: ApiParams): ApiResult;
  deleteFlow(p: ApiParams): ApiResult;
  /**
   * Standard flows only, as in the cloud (an Express one gets ActionNotSupported:
   * StartSyncExecution runs those). `express: true` starts an Express flow too,
   * for in-process tools that follow it themselves (the console, queueflow/testing);
   * with `expressNames` too, an Express execution is named as StartSyncExecution
   * names it, `{ExecutionName}:{UUID}` (or a UUID), since its names need not be unique.
   */
  startExecution(p: ApiParams, options?: { express?: boolean; expressNames?: boolean }): ApiResult;
  /**
   * Express flows only: starts an execution and answers once it has ended (or
   * `signal` aborts: the caller is gone; the execution runs on).
   */
  startSyncExecution(p: ApiParams, options?: { signal?: AbortSignal }): Promise<ApiResult>;
  stopExecution(p: ApiParams): ApiResult;
  /** Long-polls up to WaitTimeSeconds for the execution to end (or until `signal` aborts). */
  describeExecution(p: ApiParams, options?: { signal?: AbortSignal }): Promise<ApiResult>;
  listExecutions(p: ApiParams): ApiResult;
  getExecutionHistory(p: ApiParams): ApiResult;
  reportTaskSucceeded(p: ApiParams): ApiResult;
  reportTaskFailed(p: ApiParams): ApiResult;
  /** Per-step state of an execution, for the console (derived from history). */
  getStepStates(p: { FlowName: string; ExecutionName: string }): StepState[];
  /**
   * Deletes up to `max` executions (default 500) that ended before `beforeMs`
   * (stack clock), with their history, oldest end first, and at most
   * `maxEvents` history rows (default 5,000): a history is deleted whole with
   * its execution, or left for the next call, except one longer than a whole
   * call, whose execution goes at once and its rows over the calls after.
   * Running ones and the newest execution are never touched. `--retain-days`
   * calls it until both counts are 0.
   */
  pruneEnded(
    beforeMs: number,
    max?: number,
    maxEvents?: number,
  ): { executions: number; historyRows: number };
  setFunctionInvoker(fn: FunctionInvoker): void;
  onEvent(listener: (e: FlowEvent) => void): () => void;
  /**
   * Makes the function calls (FDL `acs:fc` tasks) held since the engine
   * started: those in flight at the last stop and any made meanwhile; later
   * calls go at once. The stack calls it once its functions are deployed.
   * (Timers, callbacks and running executions resume when the engine starts.)
   */
  resume(): void;
}
