// The FC 3.0 InvokeFunction API with the unmodified @alicloud/fc20230330 client
// (ACS3-HMAC-SHA256 signature, chunked body).
import { Readable } from 'node:stream';
import FC3, { InvokeFunctionRequest } from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureFunction, localKeys, type RuntimeStack, startRuntimeStack } from './runtime-stack';

async function readAll(body: Readable | undefined): Promise<string> {
  if (!body) return '';
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

function client(endpoint: string, secret = localKeys.accessKeySecret): FC3 {
  return new FC3(
    new $OpenApiUtil.Config({
      accessKeyId: localKeys.accessKeyId,
      accessKeySecret: secret,
      endpoint: endpoint.replace(/^http:\/\//, ''),
      protocol: 'http',
    }),
  );
}

describe('the FC 3.0 invoke API', () => {
  let stack: RuntimeStack;
  beforeAll(async () => {
    stack = await startRuntimeStack();
    await stack.runtime.deploy([
      fixtureFunction('text', 'index.text'),
      fixtureFunction('fail', 'index.fail'),
    ]);
  });
  afterAll(() => stack?.stop());

  it('invokes a function with the unmodified @alicloud/fc20230330 client', async () => {
    const res = await client(stack.endpoint).invokeFunction(
      'text',
      new InvokeFunctionRequest({ body: Readable.from([Buffer.from('fc3')]), qualifier: 'LATEST' }),
    );
    expect(res.statusCode).toBe(200);
    expect(await readAll(res.body)).toBe('hello fc3');
  });

  it('answers a function error with x-fc-error-type and the error JSON', async () => {
    const res = await client(stack.endpoint).invokeFunction(
      'fail',
      new InvokeFunctionRequest({ body: Readable.from([Buffer.from('{}')]) }),
    );
    expect(res.headers?.['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(JSON.parse(await readAll(res.body))).toMatchObject({ errorType: 'OrderNotFound' });
  });

  it('refuses a bad signature and an unknown function with FC 3.0 error codes', async () => {
    await expect(
      client(stack.endpoint, 'wrong').invokeFunction(
        'text',
        new InvokeFunctionRequest({ body: Readable.from([Buffer.from('x')]) }),
      ),
    ).rejects.toMatchObject({ code: 'SignatureNotMatch' });
    await expect(
      client(stack.endpoint).invokeFunction(
        'ghost',
        new InvokeFunctionRequest({ body: Readable.from([Buffer.from('x')]) }),
      ),
    ).rejects.toMatchObject({ code: 'FunctionNotFound' });
  });
});
