// The console's JSON API under /console/api/: a thin layer over ConsoleBackend that
// validates what users type and turns backend errors into the cloud's {Code, Message}.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody } from '../http/route';
import type { ConsoleBackend } from './backend';
import type { HistoryEvent } from './model/history';
import { checkExecutionInput, checkExecutionName } from './model/start-input';

/** An API error with the cloud's code and HTTP status. */
export class ConsoleApiError extends Error {
  override readonly name = 'ConsoleApiError';
  readonly retryable = false;
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Every JSON answer's headers (a streamed one has no content-length). */
const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

/** Sends a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Maps any thrown error to `{Code, Message}` and its status. */
export function sendError(res: ServerResponse, err: unknown): void {
  const e = err as {
    code?: unknown;
    status?: unknown;
    statusCode?: unknown;
    httpStatus?: unknown;
    message?: unknown;
  };
  const code = typeof e?.code === 'string' ? e.code : 'InternalServerError';
  const rawStatus = Number(e?.status ?? e?.statusCode ?? e?.httpStatus);
  const status =
    Number.isInteger(rawStatus) && rawStatus >= 400 && rawStatus < 600
      ? rawStatus
      : code === 'InternalServerError'
        ? 500
        : 400;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (!res.headersSent) sendJson(res, status, { Code: code, Message: message });
  else res.end();
}

/**
 * Refuses cross-site writes. Any web page the user has open can POST to 127.0.0.1; a
 * JSON content type cannot be sent cross-site without a CORS preflight (which this
 * server never grants). The server's browser guard (local/http/browser-guard.ts)
 * has already refused a foreign Origin, Sec-Fetch-Site or Host.
 */
function checkJsonBody(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ConsoleApiError(
      'UnsupportedMediaType',
      415,
      'The content type must be "application/json".',
    );
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  checkJsonBody(req);
  let body: Buffer;
  try {
    body = await readBody(req, 1024 * 1024);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      throw new ConsoleApiError('EntityTooLarge', 400, err.message, { cause: err });
    }
    throw err;
  }
  if (body.length === 0) return {};
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // falls through to the error below
  }
  throw new ConsoleApiError('InvalidArgument', 400, 'request body must be a JSON object');
}

/**
 * A body field that must be text when present: a number or an object is
 * refused, not dropped (an input object would otherwise start an execution
 * with `{}`).
 */
function str(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    throw new ConsoleApiError('InvalidArgument', 400, `${key} must be a string, got ${typeof v}`);
  }
  return v;
}

function limitParam(url: URL, max: number): number | undefined {
  const raw = url.searchParams.get('limit');
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new ConsoleApiError('InvalidArgument', 400, `limit must be an integer from 1 to ${max}`);
  }
  return n;
}

/**
 * Every page of an execution's history, with a turn of the event loop between
 * two: the stack serves others while a long history (up to 5,000 events of
 * 30 KB each, ~60 MB) is read.
 */
export async function* historyPages(
  backend: ConsoleBackend,
  flowName: string,
  executionName: string,
): AsyncGenerator<HistoryEvent[]> {
  let next: string | undefined;
  // A history holds at most 5000 events (the cloud limit); pages of 500 keep this short.
  for (let page = 0; page < 1000; page++) {
    if (page > 0) await new Promise((resolve) => setImmediate(resolve));
    const r = await backend.getExecutionHistory({
      FlowName: flowName,
      ExecutionName: executionName,
      Limit: 500,
      ...(next ? { NextToken: next } : {}),
    });
    yield r.Events;
    if (!r.NextToken || r.NextToken === next) break;
    next = r.NextToken;
  }
}

/** Reads every page of an execution's history. */
export async function readAllHistory(
  backend: ConsoleBackend,
  flowName: string,
  executionName: string,
): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const page of historyPages(backend, flowName, executionName)) events.push(...page);
  return events;
}

/**
 * `{"Events":[...]}` written page by page as the pages are read, so neither the
 * whole history nor its JSON text is built in one turn. An error on the first
 * page is answered as an error; a later one (the execution deleted meanwhile)
 * cuts the answer off.
 */
