import type { IncomingMessage, ServerResponse } from 'node:http';
import { MnsError } from './errors';
import { elements, xmlDocument } from './xml';

/**
 * Query parameters by lower-cased name. The SDKs disagree on case: @alicloud/mns 1.2.0 sends
 * `receiptHandle` for ChangeMessageVisibility, aliyun-mns-python-sdk and aliyun-mns-go-sdk
 * `ReceiptHandle`.
 */
export type Query = Map<string, string>;

/**
 * Parses the raw query: percent-decodes, but never turns `+` into a space,
 * because the Node SDK puts receipt handles in the query unencoded.
 */
export function parseQuery(rawUrl: string): Query {
  const q: Query = new Map();
  const at = rawUrl.indexOf('?');
  if (at < 0) return q;
  for (const part of rawUrl.slice(at + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    try {
      q.set(decodeURIComponent(k).toLowerCase(), decodeURIComponent(v));
    } catch (err) {
      throw new MnsError('InvalidQueryString', undefined, { cause: err });
    }
  }
  return q;
}

/**
 * A `true`/`false` query flag (absent: false). Anything else is refused rather
 * than read as false: `peekonly=TRUE` must not turn a peek into a receive.
 */
export function queryFlag(q: Query, name: string): boolean {
  const v = q.get(name);
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  throw new MnsError(
    'InvalidArgument',
    `The query parameter ${name} must be true or false; got "${v}".`,
  );
}

/**
 * Writes a response with the MNS common headers; XML bodies get the content type the SDK needs.
 * Headers go to writeHead as one flat list (no setHeader bookkeeping), and the
 * `Date` header is left to Node, which formats it once a second, not per response.
 */
export function reply(
  res: ServerResponse,
  requestId: string,
  status: number,
  body?: string,
  headers?: Record<string, string>,
): void {
  const out: Array<string | number> = [
    'x-mns-request-id',
    requestId,
    'x-mns-version',
    '2015-06-06',
  ];
  if (headers) for (const [k, v] of Object.entries(headers)) out.push(k, v);
  if (body !== undefined) {
    // Without text/xml the Node SDK silently ignores the body, errors included (@alicloud/mns
    // 1.2.0 lib/client.js parses only text/xml and application/xml).
    out.push('content-type', 'text/xml;charset=utf-8', 'content-length', Buffer.byteLength(body));
  } else {
    out.push('content-length', 0);
  }
  res.writeHead(status, out);
  res.end(body);
}

/** The cloud's error document: all four children, as the Python SDK requires. */
export function replyError(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  err: MnsError,
): void {
  const host = `http://${req.headers.host ?? 'localhost'}`;
  reply(
    res,
    requestId,
    err.status,
    xmlDocument(
      'Error',
      elements([
        ['Code', err.code],
        ['Message', err.message],
        ['RequestId', requestId],
        ['HostId', host],
      ]),
    ),
  );
}
