import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStartFlowHandler, type HttpResponse } from '../../../functions/start-flow/handler';
import type { Execution, FlowClient } from '../../../shared/clients/flow-client';
import { FlowError } from '../../../shared/clients/flow-errors';
import {
  parseStartFlowRequest,
  type StartFlowResult,
  startFlow,
} from '../../../shared/flows/start-flow';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../fixtures/events', name));

/** A fake of the two calls start-flow makes; executions finish on the first waiting describe. */
function createFakeStarter() {
  const executions = new Map<string, Execution>();
  const calls: Array<{ action: string; waitSeconds?: number; input?: unknown }> = [];
  let n = 0;
  const flow: Pick<FlowClient, 'startExecution' | 'describeExecution'> = {
    async startExecution({ flowName, executionName, input }) {
      calls.push({ action: 'start', input });
      if (flowName === 'missing') {
        throw new FlowError({
          code: 'FlowNotExists',
          message: 'Flow missing does not exist.',
          retryable: false,
          status: 404,
        });
      }
      const name = executionName ?? `exec-${++n}`;
      const existing = executions.get(name);
      if (existing && existing.status !== 'Running') {
        throw new FlowError({
          code: 'ExecutionAlreadyExists',
          message: 'exists',
          retryable: false,
          status: 400,
        });
      }
      const e: Execution = existing ?? {
        flowName,
        name,
        status: 'Running',
        input: JSON.stringify(input),
      };
      executions.set(name, e);
      return { ...e };
    },
    async describeExecution({ executionName, waitSeconds }) {
      calls.push({ action: 'describe', ...(waitSeconds !== undefined ? { waitSeconds } : {}) });
      const e = executions.get(executionName);
      if (!e)
        throw new FlowError({
          code: 'ExecutionNotExists',
          message: 'no',
          retryable: false,
          status: 404,
        });
      if (waitSeconds) Object.assign(e, { status: 'Succeeded', output: '{"loaded":1188}' });
      return { ...e };
    },
  };
  return { flow, calls, executions };
}

const body = (r: HttpResponse) => JSON.parse(r.body) as Record<string, unknown>;

