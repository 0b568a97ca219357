// lib/rpc, not the package root: the root also loads the ROA client and xml2js (~40 ms of cold start).
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import type { Credentials } from './config';
import { type CredentialSource, isCredentialSource } from './credential-source';
import { FlowError, isRetryableFlowError, toFlowError } from './flow-errors';
import { DEFAULT_RETRY, type RetryPolicy, realSleep, type Sleep, withRetry } from './retry';

/** Execution states of the FnF 2019-03-15 API ('' right after start on the real service). */
export type ExecutionStatus =
  | 'Starting'
  | 'Running'
  | 'Stopped'
  | 'Succeeded'
  | 'Failed'
  | 'TimedOut'
  | '';

/** The states an execution never leaves. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  'Succeeded',
  'Failed',
  'Stopped',
  'TimedOut',
]);

/**
 * A JSON object, as an execution's input and a task's output must be: any object
 * but an array or another iterable (a Map, a Set: JSON writes them as [] or {}) or
 * a promise. The Record member takes object literals without excess-property
 * errors; the other takes interfaces and class instances (no index signature).
 * @example const input: JsonObjectValue = { source: 'a.csv', rows: 3 };
 */
export type JsonObjectValue =
  | Readonly<Record<string, unknown>>
  | (object & { readonly [Symbol.iterator]?: never; readonly then?: never });

/** An execution as StartExecution/DescribeExecution return it. */
export interface Execution {
  flowName: string;
  name: string;
  status: ExecutionStatus;
  /** JSON text, as the API returns it. */
  input?: string;
  /** JSON text; set once succeeded. */
  output?: string;
  startedTime?: string;
  stoppedTime?: string;
}

/** An Express execution as StartSyncExecution answers it, once it has ended. */
export interface SyncExecution extends Execution {
  /** The execution's error, when it failed or timed out. */
  errorCode?: string;
  errorMessage?: string;
}

/** One history event (GetExecutionHistory). */
export interface HistoryEvent {
  eventId: number;
  scheduleEventId?: number;
  type: string;
  stepName?: string;
  time?: string;
  /** JSON text. */
  eventDetail?: string;
}

/** What a Report* call came to: reported now, or the task had already completed. */
export interface ReportResult {
  status: 'reported' | 'already-completed';
  eventId?: number;
}

/** The typed FnF client. Every method throws FlowError. */
export interface FlowClient {
  createFlow(options: {
    name: string;
    definition: string;
    description?: string;
    roleArn?: string;
  }): Promise<void>;
  startExecution(options: {
    flowName: string;
    executionName?: string;
    /** A JSON object (serialised here) or JSON text of one. */
    input?: JsonObjectValue | string;
    /** Epoch ms no attempt or retry may run past (a function's own end). */
    deadlineMs?: number;
  }): Promise<Execution>;
  /**
   * Express flows only: runs an execution and resolves once it has ended (at
   * most 5 minutes), with its output or its error. The name, if given, gets
   * `:{UUID}` appended by the service. Not retried: each call is a new execution.
   */
  startSyncExecution(options: {
    flowName: string;
    executionName?: string;
    /** A JSON object (serialised here) or JSON text of one. */
    input?: JsonObjectValue | string;
    /** How long to wait for the answer: by default the client's timeout plus 5 minutes. */
    timeoutMs?: number;
  }): Promise<SyncExecution>;
  /** With `waitSeconds`, long-polls (WaitTimeSeconds) until the execution ends or time is up. */
  describeExecution(options: {
    flowName: string;
    executionName: string;
    waitSeconds?: number;
    /** Epoch ms no attempt, retry or wait may run past (a function's own end). */
    deadlineMs?: number;
  }): Promise<Execution>;
  /** `output`: a JSON object (serialised here) or JSON text of one. */
  reportTaskSucceeded(options: {
    taskToken: string;
    output: JsonObjectValue | string;
  }): Promise<ReportResult>;
  reportTaskFailed(options: {
    taskToken: string;
    error: string;
    cause?: string;
  }): Promise<ReportResult>;
  stopExecution(options: {
    flowName: string;
    executionName: string;
    error?: string;
    cause?: string;
  }): Promise<Execution>;
  /** All events, following NextToken. */
  getExecutionHistory(options: {
    flowName: string;
    executionName: string;
  }): Promise<HistoryEvent[]>;
}

