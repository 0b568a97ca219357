import { afterEach, describe, expect, it } from 'vitest';
import {
  CredentialsUnavailableError,
  ecsRamRoleCredentials,
} from '../../../shared/clients/credential-source';
import { toFlowError } from '../../../shared/clients/flow-errors';
import { createFunctionClient } from '../../../shared/clients/function-client';
import { toQueueError } from '../../../shared/clients/queue-client';
import { type FakeEcsMetadata, startFakeEcsMetadata } from '../../support/fake-ecs-metadata';

const ROLE = 'queueflow-worker';
const T0 = Date.UTC(2026, 10, 29, 12);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const creds = (n: number, expiresAt: number) => ({
  AccessKeyId: `STS.id-${n}`,
  AccessKeySecret: `secret-${n}`,
  SecurityToken: `token-${n}`,
  Expiration: iso(expiresAt),
});

let fake: FakeEcsMetadata | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function source(metadata: FakeEcsMetadata, clock: { t: number }, imdsV1Disabled = false) {
  return ecsRamRoleCredentials({
    roleName: ROLE,
    endpoint: metadata.endpoint,
    imdsV1Disabled,
    now: () => clock.t,
  });
}

describe('ecsRamRoleCredentials', () => {
  it('gets the role credentials in the hardened mode and serves them from cache until near expiry', async () => {
    fake = await startFakeEcsMetadata(ROLE, creds(1, T0 + 6 * 3600_000));
    const clock = { t: T0 };
    const s = source(fake, clock);
    // Concurrent first calls share one fetch.
    const [a, b] = await Promise.all([s.get(), s.get()]);
    expect(a).toEqual({
      accessKeyId: 'STS.id-1',
      accessKeySecret: 'secret-1',
      securityToken: 'token-1',
    });
    expect(b).toBe(a);
    expect(fake.requests).toEqual([
      { method: 'PUT', path: '/latest/api/token', withToken: false },
      {
        method: 'GET',
        path: `/latest/meta-data/ram/security-credentials/${ROLE}`,
        withToken: true,
      },
    ]);
    clock.t = T0 + 5 * 3600_000; // 1 h left: still cached
    expect(await s.get()).toBe(a);
    expect(fake.requests).toHaveLength(2);

    fake.credentials = creds(2, T0 + 12 * 3600_000);
    clock.t = T0 + 6 * 3600_000 - 10 * 60_000; // 10 min left: refreshed
    expect(await s.get()).toMatchObject({ accessKeyId: 'STS.id-2', securityToken: 'token-2' });
    expect(fake.requests).toHaveLength(4);
  });

  it('falls back to the plain GET when the hardened mode fails, unless IMDSv1 is disabled', async () => {
    fake = await startFakeEcsMetadata(ROLE, creds(1, T0 + 3600_000));
    fake.tokenStatus = 403;
    const clock = { t: T0 };
    expect(await source(fake, clock).get()).toMatchObject({ accessKeyId: 'STS.id-1' });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', withToken: false });

    const strict = source(fake, clock, true);
    const err = await strict.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsUnavailableError);
    expect(err).toMatchObject({
      code: 'CredentialsUnavailable',
      retryable: true,
      message: expect.stringMatching(/no metadata token \(HTTP 403\) and IMDSv1 is disabled/),
    });
  });

  it('keeps valid credentials when a refresh fails, and fails once they have expired', async () => {
    fake = await startFakeEcsMetadata(ROLE, creds(1, T0 + 20 * 60_000));
    const clock = { t: T0 };
    const s = source(fake, clock);
    const first = await s.get();
    fake.credentialsStatus = 500;
    clock.t = T0 + 10 * 60_000; // inside the margin: a refresh is tried, and fails
    expect(await s.get()).toBe(first);
    clock.t = T0 + 10 * 60_000 + 30_000; // tried 30 s ago: not again yet
    const before = fake.requests.length;
    expect(await s.get()).toBe(first);
    expect(fake.requests).toHaveLength(before);
    clock.t = T0 + 21 * 60_000; // expired, and the service still fails
    await expect(s.get()).rejects.toMatchObject({
      code: 'CredentialsUnavailable',
      message: expect.stringMatching(/answered HTTP 500/),
    });
    fake.credentialsStatus = 200;
    fake.credentials = creds(2, T0 + 3600_000);
    expect(await s.get()).toMatchObject({ accessKeyId: 'STS.id-2' });
  });

  it('turns a credentials answer that stalls or breaks off mid-body into the retryable error', async () => {
    const { createServer } = await import('node:http');
    let mode: 'stall' | 'reset' = 'stall';
    const server = createServer((req, res) => {
      if (req.method === 'PUT') return void res.end('token');
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"AccessKeyId":"STS.x",');
      if (mode === 'reset') setTimeout(() => req.socket.destroy(), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      for (const m of ['stall', 'reset'] as const) {
        mode = m;
        const s = ecsRamRoleCredentials({
          roleName: ROLE,
          endpoint: `http://127.0.0.1:${port}`,
          timeoutMs: 300,
        });
        const err = await s.get().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CredentialsUnavailableError);
        expect((err as Error).message).toMatch(
          /ECS RAM role queueflow-worker: the metadata service did not answer/,
        );
        expect(toFlowError(err, 'StartExecution')).toMatchObject({
          code: 'CredentialsUnavailable',
          retryable: true,
        });
        expect(toQueueError(err, 'ReceiveMessage')).toMatchObject({
          code: 'CredentialsUnavailable',
          retryable: true,
        });
        // The FC client asks the source first, and says the same.
        const fc = createFunctionClient({
          accountId: '1',
          region: 'cn-hangzhou',
          credentials: s,
          endpoint: 'http://127.0.0.1:9',
        });
        await expect(fc.invoke({ functionName: 'f', payload: {} })).rejects.toMatchObject({
          name: 'FunctionError',
          code: 'CredentialsUnavailable',
          retryable: true,
          message: expect.stringMatching(/^InvokeFunction f: ECS RAM role queueflow-worker: /),
        });
      }
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('says what is wrong: a role not attached, an answer without credentials, no service', async () => {
    fake = await startFakeEcsMetadata('another-role', creds(1, T0 + 3600_000));
    const clock = { t: T0 };
    await expect(source(fake, clock).get()).rejects.toThrow(
      /ECS RAM role queueflow-worker: the metadata service answered HTTP 404 \(is the role attached to this instance\?\)/,
    );
    await fake.close();

    fake = await startFakeEcsMetadata(ROLE, { ...creds(1, T0 + 3600_000), Expiration: 'soon' });
    await expect(source(fake, clock).get()).rejects.toThrow(/lacks .* a valid Expiration/);
    // An empty field is no credential either (fc2 would refuse an STS key without a token).
    fake.credentials = { ...creds(1, T0 + 3600_000), SecurityToken: '' };
    await expect(source(fake, clock).get()).rejects.toThrow(
      /lacks AccessKeyId, AccessKeySecret, SecurityToken/,
    );
    const endpoint = fake.endpoint;
    await fake.close();
    fake = undefined;

    const gone = ecsRamRoleCredentials({ roleName: ROLE, endpoint, timeoutMs: 1000 });
    await expect(gone.get()).rejects.toThrow(/the metadata service did not answer/);
  });
});
