import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, type HttpRoute, RequestAbortedError } from '../http/route';
import { createRequestIdFactory } from '../ids';
import type { Logger } from '../log';
import { PopError, popErrors } from './errors';
import { POP_REQUEST_LIMIT, readPopRequest } from './params';
import type { PopVerifier } from './verify';

/** What an action may ask of its call besides the parameters. */
export interface PopCall {
  /** Aborts when the caller hangs up before its answer (made on first use). */
  readonly signal: AbortSignal;
}

/** One action's handler: the merged parameters in, the JSON body (without RequestId) out. */
export type PopAction = (
  params: Record<string, string>,
  call: PopCall,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** A POP RPC product served on `/` (FnF here; reusable for others). */
export interface PopRouteOptions {
  name: string;
  /** API version this product answers, e.g. `2019-03-15`. */
  version: string;
  /** `HostId` in error bodies, e.g. `fnf.cn-hangzhou.aliyuncs.com`. */
  hostId: string;
  actions: Readonly<Record<string, PopAction>>;
  verifier: PopVerifier;
  logger: Logger;
}

/**
 * A route for POP RPC calls: `/` with an `x-acs-action` header or an `Action`
 * query parameter (a header-less POST to `/` with a form body is taken too).
 */
export function createPopRoute(options: PopRouteOptions): HttpRoute {
  const { actions, verifier, logger } = options;
  const newRequestId = createRequestIdFactory();
  return {
    name: options.name,
    matches(req, url) {
      // A wrong Version is still taken here, to answer APIVersionNotSupported in POP's shape.
      if (url.pathname !== '/') return false;
      if (req.headers['x-acs-action'] || url.searchParams.has('Action')) return true;
      return (
        req.method === 'POST' &&
        String(req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')
      );
    },
    async handle(req, res, url) {
      const requestId = newRequestId();
      try {
        const request = await readPopRequest(req, url);
        verifier.verify(request);
        const { params } = request;
        if (params.Version !== options.version) {
          throw popErrors.versionNotSupported(params.Version ?? '');
        }
        const actionName = params.Action ?? '';
        const action = Object.hasOwn(actions, actionName) ? actions[actionName] : undefined;
        if (!action) throw popErrors.actionNotSupported(actionName);
        const body = await action(params, callOf(req, res));
        // pop-core treats any `Code` key as an error, so a success body never has one.
        const { Code: _dropped, ...rest } = body;
        send(res, 200, { ...rest, RequestId: requestId });
      } catch (err) {
        // The caller hung up mid-body: nobody is left to answer, and it is no server fault.
        if (err instanceof RequestAbortedError) return;
        const e = toPopError(err);
        if (e.status >= 500) logger.error('pop action failed', { error: String(err) });
        send(res, e.status, {
          RequestId: requestId,
          HostId: options.hostId,
          Code: e.code,
          Message: e.message,
        });
      }
    },
  };
}

/** The call's hang-up signal, made only for the actions that read it (the long polls). */
function callOf(req: IncomingMessage, res: ServerResponse): PopCall {
  let controller: AbortController | undefined;
  return {
    get signal() {
      if (!controller) {
        const c = new AbortController();
        controller = c;
        if (res.destroyed || req.socket.destroyed) c.abort();
        else {
          res.once('close', () => {
            if (!res.writableEnded) c.abort();
          });
        }
      }
      return controller.signal;
    },
  };
}

function toPopError(err: unknown): PopError {
  if (err instanceof PopError) return err;
  if (err instanceof BodyTooLargeError) return popErrors.entityTooLarge(POP_REQUEST_LIMIT);
  if (
    err &&
    typeof err === 'object' &&
    typeof (err as { code?: unknown }).code === 'string' &&
    typeof (err as { status?: unknown }).status === 'number'
  ) {
    const e = err as { code: string; status: number; message?: string };
    return new PopError(e.code, e.status, e.message ?? e.code);
  }
  return popErrors.internal(err);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  // A flat header list: writeHead skips the per-name bookkeeping of an object.
  res.writeHead(status, [
    'content-type',
    'application/json;charset=utf-8',
    'content-length',
    Buffer.byteLength(text),
  ]);
  res.end(text);
}
