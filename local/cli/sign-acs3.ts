import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { AccessKey } from '../credentials';

/** RFC 3986 with `!'()*` escaped too, as the Alibaba Cloud SDKs encode query parts. */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The headers that sign an HTTP-trigger call with ACS3-HMAC-SHA256 (what FC 3.0
 * checks for `authType: function`): the given headers, lower-cased, plus
 * x-acs-date, x-acs-signature-nonce, x-acs-content-sha256 and authorization.
 * Signed: host (fetch sends the URL's host), content-type when present and every
 * x-acs-* header; the path is signed as sent, so the URL must not be rewritten
 * afterwards. A trigger with authType anonymous ignores all of it.
 */
export function signTriggerRequest(options: {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
  key: AccessKey;
  now?: Date;
}): Record<string, string> {
  const { url, body, key } = options;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.headers)) headers[k.toLowerCase()] = v;
  const contentHash = sha256Hex(body);
  headers['x-acs-date'] = `${(options.now ?? new Date()).toISOString().slice(0, 19)}Z`;
  headers['x-acs-signature-nonce'] = randomBytes(16).toString('hex');
  headers['x-acs-content-sha256'] = contentHash;

  const signed = new Map<string, string>([['host', url.host]]);
  for (const [k, v] of Object.entries(headers)) {
    if (k === 'content-type' || k.startsWith('x-acs-')) signed.set(k, v.trim());
  }
  const names = [...signed.keys()].sort();
  const query = [...url.searchParams.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');
  const canonical = [
    options.method.toUpperCase(),
    url.pathname,
    query,
    names.map((n) => `${n}:${signed.get(n)}\n`).join(''),
    names.join(';'),
    contentHash,
  ].join('\n');
  const signature = createHmac('sha256', key.accessKeySecret)
    .update(`ACS3-HMAC-SHA256\n${sha256Hex(canonical)}`)
    .digest('hex');
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${key.accessKeyId},SignedHeaders=${names.join(';')},Signature=${signature}`;
  return headers;
}
