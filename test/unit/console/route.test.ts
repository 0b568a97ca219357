// The console's HTTP API over a small in-memory backend (the real engine is covered by
// the browser tests): validation, error mapping, paging parameters and the live stream.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type {
  ConsoleBackend,
  ConsoleEvent,
  ConsoleExecution,
} from '../../../local/console/backend';
import { createConsole } from '../../../local/console/index';
import type { HistoryEvent } from '../../../local/console/model/history';
import { type HttpServer, startHttpServer } from '../../../local/http/server';
import { silentLogger } from '../../../local/log';

class NotFound extends Error {
  override readonly name = 'NotFound';
  readonly code = 'ExecutionNotExists';
  readonly status = 404;
}

function createMemoryBackend() {
  const listeners = new Set<(e: ConsoleEvent) => void>();
  const history: HistoryEvent[] = [
    { EventId: 1, Type: 'ExecutionStarted', Time: '2026-11-28T18:00:00.000Z', EventDetail: '{}' },
  ];
  const started: { FlowName: string; ExecutionName?: string; Input?: string }[] = [];
  const calls: Record<string, unknown>[] = [];
  const exec = (Name: string): ConsoleExecution => ({ Name, FlowName: 'f', Status: 'Running' });
  const backend: ConsoleBackend = {
    listFlows: async () => ({
      Flows: [{ Name: 'f', Definition: 'version: v1\ntype: flow\nsteps: []\n' }],
    }),
    describeFlow: async (p) => {
      if (p.Name !== 'f')
        throw Object.assign(new NotFound(`Flow ${p.Name} does not exist`), {
          code: 'FlowNotExists',
        });
      return { Name: p.Name, Definition: 'steps: []' };
    },
    listExecutions: async (p) => {
      calls.push(p);
      return { Executions: [exec('e1')], NextToken: 'e2' };
    },
    describeExecution: async (p) => {
      if (p.ExecutionName !== 'e1')
        throw new NotFound(`Execution ${p.ExecutionName} does not exist`);
      return exec('e1');
    },
    getExecutionHistory: async () => ({ Events: history }),
    startExecution: async (p) => {
      started.push(p);
      return exec(p.ExecutionName ?? 'generated');
    },
    stopExecution: async (p) => ({ ...exec(p.ExecutionName), Status: 'Stopped' }),
    onEvent: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    listQueues: async () => [{ name: 'q', active: 2, inflight: 1, delayed: 0 }],
    peekMessages: async () => [{ messageId: 'm', body: '{"a":1}' }],
  };
  const emit = (event: HistoryEvent) => {
    history.push(event);
    for (const l of listeners) l({ flowName: 'f', executionName: 'e1', event });
  };
  return { backend, started, calls, emit, listeners, history };
}

let server: HttpServer;
let mem: ReturnType<typeof createMemoryBackend>;
let stopConsole: () => void;

beforeAll(async () => {
  mem = createMemoryBackend();
  const console_ = createConsole({ backend: mem.backend, logger: silentLogger });
  stopConsole = () => void console_.stop();
  server = await startHttpServer({ routes: console_.routes, port: 0, logger: silentLogger });
});
afterAll(async () => {
  stopConsole();
  await server.close();
});

