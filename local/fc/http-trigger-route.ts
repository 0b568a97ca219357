import { isUtf8 } from 'node:buffer';
import {
  type IncomingMessage,
  type ServerResponse,
  validateHeaderName,
  validateHeaderValue,
} from 'node:http';
import type { Clock } from '../clock';
import type { SecretLookup } from '../credentials';
import type { HttpRoute } from '../http/route';
import { checkTriggerBody, triggerPrecheck } from './http-trigger-auth';
import {
  type ApiErrorWriter,
  apiError,
  badEncoding,
  decodePath,
  invokeBodyLimit,
  isAsync,
  readFcBody,
} from './invoke-route';
import { newFcRequestId } from './request-id';
import type { FunctionRuntime } from './runtime';
import type { InvokeOutcome } from './types';

/** The local HTTP trigger URL prefix: `<endpoint>/fc/<function>/<path>`. */
export const HTTP_TRIGGER_PREFIX = '/fc/';

// FC's HTTP trigger request limits (HTTP trigger overview): the path with its
// query 4 KB, the headers 8 KB; the body 32 MB, 128 KB for an async call. Past
// any of them FC answers 400 InvalidArgument.
const TRIGGER_TARGET_LIMIT = 4 * 1024;
const TRIGGER_HEADERS_LIMIT = 8 * 1024;

/** FC names every trigger request limit InvalidArgument (the invoke API says EntityTooLarge). */
const triggerLimitError: ApiErrorWriter = (res, requestId, status, code, message) =>
  apiError(res, requestId, status, code === 'EntityTooLarge' ? 'InvalidArgument' : code, message);

/** The FC 3.0 HTTP trigger event (request struct) a handler receives. */
export interface HttpTriggerEvent {
  version: 'v1';
  rawPath: string;
  headers: Record<string, string>;
  queryParameters: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  requestContext: {
    accountId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    time: string;
    timeEpoch: string;
  };
}

/**
 * HTTP triggers. FC's real trigger URL is a host name
 * (`https://<id>.<region>.fcapp.run/<path>`); locally the function name is the
 * first path segment instead: `/fc/<function>/<path>` reaches `<function>` with
 * `rawPath` `/<path>`. Only functions with an `http` trigger in s.yaml answer.
 * `authType: function` triggers take only signed calls, as in the cloud
 * (see http-trigger-auth.ts); `anonymous` ones take anyone.
 */
export function createHttpTriggerRoute(options: {
  runtime: FunctionRuntime;
  accountId: string;
  clock: Clock;
  secrets: SecretLookup;
}): HttpRoute {
  const { runtime, secrets } = options;
  return {
    name: 'fc-http-trigger',
    matches: (_req, url) => url.pathname.startsWith(HTTP_TRIGGER_PREFIX),
    async handle(req, res, url) {
      // The function comes from the parsed path, the one the signature check
      // reads too: a signed call cannot be steered to another function with
      // dot segments.
      const rest = url.pathname.slice(HTTP_TRIGGER_PREFIX.length);
      const slash = rest.indexOf('/');
      const segment = slash < 0 ? rest : rest.slice(0, slash);
      const requestId = newFcRequestId(options.clock.now());
      const fnName = decodePath(segment);
      if (fnName === undefined) return badEncoding(res, requestId, url.pathname, apiError);
      // FC's rawPath is the rest of the path as sent (escapes and dot segments
      // kept), so the sent path must name the function the same way.
      const sent = rawRequestPath(req.url ?? '');
      const sentPrefix = `${HTTP_TRIGGER_PREFIX}${segment}`;
      if (sent !== sentPrefix && !sent.startsWith(`${sentPrefix}/`)) {
        return apiError(
          res,
          requestId,
          400,
          'InvalidArgument',
          `the path must start with ${sentPrefix}/ as sent (no dot segments or escapes before the function's path)`,
        );
      }
      const rawPath = sent.slice(sentPrefix.length) || '/';
      const overLimit = requestOverLimits(req, sentPrefix.length);
      if (overLimit) return apiError(res, requestId, 400, 'InvalidArgument', overLimit);
      const fn = runtime.list().find((f) => f.name === fnName);
      const trigger = fn?.triggers.find((t) => t.kind === 'http');
      if (!fn || !trigger || trigger.kind !== 'http') {
        return apiError(res, requestId, 404, 'TriggerNotFound', `no HTTP trigger for '${fnName}'`);
      }
      const method = (req.method ?? 'GET').toUpperCase();
      if (trigger.methods.length > 0 && !trigger.methods.some((m) => m.toUpperCase() === method)) {
        // RFC 9110: a 405 names the methods that are allowed.
        res.setHeader('allow', trigger.methods.map((m) => m.toUpperCase()).join(', '));
        return apiError(res, requestId, 405, 'MethodNotAllowed', `${method} is not allowed`);
      }
      const signed = trigger.authType !== 'anonymous';
      // An unsigned call is refused before its body (up to 32 MB) is read.
      const unsigned = signed ? triggerPrecheck(req, url, secrets) : undefined;
      if (unsigned)
        return apiError(res, requestId, unsigned.status, unsigned.code, unsigned.message);
      const async = isAsync(req);
      const body = await readFcBody(req, res, requestId, invokeBodyLimit(req), triggerLimitError);
      if (!body) return;
      if (signed) {
        const rejection = checkTriggerBody({ req, url, body, secretFor: secrets });
        if (rejection) {
          return apiError(res, requestId, rejection.status, rejection.code, rejection.message);
        }
      }
      const event = buildHttpTriggerEvent({
        req,
        url,
        rawPath,
        body,
        accountId: options.accountId,
        functionName: fnName,
        requestId,
        nowMs: options.clock.now(),
      });
      const qualified = trigger.qualifier ? { qualifier: trigger.qualifier } : {};
      if (async) {
        // FC's async HTTP call: stored before the 202 (a stop or a crash does not
        // lose it), then run in the background with the async retries.
        runtime.invokeAsync(fnName, Buffer.from(JSON.stringify(event), 'utf8'), {
          requestId,
          ...qualified,
        });
        res.writeHead(202, { 'x-fc-request-id': requestId, 'content-length': '0' }).end();
        return;
      }
      const outcome = await runtime.invoke(fnName, JSON.stringify(event), {
        requestId,
        ...qualified,
      });
      writeHttpTriggerResponse(res, outcome);
    },
  };
}

