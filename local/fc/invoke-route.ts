import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { SecretLookup } from '../credentials';
import { BodyTooLargeError, type HttpRoute, RequestAbortedError, readBody } from '../http/route';
import { checkFcContentMd5, checkFcSignature } from './fc-signature';
import { newFcRequestId } from './request-id';
import type { FunctionRuntime } from './runtime';
import type { InvokeOutcome } from './types';

const FC2_PATH = /^\/2016-08-15\/services\/([^/]+)\/functions\/([^/]+)\/invocations$/;
/** FC's limit for a synchronous request payload: 32 MB (InvokeFunction and HTTP triggers). */
export const FC_SYNC_BODY_LIMIT = 32 * 1024 * 1024;
/** FC's limit for an asynchronous invocation's payload: 128 KB. */
export const FC_ASYNC_BODY_LIMIT = 128 * 1024;

/** The body limit for this invocation: async ones are held to FC's 128 KB. */
export function invokeBodyLimit(req: IncomingMessage): number {
  return isAsync(req) ? FC_ASYNC_BODY_LIMIT : FC_SYNC_BODY_LIMIT;
}

/** `X-Fc-Invocation-Type: Async`: FC answers 202 and runs the call in the background. */
export function isAsync(req: IncomingMessage): boolean {
  return String(req.headers['x-fc-invocation-type'] ?? '').toLowerCase() === 'async';
}

/**
 * The FC 2016-08-15 InvokeFunction API, as @alicloud/fc2 calls it. The service
 * part is accepted for any name (FC 3.0 has no services): `svc$fn` is tried
 * first, for functions migrated from 2.0, then `fn`.
 */
export function createInvokeRoute(options: {
  runtime: FunctionRuntime;
  secrets: SecretLookup;
}): HttpRoute {
  const { runtime } = options;
  return {
    name: 'fc-invoke',
    matches: (req, url) => req.method === 'POST' && url.pathname.startsWith('/2016-08-15/'),
    async handle(req, res, url) {
      const requestId = newFcRequestId();
      const path = decodePath(url.pathname);
      if (path === undefined) return badEncoding(res, requestId, url.pathname, apiError);
      const m = FC2_PATH.exec(path);
      if (!m) {
        return apiError(res, requestId, 400, 'PathNotSupported', `path ${path} is not supported`);
      }
      const rejection = checkFcSignature({
        method: 'POST',
        path,
        headers: req.headers,
        secretFor: options.secrets,
      });
      if (rejection) {
        return apiError(res, requestId, rejection.status, rejection.code, rejection.message);
      }
      const body = await readFcBody(req, res, requestId, invokeBodyLimit(req), apiError);
      if (!body) return;
      const swapped = checkFcContentMd5(req.headers['content-md5'], body);
      if (swapped) return apiError(res, requestId, swapped.status, swapped.code, swapped.message);
      const [service, qualifier] = splitQualifier(m[1]!);
      const name = runtime.resolve(m[2]!, service);
      if (!name) {
        return apiError(
          res,
          requestId,
          404,
          'FunctionNotFound',
          `function '${m[2]}' does not exist`,
        );
      }
      await invokeAndReply(req, res, { runtime, requestId, name, body, qualifier });
    },
  };
}

/**
 * Shared by the FC 2.0 and 3.0 routes: an async invocation (`x-fc-invocation-type:
 * Async`) is accepted with 202 and run in the background; a sync one is answered
 * with its outcome.
 */
export async function invokeAndReply(
  req: IncomingMessage,
  res: ServerResponse,
  call: {
    runtime: FunctionRuntime;
    requestId: string;
    name: string;
    body: Buffer;
    qualifier: string | undefined;
  },
): Promise<void> {
  const { runtime, name, body } = call;
  const opts = call.qualifier ? { qualifier: call.qualifier } : {};
  if (isAsync(req)) {
    // Stored first: once the caller has its 202, a stop or a crash does not lose the call.
    runtime.invokeAsync(name, body, { ...opts, requestId: call.requestId });
    res.writeHead(202, { 'x-fc-request-id': call.requestId, 'content-length': '0' }).end();
    return;
  }
  sendOutcome(res, await runtime.invoke(name, body, opts), wantsTail(req.headers));
}

