import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError } from '../http/route';

/** Parameters of one POP RPC call, from the query string and the form body together. */
export interface PopRequest {
  method: string;
  /** The query parameters alone (signature covers these for GET). */
  query: Record<string, string>;
  /** The form-body parameters alone (signature covers these for POST by pop-core). */
  form: Record<string, string>;
  /** Query and form merged; form wins on a clash. */
  params: Record<string, string>;
}

/** The cloud's request limit for FnF (1024 KiB). */
export const POP_REQUEST_LIMIT = 1024 * 1024;

/**
 * Reads a POP request. pop-core never emits a raw `+` (space is `%20`), but a
 * browser form might, so `+` is read as a space as in any form decoder.
 */
export async function readPopRequest(req: IncomingMessage, url: URL): Promise<PopRequest> {
  const query = Object.fromEntries(url.searchParams);
  let form: Record<string, string> = {};
  if (req.method === 'POST' || req.method === 'PUT') {
    const body = await readFormBody(req, POP_REQUEST_LIMIT);
    const type = String(req.headers['content-type'] ?? '');
    if (body.length > 0 && (type.includes('x-www-form-urlencoded') || type === '')) {
      form = Object.fromEntries(new URLSearchParams(body));
    }
  }
  return { method: req.method ?? 'GET', query, form, params: { ...query, ...form } };
}

/**
 * The body as text. Plain 'data'/'end' listeners: a report's form body is one
 * chunk, and the stream's async iterator costs ~10 µs more per request (measured).
 * Past `limit` the rest is drained unread, so the error answer still reaches the client.
 */
function readFormBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) settle(() => reject(new BodyTooLargeError(limit)));
      else if (!settled) chunks.push(chunk);
    });
    req.once('end', () =>
      settle(() =>
        resolve((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))?.toString('utf8') ?? ''),
      ),
    );
    req.once('error', (err) => settle(() => reject(err)));
    req.once('close', () =>
      settle(() => reject(new Error('request closed before its body ended'))),
    );
  });
}