const url = (p: string) => `${server.endpoint}${p}`;
const post = (p: string, body: unknown) =>
  fetch(url(p), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** Opens an SSE stream; `read(needle)` reads until the text holds it (5 s deadline). */
async function openEvents(path: string) {
  const controller = new AbortController();
  const res = await fetch(url(path), { signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const stream = {
    res,
    text: '',
    async read(needle: string) {
      const deadline = Date.now() + 5000;
      while (!stream.text.includes(needle)) {
        if (Date.now() > deadline) throw new Error(`no ${needle} in ${stream.text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        stream.text += decoder.decode(value, { stream: true });
      }
    },
    close: () => controller.abort(),
  };
  return stream;
}

describe('console route', () => {
  it('serves the page shell with a strict content security policy', async () => {
    const res = await fetch(url('/console'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<script src="/console/app.js"></script>');
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });

  it('refuses invalid JSON input with InvalidArgument and starts nothing', async () => {
    const res = await post('/console/api/flows/f/executions', { input: '{"source": ' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { Code: string; Message: string };
    expect(body.Code).toBe('InvalidArgument');
    expect(body.Message).toMatch(/not valid JSON/);
    const arr = await post('/console/api/flows/f/executions', { input: '[1,2]' });
    expect(arr.status).toBe(400);
    const badName = await post('/console/api/flows/f/executions', {
      input: '{}',
      name: 'no spaces',
    });
    expect(badName.status).toBe(400);
    expect(mem.started).toHaveLength(0);
  });

  it('refuses a name, input, error or cause that is not a string, instead of dropping it', async () => {
    const before = mem.started.length;
    for (const body of [{ input: { source: 'x.csv' } }, { name: 123, input: '{}' }]) {
      const res = await post('/console/api/flows/f/executions', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { Message: string }).Message).toMatch(/must be a string/);
    }
    expect(mem.started).toHaveLength(before);
    const stop = await post('/console/api/flows/f/executions/e1/stop', { error: 5 });
    expect(stop.status).toBe(400);
  });

  it('answers 404 for the event stream of a flow that does not exist', async () => {
    const res = await fetch(url('/console/api/flows/nope/events'));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { Code: string }).Code).toBe('FlowNotExists');
  });

  it('ends an execution stream with "replaced" when a newer execution takes the name', async () => {
    const stream = await openEvents('/console/api/flows/f/executions/e1/events');
    await stream.read('event: snapshot');
    await stream.read('\n\n');
    // DeleteFlow, CreateFlow and StartExecution with the same names: a new start.
    mem.emit({
      EventId: 1,
      Type: 'ExecutionStarted',
      Time: '2026-11-28T19:00:00.000Z',
      EventDetail: '{}',
    });
    await stream.read('event: replaced');
    expect(stream.text).not.toContain('event: history\ndata: {"EventId":1');
    stream.close();
  });

  it('tells a newer execution under the same name apart even in the same millisecond', async () => {
    const kept = mem.history.length;
    onTestFinished(() => {
      mem.history.length = kept;
    });
    const stream = await openEvents('/console/api/flows/f/executions/e1/events');
    await stream.read('event: snapshot');
    await stream.read('\n\n');
    const at = '2026-11-28T18:00:01.000Z';
    mem.emit({ EventId: 2, Type: 'StepEntered', StepName: 'A', Time: at, EventDetail: '{}' });
    await stream.read('"StepEntered"');
    // The newer execution's event 2: same type and time (a frozen or virtual clock), other input.
    mem.emit({
      EventId: 2,
      Type: 'StepEntered',
      StepName: 'A',
      Time: at,
      EventDetail: '{"input":{"new":2}}',
    });
    await stream.read('event: replaced');
    stream.close();
  });

  it('starts an execution with the normalised input and the given name', async () => {
    const res = await post('/console/api/flows/f/executions', {
      input: ' {"source": "x.csv"} ',
      name: 'run-1',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as ConsoleExecution).Name).toBe('run-1');
    expect(mem.started.at(-1)).toEqual({
      FlowName: 'f',
      ExecutionName: 'run-1',
      Input: '{"source":"x.csv"}',
    });
  });

  it('passes filters and paging through to ListExecutions', async () => {
    const res = await fetch(
      url('/console/api/flows/f/executions?status=Failed&prefix=run&limit=20&nextToken=e9'),
    );
    const body = (await res.json()) as { Executions: ConsoleExecution[]; NextToken?: string };
    expect(body.NextToken).toBe('e2');
    expect(mem.calls.at(-1)).toEqual({
      FlowName: 'f',
      Status: 'Failed',
      ExecutionNamePrefix: 'run',
      Limit: 20,
      NextToken: 'e9',
    });
    const bad = await fetch(url('/console/api/flows/f/executions?limit=500'));
    expect(bad.status).toBe(400);
  });

  it("answers with the backend error's code and status", async () => {
    const res = await fetch(url('/console/api/flows/f/executions/nope'));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { Code: string }).Code).toBe('ExecutionNotExists');
    const unknown = await fetch(url('/console/api/nothing'));
    expect(unknown.status).toBe(404);
  });

  it('stops an execution and lists queues with a peek', async () => {
    const stop = await post('/console/api/flows/f/executions/e1/stop', { error: 'Stopped' });
    expect(((await stop.json()) as ConsoleExecution).Status).toBe('Stopped');
    const queues = (await (await fetch(url('/console/api/queues'))).json()) as {
      Queues: unknown[];
    };
    expect(queues.Queues).toEqual([{ name: 'q', active: 2, inflight: 1, delayed: 0 }]);
    const peek = (await (await fetch(url('/console/api/queues/q/messages'))).json()) as {
      Messages: unknown[];
    };
    expect(peek.Messages).toHaveLength(1);
  });

  it('streams a history snapshot then each live event once', async () => {
    const stream = await openEvents('/console/api/flows/f/executions/e1/events');
    expect(stream.res.headers.get('content-type')).toMatch(/text\/event-stream/);
    await stream.read('event: snapshot');
    await stream.read('\n\n');
    expect(stream.text).toContain('"ExecutionStarted"');
    const entered = {
      EventId: 2,
      Type: 'StepEntered',
      StepName: 'A',
      Time: '2026-11-28T18:00:01.000Z',
      EventDetail: '{}',
    };
    mem.emit(entered);
    // The engine may hand the same event twice; the stream sends it once.
    mem.emit(entered);
    mem.emit({ EventId: 3, Type: 'StepExited', StepName: 'A', Time: '2026-11-28T18:00:02.000Z' });
    await stream.read('"StepExited"');
    expect(stream.text.match(/event: history/g)).toHaveLength(2);
    expect(stream.text.match(/"EventId":2/g)).toHaveLength(1);
    stream.close();
    const deadline = Date.now() + 5000;
    while (mem.listeners.size > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(mem.listeners.size).toBe(0);
  });
  it('streams only the execution-level events of the flow asked for', async () => {
    const stream = await openEvents('/console/api/flows/f/events');
    await stream.read(': ready');
    mem.emit({ EventId: 4, Type: 'StepEntered', StepName: 'B', Time: '2026-11-28T18:00:03.000Z' });
    mem.emit({ EventId: 5, Type: 'ExecutionSucceeded', Time: '2026-11-28T18:00:04.000Z' });
    await stream.read('"ExecutionSucceeded"');
    expect(stream.text).not.toContain('StepEntered');
    expect(stream.text).toContain('event: execution');
    stream.close();
  });

  it('serves the bundled client with an etag and answers 304 when unchanged', async () => {
    const res = await fetch(url('/console/app.js'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    const code = await res.text();
    expect(code.length).toBeGreaterThan(100_000);
    const etag = res.headers.get('etag')!;
    const again = await fetch(url('/console/app.js'), { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });
  it('refuses writes that a cross-site page could send', async () => {
    const before = mem.started.length;
    const form = await fetch(url('/console/api/flows/f/executions'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ input: '{}' }),
    });
    expect(form.status).toBe(415);
    const foreign = await fetch(url('/console/api/flows/f/executions'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ input: '{}' }),
    });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { Code: string }).Code).toBe('AccessDenied');
    const same = await fetch(url('/console/api/flows/f/executions'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.endpoint },
      body: JSON.stringify({ input: '{}' }),
    });
    expect(same.status).toBe(200);
    expect(mem.started.length).toBe(before + 1);
  });
});