/**
 * Why the request is over FC's trigger limits, or undefined. The target is
 * measured as FC sees it: without the local `/fc/<function>` prefix.
 */
function requestOverLimits(req: IncomingMessage, prefixLength: number): string | undefined {
  const target = Buffer.byteLength(req.url ?? '') - prefixLength;
  if (target > TRIGGER_TARGET_LIMIT) {
    return `the request path and query are ${target} bytes, over FC's ${TRIGGER_TARGET_LIMIT} (4 KB) for an HTTP trigger`;
  }
  let headerBytes = 0;
  const raw = req.rawHeaders;
  // As on the wire: `name: value` and CRLF.
  for (let i = 0; i + 1 < raw.length; i += 2) {
    headerBytes += Buffer.byteLength(raw[i]!) + Buffer.byteLength(raw[i + 1]!) + 4;
  }
  if (headerBytes > TRIGGER_HEADERS_LIMIT) {
    return `the request headers are ${headerBytes} bytes, over FC's ${TRIGGER_HEADERS_LIMIT} (8 KB) for an HTTP trigger`;
  }
  return undefined;
}

/** The request target's path as the client sent it, without the query. */
function rawRequestPath(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

const TEXT_TYPES = [
  /^text\//,
  /^application\/[^;]*json/,
  /^application\/[^;]*xml/,
  /^application\/x-www-form-urlencoded/,
  /^image\/svg\+xml/,
];

/**
 * Builds the request struct. A binary body (by content type, or bytes that are
 * not UTF-8 whatever the type says) is base64, so no byte is lost.
 */
export function buildHttpTriggerEvent(options: {
  req: IncomingMessage;
  url: URL;
  rawPath: string;
  body: Buffer;
  accountId: string;
  functionName: string;
  requestId: string;
  nowMs: number;
}): HttpTriggerEvent {
  const { req, url, body } = options;
  // One string per name; a repeated header's values joined with ',' as FC does
  // (Node's req.headers would join most of them with ', ').
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headersDistinct)) {
    if (v !== undefined) headers[k] = v.join(',');
  }
  const queryParameters: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    queryParameters[k] = k in queryParameters ? `${queryParameters[k]},${v}` : v;
  }
  const contentType = (headers['content-type'] ?? '').toLowerCase();
  const textType = contentType === '' || TEXT_TYPES.some((r) => r.test(contentType));
  const binary = body.length > 0 && (!textType || !isUtf8(body));
  const now = new Date(options.nowMs);
  const prefix = `${options.functionName}-local`;
  return {
    version: 'v1',
    rawPath: options.rawPath,
    headers,
    queryParameters,
    body: binary ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: binary,
    requestContext: {
      accountId: options.accountId,
      domainName: `${prefix}.${headers.host ?? 'localhost'}`,
      domainPrefix: prefix,
      http: {
        method: (req.method ?? 'GET').toUpperCase(),
        path: decodePath(options.rawPath) ?? options.rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: options.requestId,
      time: `${now.toISOString().slice(0, 19)}Z`,
      timeEpoch: String(options.nowMs),
    },
  };
}

