// authType on local HTTP triggers, over real HTTP: `function` takes only
// signed calls (ACS3-HMAC-SHA256 or FC <ak>:<sig>), `anonymous` takes anyone,
// and an oversized body is refused with FC's error JSON.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import OpenApiUtil from '@alicloud/openapi-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectTrigger } from '../../../local/project/model';
import { type SignOptions, signAcs3 } from '../../support/acs3-sign';
import { signFc } from '../../support/fc-sign';
import {
  fixtureFunction,
  localKeys as KEY,
  type RuntimeStack,
  startRuntimeStack,
} from '../fc/runtime-stack';

const trigger = (authType: 'anonymous' | 'function'): ProjectTrigger => ({
  kind: 'http',
  triggerName: 'http',
  methods: ['GET', 'POST'],
  authType,
});

const JSON_TYPE = { 'content-type': 'application/json' };

type Signer = (options: SignOptions) => Record<string, string>;
const SCHEMES: [string, Signer][] = [
  ['ACS3-HMAC-SHA256', signAcs3],
  ['FC', signFc],
];

describe('HTTP trigger authType', () => {
  let stack: RuntimeStack;
  let url: (path: string) => string;
  beforeAll(async () => {
    stack = await startRuntimeStack();
    await stack.runtime.deploy([
      fixtureFunction('secure', 'index.http', { triggers: [trigger('function')] }),
      fixtureFunction('other', 'index.http', { triggers: [trigger('function')] }),
      fixtureFunction('open', 'index.http', { triggers: [trigger('anonymous')] }),
    ]);
    url = (path) => `${stack.endpoint}${path}`;
  });
  afterAll(() => stack?.stop());

  async function post(
    sign: Signer,
    signed: { path: string; body: string },
    sent: { path?: string; body?: string; secret?: string; accessKeyId?: string } = {},
  ) {
    const headers = sign({
      method: 'POST',
      url: url(signed.path),
      headers: JSON_TYPE,
      body: signed.body,
      accessKeyId: sent.accessKeyId ?? KEY.accessKeyId,
      accessKeySecret: sent.secret ?? KEY.accessKeySecret,
    });
    return fetch(url(sent.path ?? signed.path), {
      method: 'POST',
      headers,
      body: sent.body ?? signed.body,
    });
  }

  async function errorOf(res: Response) {
    expect(res.headers.get('content-type')).toBe('application/json');
    return (await res.json()) as { ErrorCode: string; ErrorMessage: string; RequestId: string };
  }

  for (const [scheme, sign] of SCHEMES) {
    describe(`signed with the ${scheme} scheme`, () => {
      it('passes a correctly signed call through to the function', async () => {
        const res = await post(sign, {
          path: '/fc/secure/orders/a%20b?page=2&tag=x',
          body: '{"a":1}',
        });
        expect(res.status).toBe(201);
        expect(res.headers.get('x-seen-path')).toBe('/orders/a%20b');
        expect(await res.json()).toMatchObject({
          method: 'POST',
          query: { page: '2', tag: 'x' },
          body: '{"a":1}',
          isBase64Encoded: false,
        });
      });

      it('passes a signed GET without a body', async () => {
        const headers = sign({ method: 'GET', url: url('/fc/secure/status'), ...KEY });
        const res = await fetch(url('/fc/secure/status'), { headers });
        expect(res.status).toBe(201);
      });

      it('refuses a signature made with the wrong secret with 403 SignatureNotMatch', async () => {
        const res = await post(sign, { path: '/fc/secure/', body: '{}' }, { secret: 'not-it' });
        expect(res.status).toBe(403);
        expect((await errorOf(res)).ErrorCode).toBe('SignatureNotMatch');
      });

      it('refuses an unknown AccessKeyId with 403 InvalidAccessKeyID', async () => {
        const res = await post(
          sign,
          { path: '/fc/secure/', body: '{}' },
          { accessKeyId: 'nobody' },
        );
        expect(res.status).toBe(403);
        expect((await errorOf(res)).ErrorCode).toBe('InvalidAccessKeyID');
      });

      it('refuses a body changed after signing', async () => {
        const res = await post(
          sign,
          { path: '/fc/secure/', body: '{"amount":1}' },
          { body: '{"amount":9}' },
        );
        expect(res.status).toBe(403);
        expect((await errorOf(res)).ErrorCode).toBe('SignatureNotMatch');
      });

      it('refuses a path changed after signing', async () => {
        const res = await post(
          sign,
          { path: '/fc/secure/a', body: '{}' },
          { path: '/fc/secure/b' },
        );
        expect(res.status).toBe(403);
        expect((await errorOf(res)).ErrorCode).toBe('SignatureNotMatch');
      });

      it('refuses a signed call steered to another function with dot segments', async () => {
        const { request } = await import('node:http');
        const headers = sign({
          method: 'POST',
          url: url('/fc/secure/x'),
          headers: JSON_TYPE,
          body: '{}',
          accessKeyId: KEY.accessKeyId,
          accessKeySecret: KEY.accessKeySecret,
        });
        // A URL parser reads /fc/other/../secure/x as /fc/secure/x, which the
        // signature covers; the function must not be picked from the raw path.
        const status = await new Promise<number>((resolve, reject) => {
          const req = request(
            url('/fc/other/../secure/x'),
            { method: 'POST', headers, path: '/fc/other/../secure/x' },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.end('{}');
        });
        expect(status).toBe(400);
      });

      it('refuses a signature made for another function', async () => {
        const res = await post(sign, { path: '/fc/other/', body: '{}' }, { path: '/fc/secure/' });
        expect(res.status).toBe(403);
        expect((await errorOf(res)).ErrorCode).toBe('SignatureNotMatch');
      });
    });
  }

  it('refuses a query changed after an ACS3 signature', async () => {
    const res = await post(
      signAcs3,
      { path: '/fc/secure/?page=1', body: '{}' },
      { path: '/fc/secure/?page=2' },
    );
    expect(res.status).toBe(403);
    expect((await errorOf(res)).ErrorCode).toBe('SignatureNotMatch');
  });

  // FC's docs tell callers to sign trigger calls with @alicloud/openapi-util's
  // getAuthorization and to send x-acs-date; they do not ask for x-acs-content-sha256.
  function signWithOpenApiUtil(path: string, body: string): Record<string, string> {
    const target = new URL(url(path));
    const headers: Record<string, string> = {
      host: target.host,
      'content-type': 'application/json',
      'x-acs-date': `${new Date().toISOString().slice(0, 19)}Z`,
    };
    const request = {
      method: 'POST',
      pathname: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers,
    } as unknown as Parameters<typeof OpenApiUtil.getAuthorization>[0];
    const bodyHash = createHash('sha256').update(body).digest('hex');
    const authorization = OpenApiUtil.getAuthorization(
      request,
      'ACS3-HMAC-SHA256',
      bodyHash,
      KEY.accessKeyId,
      KEY.accessKeySecret,
    );
    const { host: _host, ...rest } = headers;
    return { ...rest, authorization };
  }

  it('passes a call signed by @alicloud/openapi-util without x-acs-content-sha256', async () => {
    const headers = signWithOpenApiUtil('/fc/secure/orders?page=3', '{"b":2}');
    const res = await fetch(url('/fc/secure/orders?page=3'), {
      method: 'POST',
      headers,
      body: '{"b":2}',
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ query: { page: '3' }, body: '{"b":2}' });
  });

  it('passes an openapi-util signature over query keys it leaves unencoded', async () => {
    const path = '/fc/secure/orders?filter%5Ba%5D=1&a%20b=2';
    const headers = signWithOpenApiUtil(path, '{}');
    const res = await fetch(url(path), { method: 'POST', headers, body: '{}' });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ query: { 'filter[a]': '1', 'a b': '2' } });
  });

  it('still binds the body when x-acs-content-sha256 is absent', async () => {
    const headers = signWithOpenApiUtil('/fc/secure/', '{"amount":1}');
    const res = await fetch(url('/fc/secure/'), { method: 'POST', headers, body: '{"amount":9}' });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).ErrorCode).toBe('SignatureNotMatch');
  });

  it('refuses an ACS3 call that does not sign x-acs-date', async () => {
    const headers = signAcs3({ method: 'GET', url: url('/fc/secure/'), ...KEY });
    const unsigned = headers.authorization!.replace('x-acs-date;', '');
    const res = await fetch(url('/fc/secure/'), {
      headers: { ...headers, authorization: unsigned },
    });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).ErrorMessage).toContain('x-acs-date');
  });

  it('refuses an FC-scheme call with a body but no Content-MD5', async () => {
    const headers = signFc({ method: 'POST', url: url('/fc/secure/'), headers: JSON_TYPE, ...KEY });
    const res = await fetch(url('/fc/secure/'), { method: 'POST', headers, body: '{}' });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).ErrorCode).toBe('AccessDenied');
  });

  it('refuses an unsigned call to an authType function trigger with 403 AccessDenied', async () => {
    const res = await fetch(url('/fc/secure/'), { method: 'POST', headers: JSON_TYPE, body: '{}' });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-fc-request-id')).toMatch(/^1-/);
    const error = await errorOf(res);
    expect(error.ErrorCode).toBe('AccessDenied');
    expect(error.ErrorMessage).toContain('authType function');
  });

  it('refuses an unsigned call before reading its body, on the trigger and the FC 3.0 invoke API', async () => {
    // Headers promising 10 MB, then nothing: the answer must not wait for the body.
    const answerWithoutBody = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(url(path), {
          method: 'POST',
          headers: { ...JSON_TYPE, 'content-length': String(10 * 1024 * 1024) },
        });
        const timer = setTimeout(() => {
          req.destroy();
          reject(new Error(`${path} waited for the unsigned body`));
        }, 2000);
        req.on('error', () => {});
        req.on('response', (res) => {
          clearTimeout(timer);
          resolve(res.statusCode ?? 0);
          req.destroy();
        });
        req.flushHeaders();
      });
    expect(await answerWithoutBody('/fc/secure/')).toBe(403);
    expect(await answerWithoutBody('/2023-03-30/functions/secure/invocations')).toBe(403);
  });

  it('refuses an Authorization header of another scheme', async () => {
    const res = await fetch(url('/fc/secure/'), {
      method: 'POST',
      headers: { ...JSON_TYPE, authorization: 'Bearer abc' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).ErrorCode).toBe('AccessDenied');
  });

  it('serves an anonymous trigger without any signature', async () => {
    const res = await fetch(url('/fc/open/x?q=1'), {
      method: 'POST',
      headers: JSON_TYPE,
      body: '{}',
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ query: { q: '1' }, body: '{}' });
  });

  it('answers a malformed percent-escape in the function name with 400 InvalidArgument', async () => {
    const res = await fetch(url('/fc/%E0%A4%A/'), { method: 'POST', body: '{}' });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).ErrorCode).toBe('InvalidArgument');
  });

  it("answers a body over 32 MB with 400 InvalidArgument, as FC's HTTP trigger limits name it, instead of a 500", async () => {
    const res = await fetch(url('/fc/open/'), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(32 * 1024 * 1024 + 1),
    });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.ErrorCode).toBe('InvalidArgument');
    expect(error.RequestId).toMatch(/^1-/);
  });
});
