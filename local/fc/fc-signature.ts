import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  compareSignatures,
  malformedAuthorization,
  type SignatureRejection,
  unknownAccessKey,
} from './signature-rejection';

/**
 * The FC 2016-08-15 string to sign, as @alicloud/fc2 builds it: method,
 * Content-MD5, Content-Type, Date, every `x-fc-*` header (lower-cased, sorted,
 * `k:v`), then the percent-decoded path without the query.
 */
export function fcStringToSign(method: string, path: string, headers: IncomingHttpHeaders): string {
  const one = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v.join(',') : (v ?? '');
  };
  const fcHeaders = Object.keys(headers)
    .map((k) => k.toLowerCase())
    .filter((k) => k.startsWith('x-fc-'))
    .sort()
    .map((k) => `${k}:${one(k)}\n`)
    .join('');
  return `${method}\n${one('content-md5')}\n${one('content-type')}\n${one('date')}\n${fcHeaders}${path}`;
}

/** `base64(HMAC-SHA256(secret, stringToSign))`. */
export function fcSignature(secret: string, stringToSign: string): string {
  return createHmac('sha256', secret).update(stringToSign, 'utf8').digest('base64');
}

/** Checks `Authorization: FC <ak>:<sig>`; returns undefined when it is valid. */
export function checkFcSignature(options: {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  secretFor: (accessKeyId: string) => string | undefined;
}): SignatureRejection | undefined {
  const auth = options.headers.authorization ?? '';
  const match = /^FC ([^:]+):(.+)$/.exec(auth);
  if (!match) return malformedAuthorization();
  const secret = options.secretFor(match[1]!);
  if (secret === undefined) return unknownAccessKey(match[1]!);
  return compareSignatures(
    fcSignature(secret, fcStringToSign(options.method, options.path, options.headers)),
    match[2]!,
  );
}

/**
 * The FC scheme signs Content-MD5, not the body, so the body is bound to the
 * signature only through this header: a request with a body must carry it
 * (fc2 always does) and it must match. fc2 sends the base64 of the hex digest;
 * RFC 1864's base64 of the raw digest is taken too.
 */
export function checkFcContentMd5(
  header: string | string[] | undefined,
  body: Buffer,
): SignatureRejection | undefined {
  const given = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim();
  if (given === '' && body.length === 0) return undefined;
  if (given === '') {
    return {
      status: 403,
      code: 'AccessDenied',
      message: 'a request with a body signed with the FC scheme needs Content-MD5',
    };
  }
  const digest = createHash('md5').update(body).digest();
  if (
    given === Buffer.from(digest.toString('hex')).toString('base64') ||
    given === digest.toString('base64')
  ) {
    return undefined;
  }
  return { status: 403, code: 'SignatureNotMatch', message: 'Content-MD5 does not match the body' };
}
