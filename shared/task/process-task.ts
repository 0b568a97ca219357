import type { FlowClient } from '../clients/flow-client';
import { FlowError } from '../clients/flow-errors';
import { type ClassifiedError, classifyError } from './classify';
import { decodeTaskMessage, type TaskEnvelope } from './envelope';
import { fitFailureReport } from './limits';
import type { HandlerRegistry } from './registry';
import { TaskMessageError } from './task-error';

/** A task message as the worker core needs it (from MNS or from an EventBridge event). */
export interface TaskMessage {
  body: string | Buffer | Record<string, unknown>;
  messageId?: string;
  dequeueCount?: number;
}

/**
 * What became of a task:
 * - `succeeded` / `failed`: reported to the flow now; the message is done.
 * - `already-completed`: the flow had the result already (a duplicate delivery); done.
 * - `retry`: a retryable failure (of the handler or of the report); the message must come back.
 * - `invalid`: the message can never be reported (no token, not JSON, token rejected); drop it.
 */
export type TaskOutcome = 'succeeded' | 'failed' | 'already-completed' | 'retry' | 'invalid';

/** The result of processTask. */
export interface TaskResult {
  outcome: TaskOutcome;
  taskType?: string;
  messageId?: string;
  durationMs: number;
  /** Why it failed, was retried or is invalid. */
  error?: ClassifiedError;
}

/** What processTask needs. */
export interface ProcessTaskDeps {
  registry: HandlerRegistry;
  flow: Pick<FlowClient, 'reportTaskSucceeded' | 'reportTaskFailed'>;
  /**
   * On this delivery (TaskMessage.dequeueCount) or later, a retryable handler
   * error is reported as a failure instead of retried, so a task that never
   * gets better reaches the flow's retry/catch rather than cycling forever.
   * Default: no limit.
   */
  maxDeliveries?: number;
  /** Aborted when the caller gives up on the task (worker shutdown). */
  signal?: AbortSignal;
  now?: () => number;
}

/** Shows a token's start only: error texts from the service may quote it, and logs must not. */
export function redactToken(text: string, token: string): string {
  // Real tokens are long; a short "token" (a test's "t") would cut up ordinary words.
  if (token.length < 16 || !text.includes(token)) return text;
  return text.split(token).join(`${token.slice(0, 6)}...`);
}

// Refused for who asks, not for the task: a wrong, rotated or expired key, or a
// clock minutes off. Not the message's fault: it comes back (and, if that never
// gets better, ends where the queue's retries end) instead of being dropped.
const CALLER_REFUSED =
  /^(InvalidAccessKeyI[dD]|Signature(DoesNot|Not)Match|SignatureNonceUsed|InvalidSecurityToken|SecurityTokenExpired|RequestTimeTooSkewed|AccessDenied|Forbidden|NoPermission)/;

// A failed report call, with the token cut out of the service's error text.
function classifyReportError(err: unknown, token: string): ClassifiedError {
  const e = classifyError(err);
  e.message = redactToken(e.message, token);
  if (err instanceof FlowError && (err.status === 403 || CALLER_REFUSED.test(err.code))) {
    e.retryable = true;
  }
  return e;
}

/** True when the message is finished with (delete it / do not redeliver it). */
export function isDone(outcome: TaskOutcome): boolean {
  return outcome !== 'retry';
}

function outputObject(value: unknown): { ok: true; json: string } | { ok: false; why: string } {
  const v = value === undefined ? {} : value;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return {
      ok: false,
      why: `a handler must return a JSON object, got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`,
    };
  }
  try {
    return { ok: true, json: JSON.stringify(v) };
  } catch (err) {
    return {
      ok: false,
      why: `the handler's output is not JSON-serialisable: ${String((err as Error).message)}`,
    };
  }
}

/**
 * The worker core: decode the envelope, run the handler `async (input, ctx) =>
 * output`, report the result with the task token, and classify what happened.
 * Never throws for a task problem; the outcome says what to do with the message.
 * @example const result = await processTask({ body: message.body }, { registry, flow });
 *          if (isDone(result.outcome)) await queue.delete(name, message.receiptHandle);
 */
