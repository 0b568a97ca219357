// The CLI's trigger signer against the stack's verifier (local/fc/acs3-signature.ts),
// as an HTTP trigger with authType function checks it.
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { signTriggerRequest } from '../../../local/cli/sign-acs3';
import { createSecretLookup } from '../../../local/credentials';
import { checkAcs3Signature } from '../../../local/fc/acs3-signature';

const key = { accessKeyId: 'queueflow-local', accessKeySecret: 'queueflow-local-secret' };

function verify(options: { method: string; url: URL; headers: IncomingHttpHeaders; body: Buffer }) {
  return checkAcs3Signature({
    method: options.method,
    rawPath: options.url.pathname,
    query: options.url.searchParams,
    headers: { host: options.url.host, ...options.headers },
    body: options.body,
    secretFor: createSecretLookup(),
    contentHashHeader: 'optional',
  });
}

describe('signTriggerRequest', () => {
  const url = new URL('http://127.0.0.1:9300/fc/start-flow/a%20b?wait=20&executionName=x(1)');
  const body = Buffer.from('{"input":{}}');
  const headers = signTriggerRequest({
    method: 'post',
    url,
    headers: { 'Content-Type': 'application/json', 'X-Other': 'kept, unsigned' },
    body,
    key,
  });

  it('signs a request the local verifier accepts, with sorted query and encoded path', () => {
    expect(verify({ method: 'POST', url, headers, body })).toBeUndefined();
    expect(headers.authorization).toMatch(
      /^ACS3-HMAC-SHA256 Credential=queueflow-local,SignedHeaders=content-type;host;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce,Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-other']).toBe('kept, unsigned');
  });

  it('is refused when the body, the path, the method or the secret differ', () => {
    const other = Buffer.from('{"input":{"x":1}}');
    expect(verify({ method: 'POST', url, headers, body: other })?.code).toBe('SignatureNotMatch');
    const elsewhere = new URL(url);
    elsewhere.pathname = '/fc/task-worker/a%20b';
    expect(verify({ method: 'POST', url: elsewhere, headers, body })?.code).toBe(
      'SignatureNotMatch',
    );
    expect(verify({ method: 'PUT', url, headers, body })?.code).toBe('SignatureNotMatch');
    const wrong = signTriggerRequest({
      method: 'POST',
      url,
      headers: {},
      body,
      key: { ...key, accessKeySecret: 'guessed' },
    });
    expect(verify({ method: 'POST', url, headers: wrong, body })?.code).toBe('SignatureNotMatch');
  });
});