/** True when the caller asked for the log tail (`x-fc-log-type: Tail`). */
function wantsTail(headers: IncomingHttpHeaders): boolean {
  return String(headers['x-fc-log-type'] ?? '').toLowerCase() === 'tail';
}

/**
 * Writes an invocation outcome the way FC does: errors are 200 plus
 * `x-fc-error-type`; with `tail`, `x-fc-log-result` carries the base64 log tail.
 */
function sendOutcome(res: ServerResponse, outcome: InvokeOutcome, tail = false): void {
  if (tail) res.setHeader('x-fc-log-result', outcome.logTail ?? '');
  if (outcome.ok) {
    // A non-JSON type so fc2 hands callers the string, as real FC does.
    res
      .writeHead(200, {
        'content-type': 'application/octet-stream',
        'x-fc-request-id': outcome.requestId,
        'x-fc-invocation-duration': String(Math.round(outcome.durationMs)),
        'content-length': String(outcome.body.length),
      })
      .end(outcome.body);
    return;
  }
  const text = JSON.stringify(outcome.error);
  res
    .writeHead(200, {
      'content-type': 'application/json',
      'x-fc-request-id': outcome.requestId,
      'x-fc-error-type': outcome.kind,
      'content-length': String(Buffer.byteLength(text)),
    })
    .end(text);
}

/** Writes an FC API error in a route's own body shape. */
export type ApiErrorWriter = (
  res: ServerResponse,
  requestId: string,
  status: number,
  code: string,
  message: string,
) => void;

/**
 * Reads an FC request's body. Past `limit` it answers 400 EntityTooLarge, the
 * status FC's error table gives that code
 * (https://www.alibabacloud.com/help/en/functioncompute/error-codes); a
 * caller that hung up mid-body gets nothing, as nobody is left to answer and
 * it is no server fault. Undefined in both cases.
 */
export async function readFcBody(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  limit: number,
  answer: ApiErrorWriter,
): Promise<Buffer | undefined> {
  try {
    return await readBody(req, limit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      const message =
        limit === FC_ASYNC_BODY_LIMIT
          ? `the payload of an asynchronous invocation exceeds FC's ${limit} bytes (128 KB); invoke synchronously (up to 32 MB) or pass a reference to the data`
          : err.message;
      answer(res, requestId, 400, 'EntityTooLarge', message);
      return undefined;
    }
    if (err instanceof RequestAbortedError) return undefined;
    throw err;
  }
}

/** An FC 2.0 API error body (`ErrorCode`/`ErrorMessage`, which fc2 reads). */
export function apiError(
  res: ServerResponse,
  requestId: string,
  status: number,
  code: string,
  message: string,
): void {
  sendApiError(res, requestId, status, {
    ErrorCode: code,
    ErrorMessage: message,
    RequestId: requestId,
  });
}

/** Writes an API error reply; the body shape differs between FC 2.0 and 3.0. */
export function sendApiError(
  res: ServerResponse,
  requestId: string,
  status: number,
  body: Record<string, string>,
): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'x-fc-request-id': requestId,
      'content-length': String(Buffer.byteLength(text)),
    })
    .end(text);
}

function splitQualifier(service: string): [string, string | undefined] {
  const dot = service.indexOf('.');
  return dot < 0 ? [service, undefined] : [service.slice(0, dot), service.slice(dot + 1)];
}

/** The percent-decoded path, or undefined when an escape is malformed (`%E0%A4%A`). */
export function decodePath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

/**
 * The answer to a path with a malformed percent-escape. FC's error table lists
 * both InvalidArgument and PathNotSupported as 400; the path has a served shape
 * and only a name in it is unreadable, so this is a bad argument, not an unknown path.
 */
export function badEncoding(
  res: ServerResponse,
  requestId: string,
  rawPath: string,
  send: ApiErrorWriter,
): void {
  send(res, requestId, 400, 'InvalidArgument', `path ${rawPath} has a malformed percent-escape`);
}
