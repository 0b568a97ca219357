import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, isIPv6 } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log';
import { type BrowserGuard, createBrowserGuard } from './browser-guard';
import type { HttpRoute } from './route';

/** The stack's one HTTP server: every service behind one port. */
export interface HttpServer {
  readonly server: Server;
  /** `http://127.0.0.1:<port>` once listening. */
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts listening on `host:port` (port 0 picks a free one) and routes to `routes`. */
export async function startHttpServer(options: {
  routes: readonly HttpRoute[];
  host?: string;
  port?: number;
  logger: Logger;
}): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  const { routes, logger } = options;
  let port = 0;
  const guard = createBrowserGuard({ bindHost: host, port: () => port });
  const noteRefusal = createRefusalLog(logger);
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    void dispatch(routes, guard, req, res, logger, noteRefusal);
  });
  server.on('clientError', answerClientError);
  // Long polls hold requests for up to 30 s; never let Node cut them first.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9300, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    // An IPv6 address goes in brackets in a URL (http://[::1]:9300).
    endpoint: `http://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// pop-core sends GET by default, every parameter in the query string: a 32 KiB
// Input percent-encodes to up to 96 KiB. Node's default (16 KiB) would refuse it.
const MAX_HEADER_BYTES = 128 * 1024;

/**
 * Node answers a request it cannot parse with a bare status line; pop-core then
 * fails with "Unexpected end of JSON input". A JSON error body says what went
 * wrong (POP and FC read `Code`/`Message`).
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify(
    tooLarge
      ? {
          Code: 'RequestHeaderFieldsTooLarge',
          Message: `The request line and headers exceed ${MAX_HEADER_BYTES} bytes; send large parameters in a POST body.`,
        }
      : {
          Code: 'BadRequest',
          Message: `The HTTP request is malformed (${err.code ?? err.message}).`,
        },
  );
  socket.end(
    `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * Logs a refused browser request: the first of each kind at once, then, a
 * minute later, how many more of it came meanwhile. A page looping over
 * fetch() would otherwise print a warning per request, burying the terminal.
 */
export function createRefusalLog(
  logger: Logger,
  schedule: (fn: () => void, ms: number) => void = (fn, ms) => setTimeout(fn, ms).unref(),
): (reason: string, path: string | undefined) => void {
  // Kinds logged in the last minute, with how many more came since.
  const quiet = new Map<string, { more: number }>();
  const others = { more: 0 };
  return (reason, path) => {
    const kind = quiet.get(reason);
    if (kind) {
      kind.more++;
      return;
    }
    if (quiet.size >= 100) {
      // A flood of distinct kinds (a page cycling Host names): the first hundred
      // were said; the rest are counted together and said a minute later.
      if (others.more++ === 0) {
        schedule(() => {
          logger.warn('refused more browser requests of other kinds', { count: others.more });
          others.more = 0;
        }, 60_000);
      }
      return;
    }
    const fresh = { more: 0 };
    quiet.set(reason, fresh);
    logger.warn('refused a browser request', { reason, path });
    schedule(() => {
      quiet.delete(reason);
      if (fresh.more > 0) {
        logger.warn('refused more browser requests like it', { reason, count: fresh.more });
      }
    }, 60_000);
  };
}

async function dispatch(
  routes: readonly HttpRoute[],
  guard: BrowserGuard,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
  noteRefusal: (reason: string, path: string | undefined) => void,
): Promise<void> {
  const refused = guard.refusal(req);
  if (refused) {
    noteRefusal(refused, req.url?.split('?')[0]);
    res.writeHead(403, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        Code: 'AccessDenied',
        Message: `queueflow refused ${refused}. The local stack answers its own console and the programs on this machine (SDKs, curl); see docs/local.md, "Browser requests".`,
      }),
    );
    return;
  }
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://local');
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request URL');
    return;
  }
  const route = routes.find((r) => r.matches(req, url));
  if (!route) {
    res
      .writeHead(404, { 'content-type': 'text/plain' })
      .end(`no local service serves ${url.pathname}`);
    return;
  }
  try {
    await route.handle(req, res, url);
  } catch (err) {
    logger.error('unhandled error in route', { route: route.name, error: String(err) });
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('internal error');
  }
}
