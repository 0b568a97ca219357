import { timingSafeEqual } from 'node:crypto';

/** Why a request was refused, in FC's API error terms. */
export interface SignatureRejection {
  status: 403;
  /** FC error codes for a refused signature. */
  code: 'InvalidAccessKeyID' | 'SignatureNotMatch' | 'AccessDenied';
  message: string;
}

// The refusals both signature schemes (FC 2.0 `FC ak:sig` and ACS3) give alike.

/** No Authorization header, or one the scheme cannot parse. */
export function malformedAuthorization(): SignatureRejection {
  return {
    status: 403,
    code: 'AccessDenied',
    message: 'missing or malformed Authorization header',
  };
}

/** An AccessKeyId the stack does not know. */
export function unknownAccessKey(accessKeyId: string): SignatureRejection {
  return { status: 403, code: 'InvalidAccessKeyID', message: `unknown AccessKeyId ${accessKeyId}` };
}

/** Compares the signatures in constant time; the refusal when they differ. */
export function compareSignatures(expected: string, given: string): SignatureRejection | undefined {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  if (a.length === b.length && timingSafeEqual(a, b)) return undefined;
  return {
    status: 403,
    code: 'SignatureNotMatch',
    message: 'the request signature we calculated does not match the signature you provided',
  };
}
