// A client that hangs up mid-body must not leave a route waiting forever, nor
// turn into a logged server error: over real sockets, first against one probe
// route on the stack's HTTP server, then against every service of the stack.
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type HttpRoute, RequestAbortedError, readBody } from '../../../local/http/route';
import { type HttpServer, startHttpServer } from '../../../local/http/server';
import { createLogger, silentLogger } from '../../../local/log';
import { type LocalStack, type StackComponent, startLocalStack } from '../../../local/stack';

/**
 * Sends the headers with `content-length: 1000` and 10 bytes of body, then
 * destroys the socket; resolves once the client side has closed.
 */
function hangUpMidBody(port: number, method: string, path: string, headers = {}): Promise<void> {
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1',
      port,
      method,
      path,
      headers: { 'content-length': '1000', ...headers },
    });
    req.on('error', () => {});
    req.once('close', () => resolve());
    req.write(Buffer.alloc(10, 'x'), () => req.destroy());
  });
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** What `get()` settles with once a request has reached the route (it is set then), within 2 s. */
function routeOutcome(get: () => Promise<string> | undefined): Promise<string> {
  return withDeadline(
    new Promise<string>((resolve) => {
      const poll = () => {
        const outcome = get();
        if (outcome) resolve(outcome);
        else setImmediate(poll);
      };
      poll();
    }),
    2000,
    'the route settling',
  );
}

describe('a route reading the body of a request whose client hangs up', () => {
  let server: HttpServer;
  let settled: Promise<string> | undefined;
  let gate: Promise<void>;
  const routes: HttpRoute[] = [
    {
      name: 'probe',
      matches: () => true,
      handle(req, res) {
        // Read only after the socket is gone, as a route that first awaits other work would.
        const read = gate.then(() => readBody(req));
        settled = read.then(
          () => 'resolved',
          (e: unknown) => (e instanceof RequestAbortedError ? 'aborted' : `other:${String(e)}`),
        );
        return read.then(() => void res.end('ok')).catch(() => {});
      },
    },
  ];
  beforeAll(async () => {
    server = await startHttpServer({ routes, port: 0, logger: silentLogger });
  });
  afterAll(() => server.close());

  it('settles with RequestAbortedError when the read starts after the client left', async () => {
    settled = undefined;
    let open!: () => void;
    gate = new Promise((resolve) => {
      open = resolve;
    });
    server.server.once('connection', (socket) => socket.once('close', () => open()));
    await hangUpMidBody(server.port, 'POST', '/');
    await withDeadline(gate, 2000, 'the server seeing the socket close');
    expect(await routeOutcome(() => settled)).toBe('aborted');
  });

  it('settles with RequestAbortedError when the client leaves during the read', async () => {
    gate = Promise.resolve();
    settled = undefined;
    await hangUpMidBody(server.port, 'POST', '/');
    expect(await routeOutcome(() => settled)).toBe('aborted');
  });
});

describe("the stack's routes, when clients hang up mid-body", () => {
  // The stack's real routes, mounted on a second server whose every handle() is
  // tracked: the test waits for the route to settle, then looks at what it logged.
  let stack: LocalStack;
  let server: HttpServer;
  const lines: string[] = [];
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  let handled: Promise<string> | undefined;
  const track = (route: HttpRoute): HttpRoute => ({
    name: route.name,
    matches: (req, url) => route.matches(req, url),
    handle(req, res, url) {
      const p = Promise.resolve(route.handle(req, res, url));
      handled = p.then(
        () => route.name,
        () => route.name,
      );
      return p;
    },
  });
  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    const logger = createLogger({ level: 'warn', write: (line) => lines.push(line) });
    stack = await startLocalStack({ port: 0, memory: true, logger });
    const routes = [stack.queues, stack.engine, stack.functions].flatMap((c) =>
      (c as unknown as StackComponent).routes.map(track),
    );
    server = await startHttpServer({ routes, port: 0, logger });
  });
  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await server?.close();
    await stack?.stop();
  });
  afterEach(() => {
    lines.length = 0;
    rejections.length = 0;
    handled = undefined;
  });

  it.each([
    ['mns', 'POST', '/queues/q/messages', { 'content-type': 'text/xml' }],
    [
      'fnf',
      'POST',
      '/',
      { 'content-type': 'application/x-www-form-urlencoded', 'x-acs-action': 'ListFlows' },
    ],
    ['fc3-invoke', 'POST', '/2023-03-30/functions/f/invocations', {}],
    ['fc-invoke', 'POST', '/2016-08-15/services/s/functions/f/invocations', {}],
  ])(
    'the %s route settles, logs no error and the server keeps serving',
    async (name, method, path, headers) => {
      await hangUpMidBody(server.port, method, path, headers);
      expect(await routeOutcome(() => handled)).toBe(name);
      // The server logs a route's failure right after it settles: let that run first.
      await new Promise((resolve) => setImmediate(resolve));
      expect(lines.filter((l) => l.startsWith('error'))).toEqual([]);
      expect(rejections).toEqual([]);
      const next = await fetch(`${server.endpoint}/queues`);
      expect(next.status).toBe(400); // unsigned: MissingAuthorizationHeader, answered, not hung
    },
  );
});
