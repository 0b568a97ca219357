// The BUILT start-flow bundle, reached through its HTTP trigger and through the
// FC invoke API with the unmodified @alicloud/fc2 client.
import { fileURLToPath } from 'node:url';
import FC from '@alicloud/fc2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnvironment, type TestEnvironment } from '../../../testing';
import { signAcs3 } from '../../support/acs3-sign';

const S_YAML = fileURLToPath(new URL('../../../s.yaml', import.meta.url));

describe('the start-flow bundle in the local runtime', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await createTestEnvironment({ project: S_YAML, functions: true });
  });
  afterAll(() => env?.stop());

  it('starts the demo flow over its HTTP trigger and waits for the result', async () => {
    // start-flow's trigger has authType function: the call must be signed.
    const url = `${env.endpoint}/fc/start-flow/?wait=20`;
    const sent = JSON.stringify({
      input: { source: 'orders-2026-11.csv' },
      executionName: 'via-http',
    });
    const headers = signAcs3({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      body: sent,
      ...env.credentials,
    });
    const res = await fetch(url, { method: 'POST', headers, body: sent });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      flowName: 'queueflow-demo',
      executionName: 'via-http',
      status: 'Succeeded',
      finished: true,
      output: { table: 'staging.orders_2026_11' },
    });
  });

  it('answers bad input over HTTP with a clear 4xx', async () => {
    const url = `${env.endpoint}/fc/start-flow/`;
    const body = '{"input": "not an object"';
    const headers = signAcs3({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      body,
      ...env.credentials,
    });
    const res = await fetch(url, { method: 'POST', headers, body });
    expect(res.status, 'signed, so not refused at the door').not.toBe(403);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('starts and waits when invoked as an event through @alicloud/fc2', async () => {
    const fc = new FC(env.stack.accountId, {
      accessKeyID: env.credentials.accessKeyId,
      accessKeySecret: env.credentials.accessKeySecret,
      region: env.stack.region,
      endpoint: env.endpoint,
    });
    const res = await fc.invokeFunction(
      'default',
      'start-flow',
      JSON.stringify({
        input: { source: 'orders-2026-12.csv' },
        executionName: 'via-fc2',
        wait: 20,
      }),
    );
    expect(res.headers['x-fc-error-type']).toBeUndefined();
    const result = JSON.parse(String(res.data)) as Record<string, unknown>;
    expect(result).toMatchObject({ executionName: 'via-fc2', status: 'Succeeded', finished: true });
    // Idempotent by name: a second call finds the same execution instead of starting another.
    const again = await fc.invokeFunction(
      'default',
      'start-flow',
      JSON.stringify({ input: { source: 'orders-2026-12.csv' }, executionName: 'via-fc2' }),
    );
    expect(JSON.parse(String(again.data))).toMatchObject({
      executionName: 'via-fc2',
      started: false,
    });
  });
});
