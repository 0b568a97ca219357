import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createFlowClient } from '../../../shared/clients/flow-client';
import { FlowError } from '../../../shared/clients/flow-errors';

// A scripted HTTP endpoint standing in for a misbehaving FnF (throttling, 5xx,
// an HTML error page): the real local engine never fails this way on purpose.
interface Scripted {
  status: number;
  body: string;
}

let server: Server | undefined;

async function serve(script: Scripted[]) {
  const seen: Array<{ method: string; body: string }> = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += String(d)));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', body });
      const next = script.shift() ?? {
        status: 500,
        body: '{"Code":"InternalServerError","Message":"script ended"}',
      };
      res.writeHead(next.status, { 'content-type': 'application/json' });
      res.end(next.body);
    });
  });
  server = srv;
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  const flow = createFlowClient({
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
    sleep: async () => {},
  });
  return { flow, seen };
}

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const ok = { status: 200, body: '{"RequestId":"R","EventId":7}' };
const throttled = {
  status: 429,
  body: '{"RequestId":"R","Code":"ResourceThrottled","Message":"slow down"}',
};
const down = { status: 503, body: '<html>Service Unavailable</html>' };

describe('flow client reports', () => {
  it('POSTs ReportTaskSucceeded as a form and retries throttling and 5xx until it gets through', async () => {
    const { flow, seen } = await serve([throttled, down, ok]);
    const r = await flow.reportTaskSucceeded({ taskToken: 'tok', output: { a: 1 } });
    expect(r).toEqual({ status: 'reported', eventId: 7 });
    expect(seen).toHaveLength(3);
    expect(seen.every((s) => s.method === 'POST')).toBe(true);
    const form = new URLSearchParams(seen[0]?.body);
    expect(form.get('Action')).toBe('ReportTaskSucceeded');
    expect(form.get('TaskToken')).toBe('tok');
    expect(form.get('Output')).toBe('{"a":1}');
  });

  it('counts TaskAlreadyCompleted as done, without retrying', async () => {
    const { flow, seen } = await serve([
      {
        status: 400,
        body: '{"RequestId":"R","Code":"TaskAlreadyCompleted","Message":"Task tok has already completed."}',
      },
    ]);
    expect(await flow.reportTaskFailed({ taskToken: 'tok', error: 'E' })).toEqual({
      status: 'already-completed',
    });
    expect(seen).toHaveLength(1);
  });

  it('gives up after five attempts with a retryable FlowError', async () => {
    const { flow, seen } = await serve([throttled, throttled, throttled, throttled, throttled, ok]);
    const err = await flow
      .reportTaskSucceeded({ taskToken: 'tok', output: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlowError);
    expect(err).toMatchObject({ code: 'ResourceThrottled', retryable: true, status: 429 });
    expect(seen).toHaveLength(5);
  });

  it('does not retry a client error', async () => {
    const { flow, seen } = await serve([
      { status: 400, body: '{"RequestId":"R","Code":"InvalidArgument","Message":"bad token"}' },
    ]);
    await expect(flow.reportTaskSucceeded({ taskToken: 'x', output: {} })).rejects.toMatchObject({
      code: 'InvalidArgument',
      retryable: false,
    });
    expect(seen).toHaveLength(1);
  });

  it('retries a named StartExecution but never an unnamed one', async () => {
    const started = '{"RequestId":"R","Name":"n1","FlowName":"f","Status":"Running"}';
    const named = await serve([down, { status: 200, body: started }]);
    expect((await named.flow.startExecution({ flowName: 'f', executionName: 'n1' })).status).toBe(
      'Running',
    );
    expect(named.seen).toHaveLength(2);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const unnamed = await serve([down, { status: 200, body: started }]);
    await expect(unnamed.flow.startExecution({ flowName: 'f' })).rejects.toMatchObject({
      code: 'InvalidResponse',
    });
    expect(unnamed.seen).toHaveLength(1);
  });
});

describe('a retry after an attempt whose answer was lost', () => {
  const serverError = {
    status: 500,
    body: '{"RequestId":"R","Code":"InternalServerError","Message":"lost"}',
  };

  it('takes the execution its own start made, which has ended since', async () => {
    const { flow, seen } = await serve([
      serverError,
      {
        status: 400,
        body: '{"RequestId":"R","Code":"ExecutionAlreadyExists","Message":"exists"}',
      },
      {
        status: 200,
        body: '{"RequestId":"R","Name":"n","FlowName":"f","Status":"Succeeded","Input":"{\\"b\\":2,\\"a\\":1}"}',
      },
    ]);
    const e = await flow.startExecution({
      flowName: 'f',
      executionName: 'n',
      input: { a: 1, b: 2 },
    });
    expect(e).toMatchObject({ name: 'n', status: 'Succeeded' });
    expect(seen).toHaveLength(3);
  });

  it('still refuses a name whose execution had other input', async () => {
    const { flow } = await serve([
      serverError,
      {
        status: 400,
        body: '{"RequestId":"R","Code":"ExecutionAlreadyExists","Message":"exists"}',
      },
      {
        status: 200,
        body: '{"RequestId":"R","Name":"n","FlowName":"f","Status":"Succeeded","Input":"{\\"a\\":9}"}',
      },
    ]);
    await expect(
      flow.startExecution({ flowName: 'f', executionName: 'n', input: { a: 1 } }),
    ).rejects.toMatchObject({ code: 'ExecutionAlreadyExists' });
  });

  it('takes a stop its own lost attempt made', async () => {
    const { flow } = await serve([
      serverError,
      {
        status: 400,
        body: '{"RequestId":"R","Code":"ExecutionAlreadyCompleted","Message":"done"}',
      },
      { status: 200, body: '{"RequestId":"R","Name":"n","FlowName":"f","Status":"Stopped"}' },
    ]);
    const e = await flow.stopExecution({ flowName: 'f', executionName: 'n' });
    expect(e.status).toBe('Stopped');
  });
});

describe('a deadline (a function that must answer before FC ends it)', () => {
  it('cuts each attempt and stops retrying at the deadline when FnF stalls', async () => {
    // Answers nothing: every attempt runs into its timeout.
    const srv = createServer(() => {});
    server = srv;
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const flow = createFlowClient({
      endpoint: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
      timeoutMs: 1_000,
    });
    const started = Date.now();
    await expect(
      flow.describeExecution({
        flowName: 'f',
        executionName: 'e',
        waitSeconds: 2,
        deadlineMs: started + 1_500,
      }),
    ).rejects.toBeInstanceOf(FlowError);
    // Without the deadline: 5 attempts of (1 s + the 2 s wait), about 15 s.
    expect(Date.now() - started).toBeLessThan(5_000);
    srv.closeAllConnections();
  });
});
