import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { ecsRamRoleCredentials } from '../../../shared/clients/credential-source';
import { createFlowClient } from '../../../shared/clients/flow-client';
import { createFunctionClient } from '../../../shared/clients/function-client';
import { createQueueClient } from '../../../shared/clients/queue-client';
import { type FakeEcsMetadata, startFakeEcsMetadata } from '../../support/fake-ecs-metadata';

// The clients ask their credential source before each call, so a worker on an
// ECS instance keeps working as the role's STS token rotates. The local stack
// checks signatures with its own key: credentials "rotated" to another secret
// are refused, which shows the new ones are what the SDKs sign with.
let stack: LocalStack;
let fake: FakeEcsMetadata;
const clock = { t: Date.UTC(2026, 10, 29, 12) };
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, memory: true, logger: silentLogger });
  fake = await startFakeEcsMetadata('queueflow-worker', {
    AccessKeyId: stack.credentials.accessKeyId,
    AccessKeySecret: stack.credentials.accessKeySecret,
    SecurityToken: 'sts-1',
    Expiration: iso(clock.t + 3600_000),
  });
  stack.engine.createFlow({
    Name: 'rotating',
    Type: 'FDL',
    Definition: 'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n',
  });
});
afterAll(async () => {
  await fake?.close();
  await stack?.stop();
});

describe('clients over a rotating credential source', () => {
  it('sign each FnF, MNS and FC call with the credentials the source has now', async () => {
    const source = ecsRamRoleCredentials({
      roleName: 'queueflow-worker',
      endpoint: fake.endpoint,
      now: () => clock.t,
    });
    const flow = createFlowClient({
      endpoint: stack.endpoint,
      credentials: source,
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    });
    const queue = createQueueClient({
      accountId: stack.accountId,
      credentials: source,
      endpoint: stack.endpoint,
    });
    // No function is deployed: a well-signed invoke gets FunctionNotFound, a badly signed one 403.
    const fc = createFunctionClient({
      accountId: stack.accountId,
      region: stack.region,
      credentials: source,
      endpoint: stack.endpoint,
    });
    const invokeCode = () =>
      fc.invoke({ functionName: 'absent', payload: {} }).then(
        () => 'ok',
        (e: { code: string }) => e.code,
      );
    await queue.createQueue('rotating-q');
    expect(await invokeCode()).toBe('FunctionNotFound');
    await queue.send('rotating-q', { body: 'one' });
    expect((await flow.startExecution({ flowName: 'rotating', executionName: 'r1' })).name).toBe(
      'r1',
    );

    // The role's credentials rotate to a key the stack does not know.
    fake.credentials = { ...fake.credentials, AccessKeySecret: 'rotated', SecurityToken: 'sts-2' };
    clock.t += 3600_000 - 60_000;
    await expect(queue.send('rotating-q', { body: 'two' })).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
    await expect(
      flow.startExecution({ flowName: 'rotating', executionName: 'r2' }),
    ).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
    expect(await invokeCode()).toBe('SignatureNotMatch');

    // And back: both clients follow without being rebuilt.
    fake.credentials = {
      ...fake.credentials,
      AccessKeySecret: stack.credentials.accessKeySecret,
      SecurityToken: 'sts-3',
      Expiration: iso(clock.t + 7200_000),
    };
    clock.t += 3600_000;
    await queue.send('rotating-q', { body: 'three' });
    expect((await flow.startExecution({ flowName: 'rotating', executionName: 'r3' })).name).toBe(
      'r3',
    );
    expect(await invokeCode()).toBe('FunctionNotFound');
    const bodies = (await queue.receive('rotating-q', { max: 16, waitSeconds: 0 })).map(
      (m) => m.body,
    );
    expect(bodies.sort()).toEqual(['one', 'three']);

    // A rotation that changes only the secret (same key id, same token) is followed too.
    fake.credentials = { ...fake.credentials, AccessKeySecret: 'rotated-again' };
    clock.t += 7200_000;
    await expect(queue.send('rotating-q', { body: 'four' })).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
    expect(await invokeCode()).toBe('SignatureNotMatch');
  });
});
