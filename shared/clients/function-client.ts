// Kept apart from createDeps on purpose: @alicloud/fc2 pulls in ali-oss, axios
// and ws, which would bloat every function bundle that only needs FnF.

import FcClient from '@alicloud/fc2';
import {
  type Credentials,
  type InvocationIdentity,
  type QueueflowConfig,
  resolveTarget,
  serviceEndpoints,
} from './config';
import { type CredentialSource, clientForCredentials } from './credential-source';
import { isNetworkErrorCode } from './flow-errors';
import { selfDescribed } from './self-described';

/** A failed invoke: an API error (code from ErrorCode) or a function error (x-fc-error-type). */
export class FunctionError extends Error {
  /** The API ErrorCode, or the x-fc-error-type value for function errors. */
  readonly code: string;
  readonly retryable: boolean;
  /** For function errors: the function's own errorType (the thrown error's name). */
  readonly errorType?: string;
  constructor(options: {
    code: string;
    message: string;
    retryable: boolean;
    errorType?: string;
    cause?: unknown;
  }) {
    super(options.message, { cause: options.cause });
    this.name = 'FunctionError';
    this.code = options.code;
    this.retryable = options.retryable;
    if (options.errorType !== undefined) this.errorType = options.errorType;
  }
}

/** The typed FC invoke client. */
export interface FunctionClient {
  /** Synchronous invoke: resolves with the function's result text; throws FunctionError. */
  invoke(options: { functionName: string; payload: unknown; qualifier?: string }): Promise<string>;
  /** Asynchronous invoke: resolves once FC accepted the event (202). */
  invokeAsync(options: {
    functionName: string;
    payload: unknown;
    qualifier?: string;
  }): Promise<void>;
}

/** How to build a function client. */
export interface FunctionClientOptions {
  accountId: string;
  region: string;
  /** Fixed credentials, or a source asked before each call (an ECS RAM role's STS token). */
  credentials: Credentials | CredentialSource;
  /** Local stack endpoint; absent in the cloud (fc2 derives `{account}.{region}.fc.aliyuncs.com`). */
  endpoint?: string;
  /** FC 2.0 service that fronts FC 3.0 functions (default `default`). */
  service?: string;
  timeoutMs?: number;
}

const RETRYABLE_API = new Set(['ResourceExhausted', 'ResourceThrottled', 'InternalServerError']);

function payloadText(payload: unknown): string | Buffer {
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) return payload;
  return JSON.stringify(payload ?? {});
}

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/**
 * A typed FC invoke client over @alicloud/fc2 that turns function errors
 * (HTTP 200 with x-fc-error-type, which fc2 does not throw for) into FunctionError.
 * @example const fc = createFunctionClient({ accountId, region, credentials });
 *          const text = await fc.invoke({ functionName: 'start-flow', payload: { input: {} } });
 */
export function createFunctionClient(options: FunctionClientOptions): FunctionClient {
  const build = (c: Credentials) =>
    new FcClient(options.accountId, {
      accessKeyID: c.accessKeyId,
      accessKeySecret: c.accessKeySecret,
      ...(c.securityToken ? { securityToken: c.securityToken } : {}),
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : { secure: true }),
      timeout: options.timeoutMs ?? 60_000,
    });
  const sdk = clientForCredentials(options.credentials, build);
  const service = options.service ?? 'default';

  async function send(
    functionName: string,
    payload: unknown,
    headers: Record<string, string>,
    qualifier?: string,
  ): Promise<{ headers: Record<string, string | undefined>; data: unknown }> {
    try {
      return await (await sdk()).invokeFunction(
        service,
        functionName,
        payloadText(payload),
        headers,
        qualifier,
      );
    } catch (err) {
      // An error that says its own code and whether to retry (CredentialsUnavailable
      // from a credential source, say) is taken at its word.
      const own = selfDescribed(err);
      if (own) {
        throw new FunctionError({
          ...own,
          message: `InvokeFunction ${functionName}: ${own.message}`,
          cause: err,
        });
      }
      const e = (err ?? {}) as { code?: unknown; message?: unknown; name?: unknown };
      // fc2 passes Node's socket error codes through: those are network failures.
      const raw = typeof e.code === 'string' ? e.code : undefined;
      const code = raw === undefined || isNetworkErrorCode(raw) ? 'NetworkError' : raw;
      throw new FunctionError({
        code,
        message: `InvokeFunction ${functionName}: ${String(e.message ?? err)}`,
        retryable: RETRYABLE_API.has(code) || code === 'NetworkError',
        cause: err,
      });
    }
  }

  return {
    async invoke({ functionName, payload, qualifier }) {
      const res = await send(functionName, payload, { 'x-fc-invocation-type': 'Sync' }, qualifier);
      const errorType = header(res.headers, 'x-fc-error-type');
      const data = res.data;
      if (errorType) {
        const body = (typeof data === 'string' ? safeParse(data) : data) as {
          errorMessage?: unknown;
          errorType?: unknown;
        } | null;
        const fnType = typeof body?.errorType === 'string' ? body.errorType : undefined;
        const msg = typeof body?.errorMessage === 'string' ? body.errorMessage : 'function failed';
        throw new FunctionError({
          code: errorType,
          message: `${functionName} failed: ${fnType ? `${fnType}: ` : ''}${msg}`,
          retryable: false,
          ...(fnType ? { errorType: fnType } : {}),
        });
      }
      if (typeof data === 'string') return data;
      if (Buffer.isBuffer(data)) return data.toString('utf8');
      return JSON.stringify(data);
    },
    async invokeAsync({ functionName, payload, qualifier }) {
      await send(functionName, payload, { 'x-fc-invocation-type': 'Async' }, qualifier);
    },
  };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * The function client for a config, resolved as createDeps resolves the others
 * (the FC context's STS credentials win; the local stack when QUEUEFLOW_ENDPOINT
 * is set), in the FC 2.0 service QUEUEFLOW_FC_SERVICE names (default `default`).
 * @example const fc = functionClientFor(loadConfig(process.env), context);
 */
export function functionClientFor(
  config: QueueflowConfig,
  context?: InvocationIdentity,
  options: { timeoutMs?: number } = {},
): FunctionClient {
  const target = resolveTarget(config, context);
  return createFunctionClient({
    accountId: target.accountId,
    region: target.region,
    credentials: target.credentials,
    // In the cloud fc2 derives {account}.{region}.fc.aliyuncs.com itself (over HTTPS).
    ...(target.endpoint ? { endpoint: serviceEndpoints(target).functions } : {}),
    service: target.fcService,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
}
