// Web pages in the user's browser cannot drive the stack (local/http/browser-guard.ts):
// the AccessKey is public and FnF takes query-signed calls, so a cross-site GET or
// form post, or a DNS-rebound name, must be refused before any route runs.
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../local/log';
import { popEncode, stringToSign } from '../../../local/pop/encode';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { raw } from '../../support/raw-http';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, memory: true, logger: silentLogger });
  stack.engine.createFlow({
    Name: 'guarded',
    Definition: 'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n',
  });
});
afterAll(() => stack?.stop());

/** A StartExecution signed in the query string, as a hostile page can build one with the public key. */
function signedStartPath(): string {
  const params: Record<string, string> = {
    Action: 'StartExecution',
    FlowName: 'guarded',
    Format: 'JSON',
    Version: '2019-03-15',
    AccessKeyId: stack.credentials.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  params.Signature = createHmac('sha1', `${stack.credentials.accessKeySecret}&`)
    .update(stringToSign('GET', params))
    .digest('base64');
  return `/?${Object.entries(params)
    .map(([k, v]) => `${popEncode(k)}=${popEncode(v)}`)
    .join('&')}`;
}

const executions = () =>
  (stack.engine.listExecutions({ FlowName: 'guarded' }) as { Executions: unknown[] }).Executions
    .length;

describe('requests from web pages', () => {
  it('refuses a signed call sent by a page on another site, and runs the same call from a program', async () => {
    const before = executions();
    const fromPage = await raw(stack.port, 'GET', signedStartPath(), {
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'no-cors',
    });
    expect(fromPage.status).toBe(403);
    expect(JSON.parse(fromPage.text)).toMatchObject({ Code: 'AccessDenied' });
    expect(JSON.parse(fromPage.text).Message).toContain('cross-site');
    expect(executions()).toBe(before);
    const fromProgram = await raw(stack.port, 'GET', signedStartPath());
    expect(fromProgram.status).toBe(200);
    expect(executions()).toBe(before + 1);
  });

  it('refuses a form post whose Origin is another site', async () => {
    const before = executions();
    const res = await raw(
      stack.port,
      'POST',
      '/',
      { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      'Action=StartExecution&FlowName=guarded',
    );
    expect(res.status).toBe(403);
    expect(executions()).toBe(before);
  });

  it('refuses a DNS-rebound Host, even with a matching Origin, on every service', async () => {
    const host = `rebind.evil.example:${stack.port}`;
    for (const path of ['/console/api/flows', '/console', '/queues', '/']) {
      const res = await raw(stack.port, 'GET', path, { host, origin: `http://${host}` });
      expect(res.status, path).toBe(403);
      expect(JSON.parse(res.text).Message).toContain('rebinding');
    }
  });

  it('serves the console to itself: same-origin requests and typed addresses go through', async () => {
    for (const host of [
      `127.0.0.1:${stack.port}`,
      `LOCALHOST:${stack.port}`,
      `[::1]:${stack.port}`,
    ]) {
      const page = await raw(stack.port, 'GET', '/console', { host, 'sec-fetch-site': 'none' });
      expect(page.status, host).toBe(200);
      const api = await raw(stack.port, 'GET', '/console/api/flows', {
        host,
        origin: `http://${host.toLowerCase()}`,
        'sec-fetch-site': 'same-origin',
      });
      expect(api.status, host).toBe(200);
    }
  });

  it('refuses a Host with another port, and an opaque origin', async () => {
    const wrongPort = await raw(stack.port, 'GET', '/console/api/flows', {
      host: `127.0.0.1:${stack.port + 1}`,
    });
    expect(wrongPort.status).toBe(403);
    const opaque = await raw(stack.port, 'GET', '/console/api/flows', { origin: 'null' });
    expect(opaque.status).toBe(403);
  });
});
