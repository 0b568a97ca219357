// Signs a request the way FC 3.0 HTTP triggers expect (ACS3-HMAC-SHA256), for
// tests: an adapter over the CLI's signer (local/cli/sign-acs3.ts). The
// verifier is also tested against an independent signer, the real
// @alicloud/openapi-util (test/integration/http-trigger-auth/).
import { signTriggerRequest } from '../../local/cli/sign-acs3';

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

/**
 * Returns the headers to send: the given ones plus `x-acs-date`,
 * `x-acs-signature-nonce`, `x-acs-content-sha256` and `authorization`.
 */
export function signAcs3(options: SignOptions): Record<string, string> {
  const body = options.body ?? '';
  return signTriggerRequest({
    method: options.method,
    url: new URL(options.url),
    headers: options.headers ?? {},
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
    key: { accessKeyId: options.accessKeyId, accessKeySecret: options.accessKeySecret },
    ...(options.date ? { now: options.date } : {}),
  });
}
