import type { IncomingMessage } from 'node:http';
import type { SecretLookup } from '../credentials';
import { acs3Precheck, checkAcs3Signature } from './acs3-signature';
import { checkFcContentMd5, checkFcSignature } from './fc-signature';
import { decodePath } from './invoke-route';
import type { SignatureRejection } from './signature-rejection';

/**
 * The check behind `authType: function`, first part: what can be checked
 * before the body is read (the header's scheme, its AccessKey, x-acs-date; the
 * whole FC 2.0 signature, which does not cover the body), so an unsigned call
 * is refused without reading its body. checkTriggerBody does the rest.
 *
 * FC 3.0 signs HTTP-trigger calls with ACS3-HMAC-SHA256 (the SDK scheme); the
 * FC 2.0 `FC <ak>:<sig>` scheme is taken too, so older callers keep working.
 * Both sign the path as the client sent it (`/fc/<function>/<path>` locally),
 * so a signature made for one function or path does not open another. A
 * request with no usable Authorization header gets 403 AccessDenied: FC
 * documents 403 for a missing signature, and AccessDenied is the 403 code of
 * its error table that fits (MissingRequiredHeader is a 400 there).
 */
export function triggerPrecheck(
  req: IncomingMessage,
  url: URL,
  secretFor: SecretLookup,
): SignatureRejection | undefined {
  const auth = req.headers.authorization ?? '';
  if (auth.startsWith('ACS3-HMAC-SHA256 ')) {
    return acs3Precheck(req.headers, secretFor) ?? missingAcsDate(req, auth);
  }
  if (auth.startsWith('FC ')) return fcSignature(req, url, secretFor);
  return unsignedTrigger();
}

function missingAcsDate(req: IncomingMessage, auth: string): SignatureRejection | undefined {
  // FC's HTTP-trigger docs make x-acs-date a required header.
  const signedHeaders = /SignedHeaders=([^,]*)/.exec(auth)?.[1]?.split(';') ?? [];
  if (req.headers['x-acs-date'] && signedHeaders.includes('x-acs-date')) return undefined;
  return {
    status: 403,
    code: 'AccessDenied',
    message: 'an ACS3-HMAC-SHA256 signed trigger call must send and sign x-acs-date',
  };
}

function fcSignature(req: IncomingMessage, url: URL, secretFor: SecretLookup) {
  return checkFcSignature({
    method: (req.method ?? 'GET').toUpperCase(),
    path: decodePath(url.pathname) ?? url.pathname,
    headers: req.headers,
    secretFor,
  });
}

function unsignedTrigger(): SignatureRejection {
  return {
    status: 403,
    code: 'AccessDenied',
    message:
      'this HTTP trigger has authType function: sign the request (Authorization: ACS3-HMAC-SHA256 ... or FC <ak>:<sig>)',
  };
}

/**
 * The rest of the check behind `authType: function`, once triggerPrecheck has
 * passed and the body is read: what the signature covers of the body. ACS3
 * signs the body's hash with everything else (the whole signature is checked
 * here); the FC 2.0 signature, checked whole by the precheck, leaves the body
 * to Content-MD5.
 */
export function checkTriggerBody(options: {
  req: IncomingMessage;
  url: URL;
  body: Buffer;
  secretFor: SecretLookup;
}): SignatureRejection | undefined {
  const { req, url, body, secretFor } = options;
  if ((req.headers.authorization ?? '').startsWith('FC ')) {
    return checkFcContentMd5(req.headers['content-md5'], body);
  }
  return checkAcs3Signature({
    method: (req.method ?? 'GET').toUpperCase(),
    rawPath: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    body,
    secretFor,
    contentHashHeader: 'optional',
  });
}