export async function processTask(
  message: TaskMessage,
  deps: ProcessTaskDeps,
): Promise<TaskResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const base = message.messageId ? { messageId: message.messageId } : {};
  const finish = (
    outcome: TaskOutcome,
    extra: { taskType?: string; error?: ClassifiedError } = {},
  ) => ({
    outcome,
    ...base,
    ...extra,
    durationMs: now() - started,
  });

  let envelope: TaskEnvelope;
  try {
    envelope = decodeTaskMessage(message.body);
  } catch (err) {
    const e =
      err instanceof TaskMessageError
        ? err
        : new TaskMessageError('InvalidTaskMessage', String(err));
    return finish('invalid', { error: { code: e.code, message: e.message, retryable: false } });
  }
  const taskType = envelope.taskType;
  const typed = taskType === undefined ? {} : { taskType };

  // The registry is the user's code too (any object with get/types): a throw
  // from it is classified like a throw from a handler, never let out.
  let failure: ClassifiedError | undefined;
  let outputJson: string | undefined;
  try {
    const handler = taskType === undefined ? undefined : deps.registry.get(taskType);
    if (taskType === undefined) {
      failure = {
        code: 'MissingTaskType',
        message: `the task message has no "task_type"; known types: ${deps.registry.types().join(', ')}`,
        retryable: false,
      };
    } else if (!handler) {
      failure = {
        code: 'UnknownTaskType',
        message: `no handler for task_type "${taskType}"; known types: ${deps.registry.types().join(', ')}`,
        retryable: false,
      };
    } else {
      const ctx = {
        taskType,
        signal: deps.signal ?? new AbortController().signal,
        ...(message.messageId ? { messageId: message.messageId } : {}),
        ...(message.dequeueCount !== undefined ? { dequeueCount: message.dequeueCount } : {}),
      };
      const out = outputObject(await handler(envelope.input, ctx));
      if (out.ok) outputJson = out.json;
      else failure = { code: 'InvalidTaskOutput', message: out.why, retryable: false };
    }
  } catch (err) {
    failure = classifyError(err);
  }
  // A handler error may quote its input, token included: the Cause the flow
  // records and the outcome the worker logs show only the token's start.
  if (failure) failure.message = redactToken(failure.message, envelope.token);

  // Given up on by the caller (the worker shutting down): what the handler threw
  // on its way out (an AbortError from a fetch it passed ctx.signal to, say) is
  // not the task's outcome. The message goes back, whatever the delivery count.
  if (failure && deps.signal?.aborted) return finish('retry', { ...typed, error: failure });

  if (failure?.retryable) {
    const max = deps.maxDeliveries;
    if (max === undefined || (message.dequeueCount ?? 1) < max) {
      return finish('retry', { ...typed, error: failure });
    }
    failure = {
      ...failure,
      message: `${failure.message} (gave up after ${message.dequeueCount} deliveries)`,
    };
  }

  try {
    if (outputJson !== undefined) {
      const r = await deps.flow.reportTaskSucceeded({
        taskToken: envelope.token,
        output: outputJson,
      });
      return finish(r.status === 'already-completed' ? 'already-completed' : 'succeeded', typed);
    }
  } catch (err) {
    const reportError = classifyReportError(err, envelope.token);
    if (reportError.retryable) return finish('retry', { ...typed, error: reportError });
    // The flow refused the output (too large, say): fail the step rather than leave it hanging.
    failure = {
      code: 'TaskReportRejected',
      message: `ReportTaskSucceeded was refused: ${reportError.message}`,
      retryable: false,
    };
  }

  const f = failure ?? { code: 'Error', message: 'unknown failure', retryable: false };
  /** Reports the failure as (error, cause); a refusal that will not get better is returned. */
  const reportFailed = async (
    error: string,
    cause: string,
  ): Promise<TaskResult | ClassifiedError> => {
    try {
      const r = await deps.flow.reportTaskFailed({
        taskToken: envelope.token,
        ...fitFailureReport(error, cause),
      });
      return finish(r.status === 'already-completed' ? 'already-completed' : 'failed', {
        ...typed,
        error: f,
      });
    } catch (err) {
      const refused = classifyReportError(err, envelope.token);
      return refused.retryable ? finish('retry', { ...typed, error: refused }) : refused;
    }
  };
  let out = await reportFailed(f.code, f.message);
  // Refused for what it said (the Error or Cause text), not for its token: the
  // step still has to hear that the task failed, in words the API takes.
  if (
    !('outcome' in out) &&
    out.code === 'InvalidArgument' &&
    /\b(error|cause)\b/i.test(out.message)
  ) {
    out = await reportFailed(
      'TaskReportRejected',
      `the handler failed (${asciiOnly(f.code)}), and ReportTaskFailed refused its error text: ${asciiOnly(out.message)}`,
    );
  }
  return 'outcome' in out ? out : finish('invalid', { ...typed, error: out });
}

/** `text` with anything outside printable ASCII replaced, cut short: safe for any API check. */
function asciiOnly(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}
