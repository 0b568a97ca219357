import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  compareSignatures,
  malformedAuthorization,
  type SignatureRejection,
  unknownAccessKey,
} from './signature-rejection';

/** RFC 3986 encoding with `!'()*` escaped, as the Alibaba Cloud SDKs encode. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The ACS3-HMAC-SHA256 signature (hex) of a request: method, path as sent,
 * the query sorted and RFC 3986 encoded, the signed headers (names lower-case,
 * `name:value` lines in `signedHeaders` order, which must be sorted), the
 * header list and the body's SHA-256. Signers and the checker share it.
 */
export function acs3Signature(options: {
  secret: string;
  method: string;
  path: string;
  query: Iterable<[string, string]>;
  signedHeaders: ReadonlyArray<readonly [string, string]>;
  payloadHash: string;
  /** Leave query keys unencoded, as @alicloud/openapi-util's getAuthorization does. */
  rawKeys?: boolean;
}): string {
  const canonicalQuery = [...options.query]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${options.rawKeys ? k : encode(k)}=${encode(v)}`)
    .join('&');
  const canonicalRequest = [
    options.method.toUpperCase(),
    options.path,
    canonicalQuery,
    options.signedHeaders.map(([k, v]) => `${k}:${v}\n`).join(''),
    options.signedHeaders.map(([k]) => k).join(';'),
    options.payloadHash,
  ].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  return createHmac('sha256', options.secret).update(stringToSign).digest('hex');
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).trim();
}

const ACS3_AUTHORIZATION =
  /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]*),Signature=([0-9a-f]+)$/;

/**
 * What can be checked before the body is read: an Authorization header of the
 * ACS3 shape with a known AccessKey. An unsigned request is refused without
 * its body (up to 32 MB) being read, as FC refuses it without work.
 */
export function acs3Precheck(
  headers: IncomingHttpHeaders,
  secretFor: (accessKeyId: string) => string | undefined,
): SignatureRejection | undefined {
  const m = ACS3_AUTHORIZATION.exec(header(headers, 'authorization'));
  if (!m) return malformedAuthorization();
  return secretFor(m[1]!) === undefined ? unknownAccessKey(m[1]!) : undefined;
}

/**
 * Checks `Authorization: ACS3-HMAC-SHA256 Credential=<ak>,SignedHeaders=<h;..>,Signature=<hex>`
 * (what @alicloud/openapi-core signs FC 3.0 calls with): the canonical request
 * is method, raw path, sorted query, the signed headers, the header list and
 * the body hash, and the body must match `x-acs-content-sha256`.
 */
export function checkAcs3Signature(options: {
  method: string;
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  secretFor: (accessKeyId: string) => string | undefined;
  /**
   * The SDK always sends `x-acs-content-sha256`; FC's HTTP-trigger docs list only
   * `x-acs-date` as required, so a trigger lets it be absent and then signs the
   * body's hash in its place (the body stays covered either way).
   */
  contentHashHeader?: 'required' | 'optional';
}): SignatureRejection | undefined {
  const auth = header(options.headers, 'authorization');
  const m = ACS3_AUTHORIZATION.exec(auth);
  if (!m) return malformedAuthorization();
  const secret = options.secretFor(m[1]!);
  if (secret === undefined) return unknownAccessKey(m[1]!);
  const payloadHash = createHash('sha256').update(options.body).digest('hex');
  const sentHash = header(options.headers, 'x-acs-content-sha256');
  const hashMayBeAbsent = options.contentHashHeader === 'optional' && sentHash === '';
  if (!hashMayBeAbsent && sentHash !== payloadHash) {
    return {
      status: 403,
      code: 'SignatureNotMatch',
      message: 'x-acs-content-sha256 does not match the body',
    };
  }
  const signed = m[2]!.split(';').filter(Boolean);
  const query = [...options.query.entries()];
  const request = {
    secret,
    method: options.method,
    path: options.rawPath,
    query,
    signedHeaders: signed.map((h) => [h, header(options.headers, h)] as const),
    payloadHash,
  };
  const rejection = compareSignatures(acs3Signature(request), m[3]!);
  // The SDK encodes query keys; @alicloud/openapi-util, which FC's docs give for
  // signing trigger calls, does not. The two differ only for a key that needs encoding.
  if (rejection && query.some(([k]) => encode(k) !== k)) {
    if (!compareSignatures(acs3Signature({ ...request, rawKeys: true }), m[3]!)) return undefined;
  }
  return rejection;
}
