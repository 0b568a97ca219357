import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SecretLookup } from '../credentials';
import { checkAcs3Signature } from './acs3-signature';
import { checkFcSignature } from './fc-signature';
import { decodePath } from './invoke-route';
import type { SignatureRejection } from './signature-rejection';

/**
 * The check behind `authType: function`. FC 3.0 signs HTTP-trigger calls with
 * ACS3-HMAC-SHA256 (the SDK scheme); the FC 2.0 `FC <ak>:<sig>` scheme is taken
 * too, so older callers keep working. Both sign the path as the client sent it
 * (`/fc/<function>/<path>` locally), so a signature made for one function or
 * path does not open another.
 *
 * A request with no usable Authorization header gets 403 AccessDenied: FC
 * documents 403 for a missing signature, and AccessDenied is the 403 code of
 * its error table that fits (MissingRequiredHeader is a 400 there).
 */
export function checkTriggerSignature(options: {
  req: IncomingMessage;
  url: URL;
  body: Buffer;
  secretFor: SecretLookup;
}): SignatureRejection | undefined {
  const { req, url, body, secretFor } = options;
  const method = (req.method ?? 'GET').toUpperCase();
  const auth = req.headers.authorization ?? '';
  if (auth.startsWith('ACS3-HMAC-SHA256 ')) {
    // FC's HTTP-trigger docs make x-acs-date a required header.
    const signedHeaders = /SignedHeaders=([^,]*)/.exec(auth)?.[1]?.split(';') ?? [];
    if (!req.headers['x-acs-date'] || !signedHeaders.includes('x-acs-date')) {
      return {
        status: 403,
        code: 'AccessDenied',
        message: 'an ACS3-HMAC-SHA256 signed trigger call must send and sign x-acs-date',
      };
    }
    return checkAcs3Signature({
      method,
      rawPath: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      secretFor,
      contentHashHeader: 'optional',
    });
  }
  if (auth.startsWith('FC ')) {
    return (
      checkFcSignature({
        method,
        path: decodePath(url.pathname) ?? url.pathname,
        headers: req.headers,
        secretFor,
      }) ?? checkContentMd5(req.headers['content-md5'], body)
    );
  }
  return {
    status: 403,
    code: 'AccessDenied',
    message:
      'this HTTP trigger has authType function: sign the request (Authorization: ACS3-HMAC-SHA256 ... or FC <ak>:<sig>)',
  };
}

/**
 * The FC scheme signs Content-MD5, not the body, so the body is bound to the
 * signature only through this header: a request with a body must carry it
 * (fc2 always does) and it must match. fc2 sends the base64 of the hex digest;
 * RFC 1864's base64 of the raw digest is taken too.
 */
function checkContentMd5(
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
