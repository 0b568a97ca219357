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

  it('treats a repeated execution name as the same start, and other input under it as a 409 conflict', async () => {
    const post = async (payload: object) => {
      const url = `${env.endpoint}/fc/start-flow/`;
      const sent = JSON.stringify(payload);
      const headers = signAcs3({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        body: sent,
        ...env.credentials,
      });
      const res = await fetch(url, { method: 'POST', headers, body: sent });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    // No workers run the tasks here (functions: true, but the trigger's worker is
    // the demo's): the execution stays Running between the calls either way.
    const first = await post({ input: { source: 'same.csv' }, executionName: 'twice' });
    expect(first.body).toMatchObject({ executionName: 'twice', started: true });
    const repeat = await post({ input: { source: 'same.csv' }, executionName: 'twice' });
    expect(repeat.body).toMatchObject({ executionName: 'twice', started: false });
    const other = await post({ input: { source: 'OTHER.csv' }, executionName: 'twice' });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ code: 'ExecutionNameConflict' });
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
