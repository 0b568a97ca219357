import type { Execution, ExecutionStatus, FlowClient } from '../clients/flow-client';
import { sameJson, TERMINAL_STATUSES } from '../clients/flow-client';
import { FlowError } from '../clients/flow-errors';
import { NAME_PATTERN } from '../fdl/check-context';
import { suggest } from '../fdl/suggest';

/** What to start. */
export interface StartFlowRequest {
  flowName: string;
  /** The execution input (a JSON object). */
  input?: Record<string, unknown>;
  /**
   * Makes the start idempotent: the same name returns the same execution.
   * With `sync` it only labels the run (the service makes `{name}:{UUID}`).
   */
  executionName?: string;
  /**
   * An Express flow: run it with StartSyncExecution, which answers when the
   * execution ends (the cloud starts Express flows no other way). Not idempotent.
   */
  sync?: boolean;
  /** Wait up to this long for the execution to end (DescribeExecution long poll). */
  waitSeconds?: number;
  /**
   * Epoch ms the wait must end by, whatever waitSeconds says (a function's
   * timeout): what the start itself took (retries included) comes off the wait.
   */
  waitUntilMs?: number;
}

/** Where the execution stands when startFlow returns. */
export interface StartFlowResult {
  flowName: string;
  executionName: string;
  status: ExecutionStatus;
  /** True when this call started it; false when the name matched an existing execution. */
  started: boolean;
  /** True once the execution has ended (Succeeded, Failed, Stopped, TimedOut). */
  finished: boolean;
  /** The parsed output, once succeeded. */
  output?: unknown;
  /** With `sync`: the execution's error and cause when it failed or timed out. */
  error?: string;
  cause?: string;
  startedTime?: string;
  stoppedTime?: string;
}

/** A bad start request (caller's fault: HTTP 4xx). */
export class StartFlowError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryable = false;
  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'StartFlowError';
    this.code = code;
    this.status = status;
  }
}

function parseOutput(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The fields of a start request, as an HTTP body or an event. */
const REQUEST_FIELDS = ['flowName', 'input', 'executionName', 'wait', 'sync'] as const;
/** The request fields an HTTP caller may also give as query parameters: all but the input. */
export const QUERY_FIELDS: readonly string[] = REQUEST_FIELDS.filter((f) => f !== 'input');
/** Names a caller may bring from elsewhere: startFlow()'s own option names. */
const FIELD_ALIASES = new Map([
  ['waitSeconds', 'wait'],
  ['name', 'executionName'],
]);

/**
 * The field of `fields` that `key` most likely meant (a known alias or a near
 * spelling), or undefined for a name unlike any of them.
 * @example likelyField('executionname', ['flowName', 'executionName']) // 'executionName'
 */
export function likelyField(key: string, fields: readonly string[]): string | undefined {
  const alias = FIELD_ALIASES.get(key);
  if (alias !== undefined) return fields.includes(alias) ? alias : undefined;
  return suggest(key, fields);
}

/**
 * The InvalidArgument for a request name outside `names` (a body field, a query
 * parameter), with the one it most likely meant.
 * @example throw unknownNameError('field', 'imput', ['flowName', 'input'])
 */
export function unknownNameError(
  what: string,
  key: string,
  names: readonly string[],
  meant = likelyField(key, names),
): StartFlowError {
  return new StartFlowError(
    'InvalidArgument',
    `unknown ${what} "${key}"${meant ? `; did you mean "${meant}"?` : ''} (the ${what}s are ${names.map((f) => `"${f}"`).join(', ')})`,
  );
}

/**
 * Checks a loosely typed request (an HTTP body or an event) and fills defaults.
 * Throws StartFlowError naming the field and what would be valid.
 */
export function parseStartFlowRequest(
  raw: unknown,
  defaults: { flowName?: string; waitSeconds?: number } = {},
): StartFlowRequest {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new StartFlowError(
      'InvalidArgument',
      'the request must be a JSON object like {"input": {...}}',
    );
  }
  const r = raw as Record<string, unknown>;
  // A misspelt field would otherwise be dropped in silence: "executionname"
  // loses the idempotency, "waitSeconds" (startFlow's own name) the wait.
  const unknown = Object.keys(r).find((k) => !(REQUEST_FIELDS as readonly string[]).includes(k));
  if (unknown !== undefined) throw unknownNameError('field', unknown, REQUEST_FIELDS);
  const flowName = r.flowName ?? defaults.flowName;
  if (flowName === undefined) {
    throw new StartFlowError(
      'MissingFlowName',
      '"flowName" is required (or set FLOW_NAME on the function)',
    );
  }
  if (typeof flowName !== 'string' || !NAME_PATTERN.test(flowName)) {
    throw new StartFlowError(
      'InvalidArgument',
      '"flowName" must be 1-128 letters, digits, "_" or "-", starting with a letter or "_"',
    );
  }
  const req: StartFlowRequest = { flowName };
  let input = r.input;
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input);
    } catch {
      throw new StartFlowError('InvalidArgument', '"input" is a string but not JSON text');
    }
  }
  if (input !== undefined) {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new StartFlowError('InvalidArgument', '"input" must be a JSON object');
    }
    req.input = input as Record<string, unknown>;
  }
  if (r.executionName !== undefined) {
    if (typeof r.executionName !== 'string' || !NAME_PATTERN.test(r.executionName)) {
      throw new StartFlowError(
        'InvalidArgument',
        '"executionName" must be 1-128 letters, digits, "_" or "-", starting with a letter or "_"',
      );
    }
    req.executionName = r.executionName;
  }
  if (r.sync !== undefined) {
    if (r.sync !== true && r.sync !== false && r.sync !== 'true' && r.sync !== 'false') {
      throw new StartFlowError('InvalidArgument', '"sync" must be true or false');
    }
    if (r.sync === true || r.sync === 'true') req.sync = true;
  }
  // A sync start always waits for the end: `wait` does not apply, and is not read.
  // As a query parameter it is text: 'true' and 'false' read as the booleans.
  const given = r.wait === 'true' ? true : r.wait === 'false' ? false : r.wait;
  const wait = req.sync ? undefined : (given ?? defaults.waitSeconds);
  if (wait !== undefined && wait !== false) {
    const seconds =
      wait === true ? Number.POSITIVE_INFINITY : typeof wait === 'string' ? Number(wait) : wait;
    if (typeof seconds !== 'number' || Number.isNaN(seconds) || seconds < 0) {
      throw new StartFlowError(
        'InvalidArgument',
        '"wait" must be a number of seconds >= 0 (or true)',
      );
    }
    if (seconds > 0) req.waitSeconds = seconds;
  }
  return req;
}

