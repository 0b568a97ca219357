import { execFileSync } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { loadConfig } from '../../../shared/clients/config';
import {
  createFunctionClient,
  type FunctionClient,
  FunctionError,
  functionClientFor,
} from '../../../shared/clients/function-client';

// The built bundles (dist/) run in the local function runtime, from s.yaml:
// start-flow starts the demo flow and the queue-triggered task-worker runs it.
const root = join(import.meta.dirname, '../../..');
let stack: LocalStack;
let fc: FunctionClient;

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-needed', '--quiet'], { cwd: root });
  stack = await startLocalStack({
    port: 0,
    memory: true,
    logger: silentLogger,
    project: join(root, 's.yaml'),
  });
  fc = createFunctionClient({
    accountId: stack.accountId,
    region: stack.region,
    credentials: stack.credentials,
    endpoint: stack.endpoint,
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('function client (@alicloud/fc2) against the local runtime', () => {
  it('invokes start-flow synchronously, which starts the demo flow and waits for it', async () => {
    const text = await fc.invoke({
      functionName: 'start-flow',
      payload: { input: { source: 'orders-2026-11.csv' }, executionName: 'fc-sync-1', wait: 20 },
    });
    const result = JSON.parse(text);
    expect(result).toMatchObject({
      flowName: 'queueflow-demo',
      executionName: 'fc-sync-1',
      status: 'Succeeded',
      finished: true,
    });
    expect(result.output).toMatchObject({
      source: 'orders-2026-11.csv',
      table: 'staging.orders_2026_11',
    });
  });

  it('turns a function error (x-fc-error-type) into FunctionError with the thrown type', async () => {
    const err = await fc
      .invoke({ functionName: 'start-flow', payload: { input: 'not json' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FunctionError);
    expect(err).toMatchObject({ code: 'UnhandledInvocationError', errorType: 'StartFlowError' });
    expect((err as Error).message).toMatch(/"input" is a string but not JSON/);
  });

  it('invokes asynchronously and the execution still runs', async () => {
    await fc.invokeAsync({
      functionName: 'start-flow',
      payload: { input: { source: 'async.csv' }, executionName: 'fc-async-1' },
    });
    const text = await fc.invoke({
      functionName: 'start-flow',
      payload: { executionName: 'fc-async-1', wait: 20 },
    });
    expect(JSON.parse(text)).toMatchObject({ executionName: 'fc-async-1', status: 'Succeeded' });
  });

  it("holds an asynchronous invocation to FC's 128 KB payload limit (a sync one may carry 32 MB)", async () => {
    const payload = { input: { source: 'big.csv', pad: 'x'.repeat(130 * 1024) } };
    const err = await fc
      .invokeAsync({ functionName: 'start-flow', payload })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FunctionError);
    expect(err).toMatchObject({ code: 'EntityTooLarge', retryable: false });
    expect((err as Error).message).toMatch(/asynchronous invocation exceeds FC's 131072 bytes/);
    // The same payload synchronously is within limits (start-flow then refuses
    // its input as too large for the flow, which is the flow's own limit).
    const sync = await fc.invoke({ functionName: 'start-flow', payload }).catch((e: unknown) => e);
    expect(sync).toMatchObject({ code: 'UnhandledInvocationError', errorType: 'FlowError' });
    expect((sync as Error).message).toContain('InvalidArgument: Input exceeds 32768 bytes');
  });

  it('raises FunctionError with the API code for an unknown function', async () => {
    const err = await fc
      .invoke({ functionName: 'no-such-fn', payload: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FunctionError);
    expect((err as FunctionError).code).toMatch(/NotFound/);
    expect((err as FunctionError).retryable).toBe(false);
  });

  it('raises a retryable NetworkError when nothing listens at the endpoint', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const down = createFunctionClient({
      accountId: stack.accountId,
      region: stack.region,
      credentials: stack.credentials,
      endpoint: `http://127.0.0.1:${closed}`,
    });
    const err = await down
      .invoke({ functionName: 'start-flow', payload: {} })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'FunctionError', code: 'NetworkError', retryable: true });
  });

  it('is built from config like the other clients: the local stack from QUEUEFLOW_ENDPOINT', async () => {
    const fromConfig = functionClientFor(loadConfig({ QUEUEFLOW_ENDPOINT: stack.endpoint }));
    const text = await fromConfig.invoke({
      functionName: 'start-flow',
      payload: { input: { source: 'cfg.csv' }, executionName: 'fc-config-1', wait: 20 },
    });
    expect(JSON.parse(text)).toMatchObject({ executionName: 'fc-config-1', status: 'Succeeded' });
  });

  it('invokes in the FC 2.0 service QUEUEFLOW_FC_SERVICE names (default "default")', async () => {
    // What fc2 asks for, seen by a bare server: the service is in the path.
    const paths: string[] = [];
    const recorder = createHttpServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
    try {
      for (const env of [
        { QUEUEFLOW_ENDPOINT: endpoint, QUEUEFLOW_FC_SERVICE: 'orders' },
        { QUEUEFLOW_ENDPOINT: endpoint },
      ]) {
        await functionClientFor(loadConfig(env)).invoke({
          functionName: 'start-flow',
          payload: {},
        });
      }
    } finally {
      await new Promise((r) => recorder.close(r));
    }
    expect(paths).toEqual([
      '/2016-08-15/services/orders/functions/start-flow/invocations',
      '/2016-08-15/services/default/functions/start-flow/invocations',
    ]);
  });
});