/**
 * Maps the handler's result back: a JSON object with a numeric `statusCode` is the
 * response struct (a non-string `body` is JSON-encoded); anything else is a 200
 * with the bytes as the body. A function error answers 502 with FC's error JSON.
 */
export function writeHttpTriggerResponse(res: ServerResponse, outcome: InvokeOutcome): void {
  if (!outcome.ok) {
    writeFunctionError(res, outcome.requestId, outcome.kind, outcome.error);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(outcome.body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    parsed &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed) &&
    typeof (parsed as { statusCode?: unknown }).statusCode === 'number'
  ) {
    const r = parsed as {
      statusCode: number;
      headers?: Record<string, string>;
      body?: unknown;
      isBase64Encoded?: boolean;
    };
    const raw = r.body === undefined || r.body === null ? '' : r.body;
    const bytes =
      typeof raw === 'string'
        ? Buffer.from(raw, r.isBase64Encoded ? 'base64' : 'utf8')
        : Buffer.from(JSON.stringify(raw), 'utf8');
    const checked = responseHeaders(r.statusCode, r.headers);
    if (typeof checked === 'string') {
      writeFunctionError(res, outcome.requestId, 'UnhandledInvocationError', {
        errorMessage: `the function returned an invalid HTTP response: ${checked}`,
        errorType: 'InvalidResponse',
      });
      return;
    }
    // RFC 9110 §15.3.5, §15.4.5: a 204 or a 304 has no content, so no
    // Content-Length either (Node drops their body but would send the header).
    if (r.statusCode === 204 || r.statusCode === 304) {
      res.writeHead(r.statusCode, { ...checked, 'x-fc-request-id': outcome.requestId }).end();
      return;
    }
    res
      .writeHead(r.statusCode, {
        ...checked,
        'content-length': bytes.length,
        'x-fc-request-id': outcome.requestId,
      })
      .end(bytes);
    return;
  }
  res
    .writeHead(200, {
      'content-type': 'application/octet-stream',
      'x-fc-request-id': outcome.requestId,
    })
    .end(outcome.body);
}

/** A function failure as FC answers an HTTP trigger: 502 with the error JSON. */
function writeFunctionError(
  res: ServerResponse,
  requestId: string,
  kind: string,
  error: unknown,
): void {
  res
    .writeHead(502, {
      'content-type': 'application/json',
      'x-fc-request-id': requestId,
      'x-fc-error-type': kind,
    })
    .end(JSON.stringify(error));
}

/**
 * Headers that frame the connection, not the response: FC builds the framing
 * itself, so a function's own (a wrong Content-Length would cut the body or
 * smuggle a second response into a keep-alive connection) are dropped.
 */
const FRAMING_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
]);

/**
 * The response struct's headers as Node can send them (a null value dropped, an
 * array kept for repeated headers, framing headers dropped), or why they cannot
 * be sent: a status outside 200-599, a bad header name or a value with CR/LF
 * would make Node throw after the function's side effects, leaving a bare 500.
 * A 1xx is an interim response: sent as the answer it would leave the caller
 * waiting for a final one that never comes.
 */
function responseHeaders(
  status: number,
  headers: Record<string, unknown> | undefined,
): Record<string, string | string[]> | string {
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    return `statusCode ${status} is not an HTTP status (100-599)`;
  }
  if (status < 200) {
    return `statusCode ${status} is an interim (1xx) response, not a final one (200-599)`;
  }
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === null || value === undefined) continue;
    if (FRAMING_HEADERS.has(name.toLowerCase())) continue;
    const v = Array.isArray(value) ? value.map(String) : String(value);
    try {
      validateHeaderName(name);
      for (const one of Array.isArray(v) ? v : [v]) validateHeaderValue(name, one);
    } catch (err) {
      return `header ${JSON.stringify(name)}: ${(err as Error).message}`;
    }
    out[name] = v;
  }
  return out;
}