/** How to build a flow client. */
export interface FlowClientOptions {
  /** `https://{region}.fnf.aliyuncs.com` in the cloud, the local stack locally. */
  endpoint: string;
  /** Fixed credentials, or a source asked before each call (an ECS RAM role's STS token). */
  credentials: Credentials | CredentialSource;
  retry?: RetryPolicy;
  sleep?: Sleep;
  /** Per-request timeout for ordinary calls (pop-core's default is 3 s). */
  timeoutMs?: number;
}

const API_VERSION = '2019-03-15';
/** An Express execution runs 5 minutes at most. */
const SYNC_EXECUTION_MAX_MS = 300_000;
/** The API caps WaitTimeSeconds at 60. */
const MAX_WAIT_PER_CALL = 60;

type Raw = Record<string, unknown>;

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

function num(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(typeof v === 'object' ? String(v) : v);
  return Number.isFinite(n) ? n : undefined;
}

function toExecution(raw: Raw, flowName: string): Execution {
  const e: Execution = {
    flowName: str(raw.FlowName) ?? flowName,
    name: str(raw.Name) ?? '',
    status: (str(raw.Status) ?? '') as ExecutionStatus,
  };
  const input = str(raw.Input);
  if (input) e.input = input;
  const output = str(raw.Output);
  if (output) e.output = output;
  const started = str(raw.StartedTime);
  if (started) e.startedTime = started;
  const stopped = str(raw.StoppedTime);
  if (stopped) e.stoppedTime = stopped;
  return e;
}

function toJsonText(value: unknown, what: string): string {
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
    } catch {
      throw new FlowError({
        code: 'InvalidArgument',
        message: `${what} must be JSON text or a JSON-serialisable value`,
        retryable: false,
      });
    }
    return value;
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value ?? {});
  } catch (err) {
    // A cycle, a BigInt: a FlowError like every other refusal of this client.
    throw new FlowError({
      code: 'InvalidArgument',
      message: `${what} cannot be written as JSON: ${err instanceof Error ? err.message : String(err)}`,
      retryable: false,
      cause: err,
    });
  }
  // A function or a symbol alone writes nothing at all.
  if (text === undefined) {
    throw new FlowError({
      code: 'InvalidArgument',
      message: `${what} must be JSON text or a JSON-serialisable value`,
      retryable: false,
    });
  }
  return text;
}

/**
 * A typed FnF (Serverless Workflow 2019-03-15) client over @alicloud/pop-core.
 * @example const flow = createFlowClient({ endpoint, credentials });
 *          await flow.startExecution({ flowName: 'queueflow-demo', input: { source: 'a.csv' } });
 */
