import { createHmac } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createSecretLookup } from '../../../local/credentials';
import { popEncode, stringToSign } from '../../../local/pop/encode';
import type { PopError } from '../../../local/pop/errors';
import { createPopVerifier } from '../../../local/pop/verify';

const NOW = Date.UTC(2026, 10, 28, 12);

function signed(extra: Record<string, string> = {}, secret = 'queueflow-local-secret') {
  const params: Record<string, string> = {
    Action: 'ListFlows',
    Format: 'JSON',
    Version: '2019-03-15',
    AccessKeyId: 'queueflow-local',
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: Math.random().toString(16),
    Timestamp: new Date(NOW).toISOString().replace(/\.\d+Z$/, 'Z'),
    ...extra,
  };
  params.Signature = createHmac('sha1', `${secret}&`)
    .update(stringToSign('POST', params))
    .digest('base64');
  return { method: 'POST', query: {}, form: params, params };
}

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as PopError).code;
  }
  return undefined;
}

describe('POP RPC signature checks', () => {
  const verifier = () => createPopVerifier({ secrets: createSecretLookup(), now: () => NOW });

  it("encodes like pop-core: RFC 3986 with ! ' ( ) * escaped and space as %20", () => {
    expect(popEncode("a b!'()*~-_.中")).toBe('a%20b%21%27%28%29%2A~-_.%E4%B8%AD');
  });

  it('accepts a correctly signed request with awkward characters in values', () => {
    expect(
      codeOf(() => verifier().verify(signed({ TaskToken: "tok+/= *()!'~中", Output: '{"a": 1}' }))),
    ).toBeUndefined();
  });

  it('answers SignatureDoesNotMatch to a wrong secret and to a changed parameter', () => {
    const v = verifier();
    expect(codeOf(() => v.verify(signed({}, 'wrong')))).toBe('SignatureDoesNotMatch');
    const req = signed({ Output: '{}' });
    req.params.Output = '{"x":1}';
    expect(codeOf(() => v.verify(req))).toBe('SignatureDoesNotMatch');
  });

  it('refuses an unknown AccessKeyId, a skewed Timestamp and a reused nonce', () => {
    const v = verifier();
    expect(codeOf(() => v.verify(signed({ AccessKeyId: 'nobody' })))).toBe(
      'InvalidAccessKeyId.NotFound',
    );
    expect(codeOf(() => v.verify(signed({ Timestamp: '2026-11-28T11:40:00Z' })))).toBe(
      'RequestTimeTooSkewed',
    );
    const req = signed({ SignatureNonce: 'once' });
    expect(codeOf(() => v.verify(req))).toBeUndefined();
    expect(codeOf(() => v.verify(req))).toBe('SignatureNonceUsed');
  });

  it('keeps refusing a replay of a request stamped ahead of the clock for as long as its Timestamp is valid', () => {
    let now = NOW;
    const v = createPopVerifier({ secrets: createSecretLookup(), now: () => now });
    // Stamped 14 minutes ahead: valid until 29 minutes from now.
    const ahead = signed({
      SignatureNonce: 'ahead',
      Timestamp: new Date(NOW + 14 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    expect(codeOf(() => v.verify(ahead))).toBeUndefined();
    now = NOW + 16 * 60_000; // the sweep runs; the nonce must outlive it
    const fresh = signed({ Timestamp: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z') });
    expect(codeOf(() => v.verify(fresh))).toBeUndefined();
    expect(codeOf(() => v.verify(ahead))).toBe('SignatureNonceUsed');
    now = NOW + 30 * 60_000; // the Timestamp itself is now too old
    expect(codeOf(() => v.verify(ahead))).toBe('RequestTimeTooSkewed');
  });

  it('remembers a nonce in a few bytes, not the request body it was read from', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const v = verifier();
    // As the route reads them: every value is parsed out of one 20 KB form body.
    const requests = Array.from({ length: 1000 }, () => {
      const body = new URLSearchParams(signed({ Input: 'x'.repeat(20_000) }).params).toString();
      const params = Object.fromEntries(new URLSearchParams(body));
      return { method: 'POST', query: {}, form: params, params };
    });
    gc();
    const before = process.memoryUsage().heapUsed;
    for (const r of requests) expect(codeOf(() => v.verify(r))).toBeUndefined();
    requests.length = 0;
    gc();
    // Dropped, the requests free their bodies (1,000 x 20 KB), unless the
    // remembered nonces still point into them.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(-10_000_000);
  });
});
