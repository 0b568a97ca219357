/**
 * Errors of the Serverless Workflow (FnF) API as the flow client sees them.
 * pop-core throws `err.code = <Code>` for API errors and httpx throws
 * `RequestTimeoutError` / socket errors for network trouble.
 */

import { selfDescribed } from './self-described';

/** API codes worth retrying: throttling, server trouble, and "please retry" races. */
const RETRYABLE_CODES = new Set([
  'ResourceThrottled',
  'Throttling',
  'Throttling.User',
  'Throttling.Api',
  'ServiceUnavailable',
  'InternalServerError',
  'InternalError',
  'TaskInvalidState',
  'ConcurrentUpdateError',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

/** True for a Node socket error code (refused, reset, timed out, DNS): a network failure worth retrying. */
export function isNetworkErrorCode(code: string): boolean {
  return NETWORK_CODES.has(code);
}

/** Any failure of a flow API call, with the cloud's code when there is one. */
export class FlowError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  /** HTTP status when the service answered. */
  readonly status?: number;
  readonly requestId?: string;
  constructor(options: {
    code: string;
    message: string;
    retryable: boolean;
    status?: number;
    requestId?: string;
    cause?: unknown;
  }) {
    super(options.message, { cause: options.cause });
    this.name = 'FlowError';
    this.code = options.code;
    this.retryable = options.retryable;
    if (options.status !== undefined) this.status = options.status;
    if (options.requestId !== undefined) this.requestId = options.requestId;
  }
}

interface PopErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  data?: { RequestId?: unknown; Message?: unknown };
  entry?: { response?: { statusCode?: unknown } };
}

/**
 * A service or network error's text without what it quotes of the request: a
 * SignatureDoesNotMatch message ends with the server's string to sign (every
 * parameter, the task token and STS SecurityToken among them), and httpx names
 * a GET's whole URL (the same parameters in its query). Error texts are logged.
 */
function withoutRequestText(text: string): string {
  return text
    .replace(/\s*server string to sign is:[\s\S]*$/i, ' (the string to sign is not shown)')
    .replace(/(https?:\/\/[^\s?]*)\?[^\s]*/g, '$1?…');
}

/** Turns whatever pop-core/httpx threw into a FlowError (never loses the original). */
export function toFlowError(err: unknown, action: string): FlowError {
  if (err instanceof FlowError) return err;
  // An error that says its own code and whether to retry (queueflow's own, such
  // as CredentialsUnavailable from a credential source) is taken at its word.
  const own = selfDescribed(err);
  if (own) return new FlowError({ ...own, message: `${action}: ${own.message}`, cause: err });
  const e = (err ?? {}) as PopErrorShape;
  const status =
    typeof e.entry?.response?.statusCode === 'number' ? e.entry.response.statusCode : undefined;
  if (typeof e.code === 'string' && e.data) {
    const code = e.code;
    const message = withoutRequestText(
      typeof e.data.Message === 'string' ? e.data.Message : String(e.message),
    );
    return new FlowError({
      code,
      message: `${action}: ${code}: ${message}`,
      retryable: RETRYABLE_CODES.has(code) || code.startsWith('Throttling') || (status ?? 0) >= 500,
      ...(status !== undefined ? { status } : {}),
      ...(typeof e.data.RequestId === 'string' ? { requestId: e.data.RequestId } : {}),
      cause: err,
    });
  }
  const name = typeof e.name === 'string' ? e.name : '';
  const message = withoutRequestText(typeof e.message === 'string' ? e.message : String(err));
  if (name === 'SyntaxError') {
    // A non-JSON body: a proxy or load balancer error page, i.e. a 5xx in practice.
    return new FlowError({
      code: 'InvalidResponse',
      message: `${action}: the service answered with a body that is not JSON`,
      retryable: true,
      cause: err,
    });
  }
  if (
    name.startsWith('RequestTimeout') ||
    (typeof e.code === 'string' && NETWORK_CODES.has(e.code))
  ) {
    return new FlowError({
      code: 'NetworkError',
      message: `${action}: ${message}`,
      retryable: true,
      cause: err,
    });
  }
  return new FlowError({
    code: 'Unknown',
    message: `${action}: ${message}`,
    retryable: false,
    cause: err,
  });
}

/** True for a FlowError marked retryable (network errors are classified retryable by toFlowError). */
export function isRetryableFlowError(err: unknown): boolean {
  return err instanceof FlowError && err.retryable;
}
