// Signs a request the way FC 3.0 HTTP triggers expect (ACS3-HMAC-SHA256, the
// Alibaba Cloud SDK scheme), written out by hand so the local verifier is tested
// against an independent implementation rather than against itself.
import { createHash, createHmac, randomBytes } from 'node:crypto';

export interface SignOptions {
  method: string;
  url: string | URL;
  headers?: Record<string, string>;
  body?: string | Buffer;
  accessKeyId: string;
  accessKeySecret: string;
  /** Defaults to now. */
  date?: Date;
}

/** RFC 3986 with `!'()*` escaped too. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Returns the headers to send: the given ones plus `x-acs-date`,
 * `x-acs-signature-nonce`, `x-acs-content-sha256` and `authorization`. The
 * signed headers are `host` (as fetch will send it), `content-type` when given,
 * and every `x-acs-*` header.
 */
export function signAcs3(options: SignOptions): Record<string, string> {
  const url = new URL(options.url);
  const body = options.body ?? '';
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
  headers['x-acs-date'] = `${(options.date ?? new Date()).toISOString().slice(0, 19)}Z`;
  headers['x-acs-signature-nonce'] = randomBytes(16).toString('hex');
  headers['x-acs-content-sha256'] = payloadHash;
  const toSign: Record<string, string> = { host: url.host };
  for (const [k, v] of Object.entries(headers)) {
    if (k === 'content-type' || k.startsWith('x-acs-')) toSign[k] = v.trim();
  }
  const names = Object.keys(toSign).sort();
  const canonicalHeaders = names.map((k) => `${k}:${toSign[k]}\n`).join('');
  const query = [...url.searchParams.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .join('&');
  const canonicalRequest = [
    options.method.toUpperCase(),
    url.pathname,
    query,
    canonicalHeaders,
    names.join(';'),
    payloadHash,
  ].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  const signature = createHmac('sha256', options.accessKeySecret)
    .update(stringToSign)
    .digest('hex');
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${options.accessKeyId},SignedHeaders=${names.join(';')},Signature=${signature}`;
  return headers;
}