describe('start-flow handler over HTTP', () => {
  it('starts the named execution, waits, and answers 200 with the output', async () => {
    const { flow, calls } = createFakeStarter();
    const handler = createStartFlowHandler({ flow, defaultFlowName: 'queueflow-demo' });
    const res = (await handler(fixture('http-start-flow.json'), {
      function: { timeout: 30 },
    })) as HttpResponse;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(body(res)).toMatchObject({
      flowName: 'queueflow-demo',
      executionName: 'orders-2026-11',
      status: 'Succeeded',
      finished: true,
      output: { loaded: 1188 },
    });
    // A named start looks first, then starts, then waits.
    expect(calls).toEqual([
      { action: 'describe' },
      { action: 'start', input: { source: 'orders-2026-11.csv' } },
      { action: 'describe', waitSeconds: 20 },
    ]);
  });

  it('answers 400 to a query parameter spelt like a field, and leaves other parameters alone', async () => {
    const { flow, calls } = createFakeStarter();
    const handler = createStartFlowHandler({ flow, defaultFlowName: 'queueflow-demo' });
    const event = (queryParameters: Record<string, string>) => {
      const e = JSON.parse(fixture('http-start-flow-base64.json').toString()) as Record<
        string,
        unknown
      >;
      return Buffer.from(JSON.stringify({ ...e, queryParameters }));
    };
    const typo = (await handler(event({ executionname: 'orders-1' }))) as HttpResponse;
    expect(typo.statusCode).toBe(400);
    expect(body(typo).message).toBe(
      'unknown query parameter "executionname"; did you mean "executionName"? (the query parameters are "flowName", "executionName", "wait", "sync")',
    );
    expect(calls).toEqual([]);
    const other = (await handler(event({ _: '1732900000', utm_source: 'mail' }))) as HttpResponse;
    expect(other.statusCode).toBe(202);
  });

  it('decodes a base64 body and answers 202 when not asked to wait', async () => {
    const { flow } = createFakeStarter();
    const handler = createStartFlowHandler({ flow, defaultFlowName: 'queueflow-demo' });
    const res = (await handler(fixture('http-start-flow-base64.json'))) as HttpResponse;
    expect(res.statusCode).toBe(202);
    expect(body(res)).toMatchObject({ status: 'Running', finished: false, started: true });
  });

  it('caps the wait to what the function timeout leaves', async () => {
    const { flow, calls } = createFakeStarter();
    const handler = createStartFlowHandler({
      flow,
      defaultFlowName: 'queueflow-demo',
      now: () => 0,
    });
    await handler(fixture('http-start-flow.json'), { function: { timeout: 10 } });
    expect(calls.at(-1)).toEqual({ action: 'describe', waitSeconds: 8 });
  });

  it('takes the time the start itself took off the wait, so it ends inside the timeout', async () => {
    const { flow, calls } = createFakeStarter();
    const start = flow.startExecution;
    let clock = 0;
    // A start slowed down by retries: 1.2 s (of a fake clock) before it answers.
    flow.startExecution = async (p) => {
      clock += 1200;
      return start(p);
    };
    const handler = createStartFlowHandler({
      flow,
      defaultFlowName: 'queueflow-demo',
      now: () => clock,
    });
    await handler(fixture('http-start-flow.json'), { function: { timeout: 10 } });
    // 10 s timeout - 2 s margin - 1.2 s of start leaves 6.8 s: 6 whole seconds
    // of wait; without the deduction it would be 8.
    expect(calls.at(-1)).toEqual({ action: 'describe', waitSeconds: 6 });
  });

  it('runs a sync request within the function timeout, and says so when the execution outlasts it', async () => {
    const { flow } = createFakeStarter();
    const asked: Array<number | undefined> = [];
    const handler = createStartFlowHandler({
      flow: {
        ...flow,
        async startSyncExecution({ flowName, timeoutMs }) {
          asked.push(timeoutMs);
          if (flowName === 'slow' || flowName === 'down') {
            // As toFlowError makes them: pop-core's read timeout, or a refused connection.
            const cause =
              flowName === 'slow'
                ? Object.assign(new Error('ReadTimeout(8000)'), { name: 'RequestTimeoutError' })
                : Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
            throw new FlowError({
              code: 'NetworkError',
              message: cause.message,
              retryable: true,
              cause,
            });
          }
          return { flowName, name: 'x:1', status: 'Succeeded', output: '{"ok":true}' };
        },
      },
      now: () => 0,
    });
    const event = (flowName: string) =>
      JSON.stringify({
        version: 'v1',
        rawPath: '/',
        body: JSON.stringify({ flowName, sync: true }),
        isBase64Encoded: false,
        requestContext: { http: { method: 'POST', path: '/' } },
        headers: {},
        queryParameters: {},
      });
    const ok = (await handler(event('fast'), { function: { timeout: 10 } })) as HttpResponse;
    expect(ok.statusCode).toBe(200);
    expect(body(ok)).toMatchObject({
      executionName: 'x:1',
      status: 'Succeeded',
      output: { ok: true },
    });
    // 10 s timeout - 2 s margin: the call gets what the function has left.
    expect(asked).toEqual([8000]);
    const slow = (await handler(event('slow'), { function: { timeout: 10 } })) as HttpResponse;
    expect(slow.statusCode).toBe(504);
    expect(body(slow)).toMatchObject({
      code: 'SyncExecutionTimeout',
      message: 'the Express execution of flow "slow" did not end within the 8 s this call had left',
    });
    // A connection refused started nothing: it is no timeout.
    const down = (await handler(event('down'), { function: { timeout: 10 } })) as HttpResponse;
    expect(down.statusCode).toBe(502);
    expect(body(down)).toMatchObject({ code: 'NetworkError' });
    // With under a second left, nothing is started.
    const before = asked.length;
    const short = (await handler(event('fast'), { function: { timeout: 2 } })) as HttpResponse;
    expect(short.statusCode).toBe(504);
    expect(body(short).message).toMatch(/^only 0 ms of this call's time are left/);
    expect(asked).toHaveLength(before);
  });

  it('is idempotent: the same execution name answers with the existing execution', async () => {
    const { flow } = createFakeStarter();
    const handler = createStartFlowHandler({ flow, defaultFlowName: 'queueflow-demo' });
    await handler(fixture('http-start-flow.json'), { function: { timeout: 30 } });
    const again = (await handler(fixture('http-start-flow.json'), {
      function: { timeout: 30 },
    })) as HttpResponse;
    expect(again.statusCode).toBe(200);
    expect(body(again)).toMatchObject({
      executionName: 'orders-2026-11',
      started: false,
      status: 'Succeeded',
    });
  });

  it.each([
    ['a body that is not JSON', { body: '{oops' }, 400, 'InvalidArgument'],
    ['an input that is not an object', { body: '{"input":[1]}' }, 400, 'InvalidArgument'],
    ['a bad execution name', { body: '{"executionName":"has space"}' }, 400, 'InvalidArgument'],
    ['a negative wait', { body: '{"wait":-1}' }, 400, 'InvalidArgument'],
    ['a flow that does not exist', { body: '{"flowName":"missing"}' }, 404, 'FlowNotExists'],
  ])('answers %s with a clear 4xx JSON error', async (_what, patch, status, code) => {
    const { flow } = createFakeStarter();
    const handler = createStartFlowHandler({ flow, defaultFlowName: 'queueflow-demo' });
    const event = {
      ...JSON.parse(fixture('http-start-flow.json').toString()),
      queryParameters: {},
      ...patch,
    };
    const res = (await handler(Buffer.from(JSON.stringify(event)), {
      requestId: 'req-1',
    })) as HttpResponse;
    expect(res.statusCode).toBe(status);
    expect(body(res)).toMatchObject({ code, requestId: 'req-1' });
    expect(String(body(res).message).length).toBeGreaterThan(5);
  });

  it('answers 409 to the second of two racing starts of one name with other input', async () => {
    const { flow, executions } = createFakeStarter();
    const [a, b] = await Promise.allSettled([
      startFlow({ flow }, { flowName: 'f', executionName: 'race', input: { who: 'A' } }),
      startFlow({ flow }, { flowName: 'f', executionName: 'race', input: { who: 'B' } }),
    ]);
    expect(a).toMatchObject({ status: 'fulfilled', value: { started: true } });
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'ExecutionNameConflict' } });
    expect(JSON.parse(executions.get('race')?.input ?? '{}')).toEqual({ who: 'A' });
  });

  it('answers 400 when no flow is named and FLOW_NAME is unset', async () => {
    const { flow } = createFakeStarter();
    const handler = createStartFlowHandler({ flow });
    const res = (await handler(fixture('http-start-flow-base64.json'))) as HttpResponse;
    expect(res.statusCode).toBe(400);
    expect(body(res)).toMatchObject({ code: 'MissingFlowName' });
  });

  it('answers 405 to a GET', async () => {
    const { flow } = createFakeStarter();
    const handler = createStartFlowHandler({ flow, defaultFlowName: 'queueflow-demo' });
    const event = JSON.parse(fixture('http-start-flow.json').toString());
    event.requestContext.http.method = 'GET';
    const res = (await handler(Buffer.from(JSON.stringify(event)))) as HttpResponse;
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });
});

