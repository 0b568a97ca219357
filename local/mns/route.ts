import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, type HttpRoute, readBody } from '../http/route';
import { createRequestIdFactory } from '../ids';
import type { StackContext } from '../stack';
import { MnsError } from './errors';
import type { MnsRequest } from './http-context';
import { parseQuery, replyError } from './http-io';
import { changeVisibility, deleteMessages, getMessages, postMessages } from './http-messages';
import { deleteQueue, getQueue, listQueues, putQueue, queueNameFrom } from './http-queues';
import type { QueueServiceInternals } from './service';
import { verifyContentMd5, verifyMnsRequest } from './signature';
import type { QueueService } from './types';

/** Requests larger than this are refused before parsing (a 16-message batch of 64 KB bodies fits). */
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

/** The MNS queue REST API (2015-06-06) on the stack's port: everything under `/queues`. */
export function createMnsRoute(deps: {
  service: QueueService & QueueServiceInternals;
  ctx: StackContext;
}): HttpRoute {
  const { service, ctx } = deps;
  const log = ctx.logger.child('mns-http');
  const newRequestId = createRequestIdFactory();
  return {
    name: 'mns',
    matches: (_req, url) => url.pathname === '/queues' || url.pathname.startsWith('/queues/'),
    async handle(req: IncomingMessage, res: ServerResponse, url: URL) {
      const requestId = newRequestId();
      try {
        const raw = await readBody(
          req,
          ctx.relaxLimits ? 64 * MAX_REQUEST_BYTES : MAX_REQUEST_BYTES,
        );
        verifyMnsRequest(req, ctx.secrets);
        verifyContentMd5(req, raw);
        // XML is UTF-8 here: other bytes would be replaced, silently changing the body.
        if (raw.length > 0 && !isUtf8(raw)) {
          throw new MnsError(
            'MalformedXML',
            `The request body is not valid UTF-8 (at byte ${firstBadUtf8Byte(raw)}).`,
          );
        }
        const r: MnsRequest = {
          req,
          res,
          requestId,
          body: raw.toString('utf8'),
          query: parseQuery(req.url ?? '/'),
          base: `http://${req.headers.host ?? '127.0.0.1'}`,
          service,
          ctx,
        };
        await dispatch(r, url.pathname);
      } catch (err) {
        if (res.headersSent || res.destroyed) return;
        if (err instanceof MnsError) {
          replyError(req, res, requestId, err);
          return;
        }
        if (err instanceof BodyTooLargeError) {
          const tooLarge = new MnsError(
            'InvalidArgument',
            `The request body exceeds ${err.limit} bytes.`,
          );
          replyError(req, res, requestId, tooLarge);
          return;
        }
        log.error('unexpected error', { requestId, error: String(err) });
        replyError(req, res, requestId, new MnsError('InternalError', undefined, { cause: err }));
      }
    },
  };
}

async function dispatch(r: MnsRequest, path: string): Promise<void> {
  const method = r.req.method ?? 'GET';
  // A leading and a trailing slash are fine; an empty segment inside is not
  // (`PUT /queues//messages` must not create a queue named "messages").
  const parts = path.replace(/^\/+/, '').replace(/\/$/, '').split('/');
  if (parts.includes('')) {
    throw new MnsError('InvalidRequestURL', `${method} ${path} is not an MNS queue operation.`);
  }
  if (parts.length === 1 && method === 'GET') return listQueues(r);
  const name = parts[1] === undefined ? '' : queueNameFrom(parts[1]);
  if (parts.length === 2) {
    if (method === 'PUT') return putQueue(r, name);
    if (method === 'GET') return getQueue(r, name);
    if (method === 'DELETE') return deleteQueue(r, name);
  }
  if (parts.length === 3 && parts[2] === 'messages') {
    if (method === 'POST') return postMessages(r, name);
    if (method === 'GET') return getMessages(r, name);
    if (method === 'DELETE') return deleteMessages(r, name);
    if (method === 'PUT') return changeVisibility(r, name);
  }
  throw new MnsError('InvalidRequestURL', `${method} ${path} is not an MNS queue operation.`);
}

/** The offset of the first byte that breaks UTF-8 (for the error message). */
function firstBadUtf8Byte(raw: Buffer): number {
  // The longest prefix that decodes (a cut inside a character is fine in a
  // stream); the byte after it is the first bad one (0-based).
  let lo = 0;
  let hi = raw.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(raw.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo;
}
