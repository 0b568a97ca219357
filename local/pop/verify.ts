import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SecretLookup } from '../credentials';
import { stringToSign } from './encode';
import { PopError, popErrors } from './errors';
import type { PopRequest } from './params';

/** How far a request's Timestamp may be from the server clock (the cloud allows 15 min). */
export const TIMESTAMP_SKEW_MS = 15 * 60 * 1000;

/** Checks POP RPC signatures (HMAC-SHA1, signature version 1.0) and refuses replays. */
export interface PopVerifier {
  /** Throws a PopError (403/400) when the request is not properly signed. */
  verify(request: PopRequest): void;
}

/**
 * A verifier over `secrets`. Timestamps are checked against the wall clock,
 * not the stack clock: a VirtualClock test still signs with real time.
 */
export function createPopVerifier(options: {
  secrets: SecretLookup;
  now?: () => number;
}): PopVerifier {
  const now = options.now ?? (() => Date.now());
  // Nonces, each kept until its request's Timestamp leaves the skew window (a
  // Timestamp up to the skew ahead of now stays valid that much longer);
  // swept as time passes, so memory stays bounded.
  const nonces = new Map<string, number>();
  let lastSweep = 0;
  const sweep = (t: number) => {
    if (t - lastSweep < 60_000) return;
    lastSweep = t;
    for (const [n, until] of nonces) if (t > until) nonces.delete(n);
  };
  return {
    verify(request) {
      // pop-core signs everything it sends (query for GET, form for POST); the Tea
      // SDK splits common and business parameters but signs their union too.
      const signed = request.params;
      const accessKeyId = signed.AccessKeyId;
      const signature = signed.Signature;
      if (!accessKeyId) throw popErrors.missingParam('AccessKeyId');
      if (!signature) throw popErrors.missingParam('Signature');
      const secret = options.secrets(accessKeyId);
      if (secret === undefined) {
        throw new PopError(
          'InvalidAccessKeyId.NotFound',
          404,
          'Specified access key is not found.',
        );
      }
      if (signed.SignatureMethod && signed.SignatureMethod !== 'HMAC-SHA1') {
        throw new PopError(
          'InvalidParameter',
          400,
          `SignatureMethod ${signed.SignatureMethod} is not supported; use HMAC-SHA1.`,
        );
      }
      const sts = stringToSign(request.method, signed);
      const expected = createHmac('sha1', `${secret}&`).update(sts).digest();
      const given = Buffer.from(signature, 'base64');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new PopError(
          'SignatureDoesNotMatch',
          403,
          `Specified signature is not matched with our calculation. server string to sign is:${sts}`,
        );
      }
      const t = now();
      const stamp = signed.Timestamp ? Date.parse(signed.Timestamp) : Number.NaN;
      if (!Number.isFinite(stamp)) throw popErrors.missingParam('Timestamp');
      if (Math.abs(t - stamp) > TIMESTAMP_SKEW_MS) {
        throw new PopError(
          'RequestTimeTooSkewed',
          403,
          `The difference between the request time ${signed.Timestamp} and the current time ${new Date(t).toISOString()} is too large.`,
        );
      }
      const nonce = signed.SignatureNonce;
      if (!nonce) throw popErrors.missingParam('SignatureNonce');
      sweep(t);
      // A digest, not the text: the nonce is a slice of the request's form body,
      // and a key made from it kept the whole body (up to 1 MB) alive for 15 min.
      const key = createHash('sha1').update(`${accessKeyId}:${nonce}`).digest('base64');
      if (nonces.has(key)) {
        throw new PopError(
          'SignatureNonceUsed',
          400,
          'Specified signature nonce was used already.',
        );
      }
      nonces.set(key, Math.max(t, stamp) + TIMESTAMP_SKEW_MS);
    },
  };
}
