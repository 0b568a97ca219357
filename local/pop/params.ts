import type { IncomingMessage } from 'node:http';
import { readBody } from '../http/route';

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
    // Past the limit readBody throws BodyTooLargeError, which the route answers as EntityTooLarge.
    const body = await readBody(req, POP_REQUEST_LIMIT);
    const type = String(req.headers['content-type'] ?? '');
    if (body.length > 0 && (type.includes('x-www-form-urlencoded') || type === '')) {
      form = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    }
  }
  return { method: req.method ?? 'GET', query, form, params: { ...query, ...form } };
}
