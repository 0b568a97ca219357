import { createHash, randomBytes } from 'node:crypto';
import type { AccessKey } from '../credentials';
import { acs3Signature } from '../fc/acs3-signature';

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
  const signature = acs3Signature({
    secret: key.accessKeySecret,
    method: options.method,
    path: url.pathname,
    query: url.searchParams.entries(),
    signedHeaders: names.map((n) => [n, signed.get(n) ?? ''] as const),
    payloadHash: contentHash,
  });
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${key.accessKeyId},SignedHeaders=${names.join(';')},Signature=${signature}`;
  return headers;
}