async function sendHistory(res: ServerResponse, pages: AsyncGenerator<HistoryEvent[]>) {
  let page = await pages.next();
  res.writeHead(200, JSON_HEADERS);
  res.write('{"Events":[');
  let separator = '';
  try {
    while (!page.done) {
      if (page.value.length > 0) {
        res.write(separator + page.value.map((e) => JSON.stringify(e)).join(','));
        separator = ',';
      }
      if (res.destroyed) {
        await pages.return(undefined);
        return;
      }
      page = await pages.next();
    }
  } catch {
    res.destroy();
    return;
  }
  res.end(']}');
}

/**
 * Handles `/console/api/<rest>`; `parts` are the decoded path segments after `api`.
 * Returns false when no endpoint matches.
 */
export async function handleApi(
  backend: ConsoleBackend,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  parts: string[],
): Promise<boolean> {
  const method = req.method ?? 'GET';
  const [head, flow, sub, execution, action] = parts;
  if (head === 'queues') {
    if (parts.length === 1 && method === 'GET') {
      sendJson(res, 200, { Queues: await backend.listQueues() });
      return true;
    }
    if (parts.length === 3 && sub === 'messages' && method === 'GET' && flow) {
      const max = limitParam(url, 16) ?? 16;
      sendJson(res, 200, { Messages: await backend.peekMessages(flow, max) });
      return true;
    }
    return false;
  }
  if (head !== 'flows') return false;
  if (parts.length === 1 && method === 'GET') {
    const nextToken = url.searchParams.get('nextToken');
    const limit = limitParam(url, 999);
    sendJson(
      res,
      200,
      await backend.listFlows({
        ...(limit ? { Limit: limit } : {}),
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
    return true;
  }
  if (!flow) return false;
  if (parts.length === 2 && method === 'GET') {
    sendJson(res, 200, await backend.describeFlow({ Name: flow }));
    return true;
  }
  if (sub !== 'executions') return false;
  if (parts.length === 3 && method === 'GET') {
    const status = url.searchParams.get('status');
    const prefix = url.searchParams.get('prefix');
    const nextToken = url.searchParams.get('nextToken');
    const limit = limitParam(url, 99);
    sendJson(
      res,
      200,
      await backend.listExecutions({
        FlowName: flow,
        ...(status ? { Status: status } : {}),
        ...(prefix ? { ExecutionNamePrefix: prefix } : {}),
        ...(limit ? { Limit: limit } : {}),
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
    return true;
  }
  if (parts.length === 3 && method === 'POST') {
    const body = await readJson(req);
    const name = str(body, 'name')?.trim() ?? '';
    const nameCheck = checkExecutionName(name);
    if (!nameCheck.ok) throw new ConsoleApiError('InvalidArgument', 400, nameCheck.message);
    const input = checkExecutionInput(str(body, 'input') ?? '');
    if (!input.ok) throw new ConsoleApiError('InvalidArgument', 400, input.message);
    const started = await backend.startExecution({
      FlowName: flow,
      Input: input.text,
      ...(name ? { ExecutionName: name } : {}),
    });
    sendJson(res, 200, started);
    return true;
  }
  if (!execution) return false;
  if (parts.length === 4 && method === 'GET') {
    sendJson(
      res,
      200,
      await backend.describeExecution({ FlowName: flow, ExecutionName: execution }),
    );
    return true;
  }
  if (parts.length === 5 && action === 'history' && method === 'GET') {
    await sendHistory(res, historyPages(backend, flow, execution));
    return true;
  }
  if (parts.length === 5 && action === 'stop' && method === 'POST') {
    const body = await readJson(req);
    const error = str(body, 'error')?.trim();
    const cause = str(body, 'cause')?.trim();
    if (error !== undefined && error.length > 128) {
      throw new ConsoleApiError('InvalidArgument', 400, 'error must be at most 128 characters');
    }
    if (cause !== undefined && cause.length > 4096) {
      throw new ConsoleApiError('InvalidArgument', 400, 'cause must be at most 4096 characters');
    }
    sendJson(
      res,
      200,
      await backend.stopExecution({
        FlowName: flow,
        ExecutionName: execution,
        ...(error ? { Error: error } : {}),
        ...(cause ? { Cause: cause } : {}),
      }),
    );
    return true;
  }
  return false;
}