export function createFlowClient(options: FlowClientOptions): FlowClient {
  const creds = options.credentials;
  const rpc = isCredentialSource(creds)
    ? // pop-core >= 1.8 asks a credentialsProvider before every request (its README;
      // its typings predate the option).
      new RPCClient({
        endpoint: options.endpoint,
        apiVersion: API_VERSION,
        credentialsProvider: { getCredentials: () => creds.get() },
      } as unknown as ConstructorParameters<typeof RPCClient>[0])
    : new RPCClient({
        endpoint: options.endpoint,
        apiVersion: API_VERSION,
        accessKeyId: creds.accessKeyId,
        accessKeySecret: creds.accessKeySecret,
        ...(creds.securityToken ? { securityToken: creds.securityToken } : {}),
      });
  const sleep = options.sleep ?? realSleep;
  const policy = options.retry ?? DEFAULT_RETRY;
  const timeout = options.timeoutMs ?? 10_000;

  // POST for the writes, as the FnF SDK sends them (@alicloud/fnf-2019-03-15 1.2.0 lib/client.js).
  async function call(
    action: string,
    params: Raw,
    opts: { post?: boolean; timeoutMs?: number } = {},
  ): Promise<Raw> {
    const clean: Raw = {};
    for (const [k, v] of Object.entries(params)) if (v !== undefined) clean[k] = v;
    try {
      return await rpc.request<Raw>(action, clean, {
        ...(opts.post ? { method: 'POST' } : {}),
        timeout: opts.timeoutMs ?? timeout,
      });
    } catch (err) {
      throw toFlowError(err, action);
    }
  }

  const retrying = <T>(fn: () => Promise<T>, deadlineMs?: number) =>
    withRetry(fn, {
      policy,
      sleep,
      isRetryable: isRetryableFlowError,
      ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    });

  /** The call's timeout, cut to what is left before `deadlineMs` (at least 100 ms). */
  const within = (timeoutMs: number, deadlineMs: number | undefined) =>
    deadlineMs === undefined
      ? timeoutMs
      : Math.max(100, Math.min(timeoutMs, deadlineMs - Date.now()));

  /**
   * After a retried call failed with `code`: an attempt whose answer was lost
   * may have done what was asked. The execution as it is now when `done` says
   * so, else undefined (the error stands).
   */
  async function afterLostAnswer(
    err: unknown,
    attempts: number,
    code: string,
    where: { flowName: string; executionName: string },
    done: (execution: Execution) => boolean,
  ): Promise<Execution | undefined> {
    if (attempts < 2 || !(err instanceof FlowError) || err.code !== code) return undefined;
    const e = toExecution(
      await call('DescribeExecution', {
        FlowName: where.flowName,
        ExecutionName: where.executionName,
      }),
      where.flowName,
    );
    return done(e) ? e : undefined;
  }

  async function report(action: string, params: Raw): Promise<ReportResult> {
    try {
      const raw = await retrying(() => call(action, params, { post: true }));
      const eventId = num(raw.EventId);
      return eventId === undefined ? { status: 'reported' } : { status: 'reported', eventId };
    } catch (err) {
      // A second report of a finished task is success from the worker's view.
      if (err instanceof FlowError && err.code === 'TaskAlreadyCompleted') {
        return { status: 'already-completed' };
      }
      throw err;
    }
  }

  return {
    async createFlow({ name, definition, description, roleArn }) {
      await call(
        'CreateFlow',
        {
          Name: name,
          Definition: definition,
          Description: description ?? '',
          Type: 'FDL',
          RoleArn: roleArn,
        },
        { post: true },
      );
    },

    async startExecution({ flowName, executionName, input, deadlineMs }) {
      const params: Raw = { FlowName: flowName, ExecutionName: executionName };
      if (input !== undefined) params.Input = toJsonText(input, 'input');
      let attempts = 0;
      const run = () => {
        attempts++;
        return call('StartExecution', params, {
          post: true,
          timeoutMs: within(timeout, deadlineMs),
        });
      };
      let raw: Raw;
      try {
        // Only a named start is idempotent, so only a named start is retried.
        raw = executionName ? await retrying(run, deadlineMs) : await run();
      } catch (err) {
        // That attempt may have started the execution, which has ended since:
        // the same input is this call's.
        const started =
          executionName &&
          (await afterLostAnswer(
            err,
            attempts,
            'ExecutionAlreadyExists',
            { flowName, executionName },
            (e) => input === undefined || (e.input !== undefined && sameJson(e.input, input)),
          ));
        if (started) return started;
        throw err;
      }
      return toExecution(raw, flowName);
    },

    async startSyncExecution({ flowName, executionName, input, timeoutMs }) {
      const params: Raw = { FlowName: flowName, ExecutionName: executionName };
      if (input !== undefined) params.Input = toJsonText(input, 'input');
      // An Express execution may run 5 minutes; the call waits for it.
      const raw = await call('StartSyncExecution', params, {
        post: true,
        timeoutMs: timeoutMs ?? timeout + SYNC_EXECUTION_MAX_MS,
      });
      const e: SyncExecution = toExecution(raw, flowName);
      const code = str(raw.ErrorCode);
      if (code) e.errorCode = code;
      const message = str(raw.ErrorMessage);
      if (message) e.errorMessage = message;
      return e;
    },

    async describeExecution({ flowName, executionName, waitSeconds, deadlineMs }) {
      const deadline = Math.min(
        Date.now() + Math.max(0, waitSeconds ?? 0) * 1000,
        deadlineMs ?? Number.POSITIVE_INFINITY,
      );
      for (;;) {
        const started = Date.now();
        // The wait is worked out per attempt: a retried long poll (after a reset
        // or a 5xx) waits only for what is left, never past the deadline.
        const raw = await retrying(() => {
          const wait = Math.min(MAX_WAIT_PER_CALL, Math.floor((deadline - Date.now()) / 1000));
          return call(
            'DescribeExecution',
            {
              FlowName: flowName,
              ExecutionName: executionName,
              WaitTimeSeconds: wait > 0 ? wait : undefined,
            },
            { timeoutMs: within(timeout + Math.max(0, wait) * 1000, deadlineMs) },
          );
        }, deadlineMs);
        const execution = toExecution(raw, flowName);
        if (TERMINAL_STATUSES.has(execution.status) || Date.now() >= deadline) return execution;
        // A server that ignores WaitTimeSeconds must not turn this into a hot loop.
        const elapsed = Date.now() - started;
        if (elapsed < 200) await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
      }
    },

    async reportTaskSucceeded({ taskToken, output }) {
      return report('ReportTaskSucceeded', {
        TaskToken: taskToken,
        Output: toJsonText(output, 'output'),
      });
    },

    reportTaskFailed({ taskToken, error, cause }) {
      return report('ReportTaskFailed', {
        TaskToken: taskToken,
        Error: error,
        Cause: cause === '' ? undefined : cause,
      });
    },

    async stopExecution({ flowName, executionName, error, cause }) {
      let attempts = 0;
      try {
        const raw = await retrying(() => {
          attempts++;
          return call(
            'StopExecution',
            { FlowName: flowName, ExecutionName: executionName, Error: error, Cause: cause },
            { post: true },
          );
        });
        return toExecution(raw, flowName);
      } catch (err) {
        // If that attempt stopped it, it is Stopped now: what this call asked for.
        const stopped = await afterLostAnswer(
          err,
          attempts,
          'ExecutionAlreadyCompleted',
          { flowName, executionName },
          (e) => e.status === 'Stopped',
        );
        if (stopped) return stopped;
        throw err;
      }
    },

    async getExecutionHistory({ flowName, executionName }) {
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const raw = await retrying(() =>
          call('GetExecutionHistory', {
            FlowName: flowName,
            ExecutionName: executionName,
            NextToken: nextToken,
            Limit: 999,
          }),
        );
        const list = Array.isArray(raw.Events) ? (raw.Events as Raw[]) : [];
        for (const ev of list) {
          const event: HistoryEvent = { eventId: num(ev.EventId) ?? 0, type: str(ev.Type) ?? '' };
          const scheduleEventId = num(ev.ScheduleEventId);
          if (scheduleEventId !== undefined) event.scheduleEventId = scheduleEventId;
          const stepName = str(ev.StepName);
          if (stepName) event.stepName = stepName;
          const time = str(ev.Time);
          if (time) event.time = time;
          const detail = str(ev.EventDetail);
          if (detail) event.eventDetail = detail;
          events.push(event);
        }
        nextToken = str(raw.NextToken) || undefined;
      } while (nextToken);
      return events;
    },
  };
}

/** Key order aside, does the JSON text `a` hold the same value as `b`? */
export function sameJson(a: string, b: unknown): boolean {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  try {
    return JSON.stringify(canonical(JSON.parse(a))) === JSON.stringify(canonical(b));
  } catch {
    return false;
  }
}