describe('parseStartFlowRequest', () => {
  it("reads wait 'true' and 'false' as text (a query parameter) as the booleans", () => {
    expect(parseStartFlowRequest({ flowName: 'f', wait: 'true' })).toEqual({
      flowName: 'f',
      waitSeconds: Number.POSITIVE_INFINITY,
    });
    expect(parseStartFlowRequest({ flowName: 'f', wait: 'false' })).toEqual({ flowName: 'f' });
    expect(parseStartFlowRequest({ flowName: 'f', wait: '20' })).toMatchObject({ waitSeconds: 20 });
  });

  it('refuses a field it does not know, naming the likely one, instead of dropping it', () => {
    expect(() => parseStartFlowRequest({ flowName: 'f', executionname: 'run-1' })).toThrow(
      'unknown field "executionname"; did you mean "executionName"? (the fields are "flowName", "input", "executionName", "wait", "sync")',
    );
    expect(() => parseStartFlowRequest({ flowName: 'f', waitSeconds: 30 })).toThrow(
      /unknown field "waitSeconds"; did you mean "wait"\?/,
    );
    expect(() => parseStartFlowRequest({ flowName: 'f', imput: {} })).toThrow(
      /unknown field "imput"; did you mean "input"\?/,
    );
    // Names of Object.prototype members are unknown fields like any other.
    expect(() => parseStartFlowRequest({ flowName: 'f', constructor: 1 })).toThrow(
      /^unknown field "constructor" \(the fields are/,
    );
    expect(() => parseStartFlowRequest({ flowName: 'f', colour: 'red' })).toThrow(
      /^unknown field "colour" \(the fields are/,
    );
  });

  it('does not read wait on a sync request, which always waits', () => {
    expect(parseStartFlowRequest({ flowName: 'f', sync: true, wait: 'abc' })).toEqual({
      flowName: 'f',
      sync: true,
    });
    expect(() => parseStartFlowRequest({ flowName: 'f', wait: 'abc' })).toThrow(/"wait" must be/);
    expect(() => parseStartFlowRequest({ flowName: 'f', sync: 'TRUE' })).toThrow(
      '"sync" must be true or false',
    );
  });
});

describe('start-flow handler as an event', () => {
  it('returns the result object for a plain event invoke', async () => {
    const { flow } = createFakeStarter();
    const handler = createStartFlowHandler({ flow });
    const r = (await handler(
      Buffer.from(
        JSON.stringify({ flowName: 'queueflow-demo', input: { source: 'x.csv' }, wait: 5 }),
      ),
    )) as StartFlowResult;
    expect(r).toMatchObject({
      flowName: 'queueflow-demo',
      status: 'Succeeded',
      output: { loaded: 1188 },
    });
  });

  it('throws a coded error for bad input, which FC reports as a function error', async () => {
    const { flow } = createFakeStarter();
    const handler = createStartFlowHandler({ flow });
    await expect(handler(Buffer.from('{"input": 3}'))).rejects.toMatchObject({
      name: 'StartFlowError',
      code: 'MissingFlowName',
    });
    await expect(handler(Buffer.from('not json'))).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
  });
});
