// Signs a request with FC's 2016-08-15 scheme (`Authorization: FC <ak>:<sig>`),
// written out by hand from the documented string to sign.
import { createHash, createHmac } from 'node:crypto';
import type { SignOptions } from './acs3-sign';

/**
 * Returns the headers to send: the given ones plus `date`, `content-md5` (the
 * base64 of the hex MD5, as @alicloud/fc2 sends it) and a default
 * `content-type` when there is a body, and
 * `authorization`. The string to sign is method, Content-MD5, Content-Type,
 * Date, the sorted `x-fc-*` headers, then the percent-decoded path.
 */
export function signFc(options: SignOptions): Record<string, string> {
  const url = new URL(options.url);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
  headers.date = (options.date ?? new Date()).toUTCString();
  if (options.body !== undefined && options.body.length > 0) {
    // Content-Type is signed, so set it here rather than let fetch pick one.
    headers['content-type'] ??= 'application/octet-stream';
    const hex = createHash('md5').update(options.body).digest('hex');
    headers['content-md5'] = Buffer.from(hex).toString('base64');
  }
  const fcHeaders = Object.keys(headers)
    .filter((k) => k.startsWith('x-fc-'))
    .sort()
    .map((k) => `${k}:${headers[k]}\n`)
    .join('');
  const stringToSign = [
    options.method.toUpperCase(),
    headers['content-md5'] ?? '',
    headers['content-type'] ?? '',
    headers.date,
    `${fcHeaders}${decodeURIComponent(url.pathname)}`,
  ].join('\n');
  const signature = createHmac('sha256', options.accessKeySecret)
    .update(stringToSign, 'utf8')
    .digest('base64');
  headers.authorization = `FC ${options.accessKeyId}:${signature}`;
  return headers;
}
