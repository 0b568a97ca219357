import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/eventually';
import { raw } from '../../support/raw-http';
import { fixtureFunction, type RuntimeStack, startRuntimeStack } from './runtime-stack';

interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

/** A raw HTTP/1.1 call (fetch would normalise the target), answered with status and body. */
async function rawCall(endpoint: string, options: RawRequest) {
  const { port } = new URL(endpoint);
  const r = await raw(
    Number(port),
    options.method ?? 'POST',
    options.path,
    options.headers,
    options.body,
  );
  return { status: r.status, headers: r.headers, body: r.text };
}

const httpTrigger = (methods: string[]) => ({
  kind: 'http' as const,
  triggerName: 'http',
  methods,
  authType: 'anonymous' as const,
});

describe('HTTP triggers at <endpoint>/fc/<function>/<path>', () => {
  let stack: RuntimeStack;
  beforeAll(async () => {
    stack = await startRuntimeStack();
    await stack.runtime.deploy([
      fixtureFunction('web', 'index.http', { triggers: [httpTrigger(['POST', 'GET'])] }),
      fixtureFunction('web-text', 'index.text', { triggers: [httpTrigger([])] }),
      fixtureFunction('web-fail', 'index.fail', { triggers: [httpTrigger([])] }),
      fixtureFunction('no-trigger', 'index.text'),
      fixtureFunction('respond', 'index.httpRespond', { triggers: [httpTrigger([])] }),
      fixtureFunction('noting', 'index.httpNoting', { triggers: [httpTrigger([])] }),
      fixtureFunction('aliased', 'index.qualifier', {
        triggers: [{ ...httpTrigger([]), qualifier: 'prod' }],
      }),
    ]);
  });
  afterAll(() => stack?.stop());

  it('passes the FC 3.0 event struct and maps the response struct back', async () => {
    const res = await fetch(`${stack.endpoint}/fc/web/orders/a%20b?page=2&tag=x&tag=y`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"item":"book"}',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-seen-path')).toBe('/orders/a%20b');
    expect(res.headers.get('x-fc-request-id')).toMatch(/^1-/);
    expect(await res.json()).toMatchObject({
      method: 'POST',
      query: { page: '2', tag: 'x,y' },
      body: '{"item":"book"}',
      isBase64Encoded: false,
      path: '/orders/a b',
    });
  });

  it('keeps rawPath as sent and joins a repeated header with a comma, as FC does', async () => {
    const { request } = await import('node:http');
    const { port } = new URL(stack.endpoint);
    const seen = await new Promise<{ path: string; body: Record<string, unknown> }>(
      (resolve, reject) => {
        const req = request(
          // A URL parser would make this /orders/%7Bid%7D/x (braces escaped, ./ dropped).
          { host: '127.0.0.1', port, method: 'GET', path: '/fc/web/orders/{id}/./x?q=1' },
          (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () =>
              resolve({ path: String(res.headers['x-seen-path']), body: JSON.parse(text) }),
            );
          },
        );
        req.on('error', reject);
        req.setHeader('x-multi', ['a', 'b']);
        req.end();
      },
    );
    expect(seen.path).toBe('/orders/{id}/./x');
    expect(seen.body.headers).toMatchObject({ 'x-multi': 'a,b', host: `127.0.0.1:${port}` });
  });

  it('base64-encodes a binary body', async () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const res = await fetch(`${stack.endpoint}/fc/web/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    const seen = (await res.json()) as { body: string; isBase64Encoded: boolean };
    expect(seen.isBase64Encoded).toBe(true);
    expect(Buffer.from(seen.body, 'base64').equals(bytes)).toBe(true);
  });

  it('base64-encodes a body that is not UTF-8, whatever its content type says', async () => {
    const types: Array<Record<string, string>> = [
      {},
      { 'content-type': 'text/plain; charset=iso-8859-1' },
    ];
    for (const headers of types) {
      const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0xff, 0xfe]);
      const res = await fetch(`${stack.endpoint}/fc/web/upload`, {
        method: 'POST',
        headers,
        body: bytes,
      });
      const seen = (await res.json()) as { body: string; isBase64Encoded: boolean };
      expect(seen.isBase64Encoded).toBe(true);
      expect(Buffer.from(seen.body, 'base64').equals(bytes)).toBe(true);
    }
  });

  it('answers a response struct Node cannot send with 502 and the reason, and drops null headers', async () => {
    for (const mode of ['status', 'crlf']) {
      const res = await fetch(`${stack.endpoint}/fc/respond/?mode=${mode}`);
      expect(res.status, mode).toBe(502);
      expect(res.headers.get('x-fc-request-id')).toMatch(/^1-/);
      const body = (await res.json()) as { errorMessage: string };
      expect(body.errorMessage).toContain('invalid HTTP response');
    }
    const ok = await fetch(`${stack.endpoint}/fc/respond/?mode=nulls`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-kept')).toBe('yes');
    expect(ok.headers.get('x-null')).toBeNull();
    expect(await ok.text()).toBe('fine');
  });

  it('answers a 1xx statusCode with 502 InvalidResponse at once, not an interim reply', async () => {
    for (const status of ['100', '103']) {
      const res = await fetch(`${stack.endpoint}/fc/respond/?mode=${status}`, {
        signal: AbortSignal.timeout(5000),
      });
      expect(res.status, status).toBe(502);
      expect(await res.json()).toMatchObject({ errorType: 'InvalidResponse' });
    }
  });

  it('sends a 204 and a 304 without content and without Content-Length (RFC 9110)', async () => {
    for (const status of [204, 304]) {
      const res = await rawCall(stack.endpoint, {
        method: 'GET',
        path: `/fc/respond/?mode=${status}`,
      });
      expect(res.status).toBe(status);
      expect(res.headers['content-length'], String(status)).toBeUndefined();
      expect(res.body).toBe('');
    }
  });

  it('takes X-Fc-Invocation-Type: Async: 202 at once, then runs the call with the async retries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-http-async-'));
    const call = (body: object) =>
      rawCall(stack.endpoint, {
        path: '/fc/noting/jobs',
        headers: { 'x-fc-invocation-type': 'Async', 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(body)),
      });
    const ok = join(dir, 'ok');
    const began = Date.now();
    const accepted = await call({ marker: ok, ms: 1500 });
    expect(Date.now() - began).toBeLessThan(1000);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toBe('');
    const requestId = String(accepted.headers['x-fc-request-id']);
    expect(requestId).toMatch(/^1-/);
    // It ran in the background, under the id the 202 gave.
    expect(await eventually(() => readIfThere(ok), 'the async call writes its marker')).toBe(
      `0 ${requestId}\n`,
    );

    // A failure is retried 3 times, as FC retries async calls.
    const failing = join(dir, 'failing');
    expect((await call({ marker: failing, fail: true })).status).toBe(202);
    const attempts = await eventually(() => {
      const lines = readIfThere(failing)?.trim().split('\n');
      return lines && lines.length >= 4 ? lines : undefined;
    }, 'the failing call has run 4 times');
    expect(attempts.map((l) => l.split(' ')[0])).toEqual(['0', '1', '2', '3']);

    // The async payload limit, 128 KB, with the trigger's error code.
    const big = await rawCall(stack.endpoint, {
      path: '/fc/noting/',
      headers: { 'x-fc-invocation-type': 'Async' },
      body: Buffer.alloc(128 * 1024 + 1, 'a'),
    });
    expect(big.status).toBe(400);
    expect(JSON.parse(big.body)).toMatchObject({ ErrorCode: 'InvalidArgument' });
  });

  it("holds requests to FC's trigger limits: 400 InvalidArgument past 4 KB of path, 8 KB of headers, 32 MB of body", async () => {
    const under = await rawCall(stack.endpoint, {
      method: 'GET',
      path: `/fc/web-text/?pad=${'a'.repeat(4000)}`,
      headers: { 'x-pad': 'b'.repeat(7000) },
    });
    expect(under.status).toBe(200);
    const calls: RawRequest[] = [
      { method: 'GET', path: `/fc/web-text/?pad=${'a'.repeat(5 * 1024)}` },
      { method: 'GET', path: '/fc/web-text/', headers: { 'x-pad': 'b'.repeat(10 * 1024) } },
      {
        path: '/fc/web-text/',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(32 * 1024 * 1024 + 1),
      },
    ];
    for (const c of calls) {
      const res = await rawCall(stack.endpoint, c);
      expect(res.status, c.path.slice(0, 40)).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ ErrorCode: 'InvalidArgument' });
    }
  });

  it("frames the response itself, dropping a function's own Content-Length and Transfer-Encoding", async () => {
    const res = await fetch(`${stack.endpoint}/fc/respond/?mode=framing`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toBe('OKHTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nforged');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(res.headers.get('transfer-encoding')).toBeNull();
    // The connection is still good for the next call.
    const next = await fetch(`${stack.endpoint}/fc/respond/?mode=nulls`);
    expect(await next.text()).toBe('fine');
  });

  it("invokes the trigger's qualifier: the handler's context names it", async () => {
    const res = await fetch(`${stack.endpoint}/fc/aliased/`);
    expect(await res.text()).toBe('prod');
    const plain = await fetch(`${stack.endpoint}/fc/respond/`);
    expect(plain.status).toBe(200);
  });

  it('answers a plain result with 200 and the bytes', async () => {
    const res = await fetch(`${stack.endpoint}/fc/web-text/`, { method: 'PUT', body: 'x' });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^hello \{/);
  });

  it('refuses a method the trigger does not allow, and functions without an HTTP trigger', async () => {
    const put = await fetch(`${stack.endpoint}/fc/web/`, { method: 'DELETE' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('POST, GET');
    const none = await fetch(`${stack.endpoint}/fc/no-trigger/`, { method: 'POST' });
    expect(none.status).toBe(404);
  });

  it('answers a function error with 502, x-fc-error-type and the error JSON', async () => {
    const res = await fetch(`${stack.endpoint}/fc/web-fail/`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(502);
    expect(res.headers.get('x-fc-error-type')).toBe('UnhandledInvocationError');
    expect(await res.json()).toMatchObject({ errorType: 'OrderNotFound' });
  });
});

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
