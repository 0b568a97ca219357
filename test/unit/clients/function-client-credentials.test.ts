import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fcSignature, fcStringToSign } from '../../../local/fc/fc-signature';
import type { Credentials } from '../../../shared/clients/config';
import type { CredentialSource } from '../../../shared/clients/credential-source';
import { createFunctionClient } from '../../../shared/clients/function-client';

// What the FC client puts on the wire as its credential source rotates: fc2
// sends x-fc-security-token only for STS keys, and signs with the secret. A
// header-capturing server stands in for FC (the local stack checks no tokens).
interface Seen {
  headers: IncomingHttpHeaders;
  /** Whether the request is signed with this secret. */
  signedWith(secret: string): boolean;
}
const seen: Seen[] = [];
const server = createServer((req, res) => {
  const { headers, method = '' } = req;
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const signature = String(headers.authorization).split(':')[1];
  seen.push({
    headers,
    signedWith: (secret) =>
      fcSignature(secret, fcStringToSign(method, path, headers)) === signature,
  });
  req.resume();
  req.on('end', () => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ErrorCode: 'FunctionNotFound', ErrorMessage: 'no such function' }));
  });
});
let endpoint = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('the function client over a credential source', () => {
  it('sends the current STS token and signs with the current secret, rotation after rotation', async () => {
    let now: Credentials = { accessKeyId: 'STS.a', accessKeySecret: 's1', securityToken: 't1' };
    const source: CredentialSource = {
      kind: 'source',
      description: 'test role',
      get: async () => now,
    };
    const fc = createFunctionClient({
      accountId: '1',
      region: 'cn-hangzhou',
      credentials: source,
      endpoint,
    });
    const call = async (): Promise<Seen> => {
      await expect(fc.invoke({ functionName: 'f', payload: {} })).rejects.toMatchObject({
        code: 'FunctionNotFound',
      });
      const last = seen.at(-1);
      if (!last) throw new Error('no request reached the server');
      return last;
    };
    const first = await call();
    expect(first.headers['x-fc-security-token']).toBe('t1');
    expect(String(first.headers.authorization)).toMatch(/^FC STS\.a:/);
    expect(first.signedWith('s1')).toBe(true);

    now = { accessKeyId: 'STS.b', accessKeySecret: 's2', securityToken: 't2' };
    const second = await call();
    expect(second.headers['x-fc-security-token']).toBe('t2');
    expect(String(second.headers.authorization)).toMatch(/^FC STS\.b:/);
    expect(second.signedWith('s2')).toBe(true);

    // Only the secret changes: the next call signs with the new one.
    now = { ...now, accessKeySecret: 's3' };
    const third = await call();
    expect(third.signedWith('s3')).toBe(true);
    expect(third.signedWith('s2')).toBe(false);
  });
});
