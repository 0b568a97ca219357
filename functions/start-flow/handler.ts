import type { InvocationIdentity } from '../../shared/clients/config';
import type { FlowClient } from '../../shared/clients/flow-client';
import { FlowError } from '../../shared/clients/flow-errors';
import {
  likelyField,
  parseStartFlowRequest,
  QUERY_FIELDS,
  StartFlowError,
  type StartFlowResult,
  startFlow,
  unknownNameError,
} from '../../shared/flows/start-flow';

type StartingFlow = Pick<FlowClient, 'startExecution' | 'describeExecution'> &
  Partial<Pick<FlowClient, 'startSyncExecution'>>;

/** What the start-flow function is built from. */
export interface StartFlowDeps {
  flow: StartingFlow | ((context?: InvocationIdentity) => StartingFlow);
  /** Flow started when a request names none (FLOW_NAME). */
  defaultFlowName?: string;
  /** Wait applied when a request says nothing (QUEUEFLOW_WAIT_SECONDS). */
  defaultWaitSeconds?: number;
  now?: () => number;
}

/** The FC context fields start-flow uses (function timeout bounds the wait). */
export interface StartFlowContext extends InvocationIdentity {
  requestId?: string;
  function?: { timeout?: number };
}

/** FC 3.0 HTTP trigger response struct. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Seconds kept back from the function timeout to answer after the last poll. */
const MARGIN_MS = 2_000;

interface HttpEvent {
  body?: unknown;
  isBase64Encoded?: boolean;
  queryParameters?: Record<string, string>;
  requestContext: { http: { method?: string } };
}

function parseEvent(event: unknown): unknown {
  if (Buffer.isBuffer(event) || typeof event === 'string') {
    const text = Buffer.isBuffer(event) ? event.toString('utf8') : event;
    if (!text.trim()) return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new StartFlowError('InvalidArgument', 'the event is not JSON');
    }
  }
  return event ?? {};
}

function isHttpEvent(v: unknown): v is HttpEvent {
  const rc = (v as { requestContext?: { http?: unknown } } | null)?.requestContext;
  return rc !== undefined && rc !== null && typeof rc === 'object' && typeof rc.http === 'object';
}

function httpRequestBody(event: HttpEvent): Record<string, unknown> {
  let text = typeof event.body === 'string' ? event.body : '';
  if (event.isBase64Encoded && text) text = Buffer.from(text, 'base64').toString('utf8');
  let body: unknown = {};
  if (text.trim()) {
    try {
      body = JSON.parse(text);
    } catch {
      throw new StartFlowError('InvalidArgument', 'the request body is not JSON');
    }
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new StartFlowError(
      'InvalidArgument',
      'the request body must be a JSON object like {"input": {...}}',
    );
  }
  // Query parameters fill what the body leaves out (`?wait=20&executionName=x`).
  const merged: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  const q = event.queryParameters ?? {};
  for (const key of QUERY_FIELDS) {
    if (merged[key] === undefined && q[key] !== undefined) merged[key] = q[key];
  }
  // Other parameters (a cache buster, utm_*) are the caller's business; one
  // spelt like a field (?executionname=) would lose its idempotency or wait.
  for (const key of Object.keys(q)) {
    if (QUERY_FIELDS.includes(key)) continue;
    const meant = likelyField(key, QUERY_FIELDS);
    if (meant !== undefined) throw unknownNameError('query parameter', key, QUERY_FIELDS, meant);
  }
  return merged;
}

function json(statusCode: number, value: unknown): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(value),
  };
}

function errorStatus(err: unknown): number {
  if (err instanceof StartFlowError) return err.status;
  if (err instanceof FlowError) {
    if (err.code === 'FlowNotExists') return 404;
    if (err.code === 'ResourceThrottled' || err.code.startsWith('Throttling')) return 429;
    if (err.status !== undefined && err.status >= 400 && err.status < 500) return err.status;
    return 502;
  }
  return 500;
}

/**
 * start-flow: an HTTP trigger (FC 3.0 event-function HTTP struct) or a plain
 * event `{flowName?, input, executionName?, wait?}`. Starts the execution and
 * waits for it within the function's timeout when asked.
 * @example export const handler = createStartFlowHandler({ flow, defaultFlowName: 'queueflow-demo' });
 */
export function createStartFlowHandler(deps: StartFlowDeps) {
  const now = deps.now ?? Date.now;
  const defaults = {
    ...(deps.defaultFlowName ? { flowName: deps.defaultFlowName } : {}),
    ...(deps.defaultWaitSeconds !== undefined ? { waitSeconds: deps.defaultWaitSeconds } : {}),
  };

  async function run(raw: unknown, context: StartFlowContext | undefined, startedAt: number) {
    const request = parseStartFlowRequest(raw, defaults);
    const timeoutS = context?.function?.timeout;
    // When the function must have answered (a margin before its timeout).
    const deadline = timeoutS === undefined ? undefined : startedAt + timeoutS * 1000 - MARGIN_MS;
    if (request.sync) {
      // StartSyncExecution always waits: within the function's time, if known.
      if (deadline !== undefined) request.waitUntilMs = deadline;
    } else if (request.waitSeconds !== undefined && deadline !== undefined) {
      const budgetMs = deadline - now();
      const capped = Math.min(request.waitSeconds, Math.max(0, Math.floor(budgetMs / 1000)));
      if (capped > 0) {
        request.waitSeconds = capped;
        // The start (and its retries) comes off the wait, not on top of it.
        request.waitUntilMs = deadline;
      } else delete request.waitSeconds;
    } else if (request.waitSeconds === Number.POSITIVE_INFINITY) {
      request.waitSeconds = 60;
    }
    const flow = typeof deps.flow === 'function' ? deps.flow(context) : deps.flow;
    return startFlow({ flow, now }, request);
  }

  return async function handler(
    event: unknown,
    context?: StartFlowContext,
  ): Promise<StartFlowResult | HttpResponse> {
    const startedAt = now();
    // Not JSON at all cannot be an HTTP event: a bad direct invoke, so it throws.
    const parsed = parseEvent(event);
    if (!isHttpEvent(parsed)) return run(parsed, context, startedAt);

    const method = (parsed.requestContext.http.method ?? 'POST').toUpperCase();
    if (method !== 'POST') {
      return {
        ...json(405, {
          code: 'MethodNotAllowed',
          message: 'use POST with a JSON body like {"input": {...}}',
        }),
        headers: { 'content-type': 'application/json; charset=utf-8', allow: 'POST' },
      };
    }
    try {
      const result = await run(httpRequestBody(parsed), context, startedAt);
      return json(result.finished ? 200 : 202, result);
    } catch (err) {
      const status = errorStatus(err);
      const code = (err as { code?: unknown }).code;
      return json(status, {
        code: typeof code === 'string' ? code : 'InternalError',
        message: err instanceof Error ? err.message : String(err),
        ...(context?.requestId ? { requestId: context.requestId } : {}),
      });
    }
  };
}