/** Below this much time left, a sync start is refused rather than made. */
const MIN_SYNC_MS = 1000;

/** An Express execution through StartSyncExecution, within `waitUntilMs` when given. */
async function startSync(
  deps: Parameters<typeof startFlow>[0],
  request: StartFlowRequest,
): Promise<StartFlowResult> {
  const { flowName, executionName } = request;
  const startSyncExecution = deps.flow.startSyncExecution;
  if (!startSyncExecution) {
    throw new StartFlowError('Unsupported', 'this flow client cannot run StartSyncExecution', 500);
  }
  const now = deps.now ?? Date.now;
  const timeoutMs = request.waitUntilMs === undefined ? undefined : request.waitUntilMs - now();
  // Too little time left to wait for anything: start nothing nobody would hear the end of.
  if (timeoutMs !== undefined && timeoutMs < MIN_SYNC_MS) {
    throw new StartFlowError(
      'SyncExecutionTimeout',
      `only ${Math.max(0, timeoutMs)} ms of this call's time are left, too little to run an Express execution of flow "${flowName}"; give the function a longer timeout`,
      504,
    );
  }
  let e: Awaited<ReturnType<FlowClient['startSyncExecution']>>;
  try {
    e = await startSyncExecution.call(deps.flow, {
      flowName,
      input: request.input ?? {},
      ...(executionName ? { executionName } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
  } catch (err) {
    // The answer did not come within the function's time: the execution runs on.
    // (Other network errors, a refused connection say, started nothing: they pass.)
    const timedOut =
      err instanceof FlowError &&
      err.code === 'NetworkError' &&
      String((err.cause as { name?: unknown } | undefined)?.name ?? '').startsWith(
        'RequestTimeout',
      );
    if (timeoutMs !== undefined && timedOut) {
      throw new StartFlowError(
        'SyncExecutionTimeout',
        `the Express execution of flow "${flowName}" did not end within the ${Math.round(timeoutMs / 1000)} s this call had left`,
        504,
      );
    }
    throw err;
  }
  const result = toResult(flowName, e.name, e, true);
  if (e.errorCode) result.error = e.errorCode;
  if (e.errorMessage) result.cause = e.errorMessage;
  return result;
}

/** Where an execution stands, as startFlow answers it. */
function toResult(
  flowName: string,
  executionName: string,
  execution: Execution,
  started: boolean,
): StartFlowResult {
  const result: StartFlowResult = {
    flowName,
    executionName,
    status: execution.status,
    started,
    finished: TERMINAL_STATUSES.has(execution.status),
  };
  const output = parseOutput(execution.output);
  if (output !== undefined) result.output = output;
  if (execution.startedTime) result.startedTime = execution.startedTime;
  if (execution.stoppedTime) result.stoppedTime = execution.stoppedTime;
  return result;
}

/**
 * Starts an execution (idempotently when named) and optionally waits for it.
 * Other functions import this to start flows.
 * @example const r = await startFlow({ flow }, { flowName: 'queueflow-demo', input: { source: 'a.csv' }, waitSeconds: 20 });
 */
export async function startFlow(
  deps: {
    /** startSyncExecution is needed only for `sync` requests. */
    flow: Pick<FlowClient, 'startExecution' | 'describeExecution'> &
      Partial<Pick<FlowClient, 'startSyncExecution'>>;
    /** The clock `waitUntilMs` is read against (default Date.now). */
    now?: () => number;
  },
  request: StartFlowRequest,
): Promise<StartFlowResult> {
  const { flowName, executionName } = request;
  if (request.sync) return startSync(deps, request);
  let started = true;
  let execution: Awaited<ReturnType<FlowClient['describeExecution']>> | undefined;
  if (executionName) {
    // A named start looks first: FnF answers a name still running with that
    // execution and no error, so only a look before tells a repeat from a start.
    try {
      execution = await deps.flow.describeExecution({
        flowName,
        executionName,
        ...deadlineOf(request),
      });
      started = false;
    } catch (err) {
      if (!(err instanceof FlowError && err.code === 'ExecutionNotExists')) throw err;
    }
  }
  if (!execution) {
    try {
      execution = await deps.flow.startExecution({
        flowName,
        input: request.input ?? {},
        ...(executionName ? { executionName } : {}),
        ...deadlineOf(request),
      });
    } catch (err) {
      if (err instanceof FlowError && err.code === 'ActionNotSupported') {
        throw new StartFlowError(
          'ActionNotSupported',
          `flow "${flowName}" is an Express flow: send "sync": true to run it (StartSyncExecution)`,
        );
      }
      // Started by someone else since the look: the start is a repeat, answer with it.
      if (!(err instanceof FlowError && err.code === 'ExecutionAlreadyExists' && executionName)) {
        throw err;
      }
      started = false;
      execution = await deps.flow.describeExecution({
        flowName,
        executionName,
        ...deadlineOf(request),
      });
    }
  }
  // Idempotent means the same request: the same name with other input is a
  // conflict. No input at all asks for the execution of that name, whatever it got.
  // Checked whoever started it: two calls racing with the same name both get
  // StartExecution's answer without an error, and only one input is the execution's.
  if (
    request.input !== undefined &&
    execution.input !== undefined &&
    !sameJson(execution.input, request.input)
  ) {
    throw new StartFlowError(
      'ExecutionNameConflict',
      `execution "${executionName}" of flow "${flowName}" already exists with a different input`,
      409,
    );
  }
  const name = execution.name || executionName || '';
  let waitSeconds = request.waitSeconds ?? 0;
  if (request.waitUntilMs !== undefined) {
    const now = deps.now ?? Date.now;
    waitSeconds = Math.min(waitSeconds, Math.floor((request.waitUntilMs - now()) / 1000));
  }
  if (waitSeconds > 0 && !TERMINAL_STATUSES.has(execution.status)) {
    execution = await deps.flow.describeExecution({
      flowName,
      executionName: name,
      waitSeconds,
      ...deadlineOf(request),
    });
  }
  return toResult(flowName, name, execution, started);
}

/** The function's own end (waitUntilMs), which no call of startFlow may run past. */
function deadlineOf(request: { waitUntilMs?: number }): { deadlineMs?: number } {
  return request.waitUntilMs === undefined ? {} : { deadlineMs: request.waitUntilMs };
}
