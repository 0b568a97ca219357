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

  // start-flow's trigger has authType function: every call must be signed.
  const postSigned = (query: string, body: string) => {
    const url = `${env.endpoint}/fc/start-flow/${query}`;
    const headers = signAcs3({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      body,
      ...env.credentials,
    });
    return fetch(url, { method: 'POST', headers, body });
  };

  it('starts the demo flow over its HTTP trigger and waits for the result', async () => {
    const res = await postSigned(
      '?wait=20',
      JSON.stringify({ input: { source: 'orders-2026-11.csv' }, executionName: 'via-http' }),
    );
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
      const res = await postSigned('', JSON.stringify(payload));
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    // Whether the execution is still running or has ended by the repeat, the
    // answer is the same: a named start looks before it starts.
    const first = await post({ input: { source: 'same.csv' }, executionName: 'twice' });
    expect(first.body).toMatchObject({ executionName: 'twice', started: true });
    const repeat = await post({ input: { source: 'same.csv' }, executionName: 'twice' });
    expect(repeat.body).toMatchObject({ executionName: 'twice', started: false });
    const other = await post({ input: { source: 'OTHER.csv' }, executionName: 'twice' });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ code: 'ExecutionNameConflict' });
  });

  it('runs an Express flow with sync (StartSyncExecution) and answers with its end', async () => {
    env.stack.engine.createFlow({
      Name: 'express_orders',
      ExecutionMode: 'Express',
      Definition: `version: v1
type: flow
steps:
  - type: choice
    name: check
    choices:
      - condition: $.qty > 0
        steps:
          - type: pass
            name: ok
            inputMappings:
              - target: qty
                source: $input.qty
            outputMappings:
              - target: accepted
                source: $input.qty
    default:
      goto: refuse
  - type: succeed
    name: done
  - type: fail
    name: refuse
    error: Order.Empty
    cause: qty must be positive
`,
    });
    const post = async (query: string, payload: object) => {
      const res = await postSigned(query, JSON.stringify(payload));
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const ok = await post('?sync=true', {
      flowName: 'express_orders',
      executionName: 'order',
      input: { qty: 3 },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      flowName: 'express_orders',
      status: 'Succeeded',
      started: true,
      finished: true,
      output: { accepted: 3 },
    });
    expect(ok.body.executionName).toMatch(/^order:[0-9a-f-]{36}$/);

    const failed = await post('', { flowName: 'express_orders', input: { qty: 0 }, sync: true });
    expect(failed.body).toMatchObject({
      status: 'Failed',
      error: 'Order.Empty',
      cause: 'qty must be positive',
    });
    // A Standard flow cannot run this way; the service's error comes through.
    const standard = await post('', { input: { source: 'a.csv' }, sync: true });
    expect(standard.status).toBe(400);
    expect(standard.body).toMatchObject({ code: 'ActionNotSupported' });
    // Nor an Express one without sync: refused as in the cloud, saying how to run it.
    const unsynced = await post('', { flowName: 'express_orders', input: { qty: 1 } });
    expect(unsynced.status).toBe(400);
    expect(unsynced.body).toMatchObject({
      code: 'ActionNotSupported',
      message:
        'flow "express_orders" is an Express flow: send "sync": true to run it (StartSyncExecution)',
    });
    const bad = await post('', { flowName: 'express_orders', sync: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      code: 'InvalidArgument',
      message: '"sync" must be true or false',
    });
  });

  it('answers bad input over HTTP with a clear 4xx', async () => {
    const res = await postSigned('', '{"input": "not an object"');
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
