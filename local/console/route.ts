// The console's one HTTP route: /console (the page), /console/app.js (the client),
// /console/api/... (JSON and live events).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from '../http/route';
import type { Logger } from '../log';
import { ConsoleApiError, handleApi, sendError } from './api';
import { type ClientBundle, readElkWorker, renderShell } from './assets';
import type { ConsoleBackend } from './backend';
import { type LiveStreams, streamExecution, streamFlow } from './live';

// No inline script and nothing from elsewhere: a payload that slipped through as markup
// still could not run.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

function decodeParts(path: string): string[] | undefined {
  try {
    return path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** Builds the console route. */
export function createConsoleRoute(options: {
  backend: ConsoleBackend;
  bundle: () => Promise<ClientBundle>;
  streams: LiveStreams;
  logger: Logger;
}): HttpRoute {
  const { backend, bundle, streams, logger } = options;
  const shell = renderShell();

  const page = (res: ServerResponse) => {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
    });
    res.end(shell);
  };

  const script = async (
    req: IncomingMessage,
    res: ServerResponse,
    load: () => ClientBundle | Promise<ClientBundle>,
  ) => {
    let b: ClientBundle;
    try {
      b = await load();
    } catch (err) {
      logger.error('console script failed', { path: req.url, error: String(err) });
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end(`console script failed: ${String(err)}`);
      return;
    }
    if (req.headers['if-none-match'] === b.etag) {
      res.writeHead(304, { etag: b.etag }).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache',
      etag: b.etag,
      'x-content-type-options': 'nosniff',
    });
    res.end(b.code);
  };

  return {
    name: 'console',
    matches: (_req, url) => url.pathname === '/console' || url.pathname.startsWith('/console/'),
    async handle(req, res, url) {
      const path = url.pathname.slice('/console'.length);
      if (path === '' || path === '/' || path === '/index.html') return page(res);
      if (path === '/app.js') return script(req, res, bundle);
      if (path === '/elk-worker.js') return script(req, res, readElkWorker);
      if (!path.startsWith('/api/')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      try {
        const parts = decodeParts(path.slice('/api/'.length));
        if (!parts) throw new ConsoleApiError('InvalidArgument', 400, 'bad path encoding');
        const [head, flow, sub, execution, action] = parts;
        if (
          head === 'flows' &&
          sub === 'executions' &&
          flow &&
          execution &&
          action === 'events' &&
          parts.length === 5 &&
          req.method === 'GET'
        ) {
          await streamExecution({
            backend,
            streams,
            req,
            res,
            flowName: flow,
            executionName: execution,
          });
          return;
        }
        if (
          head === 'flows' &&
          flow &&
          sub === 'events' &&
          parts.length === 3 &&
          req.method === 'GET'
        ) {
          await streamFlow({ backend, streams, req, res, flowName: flow });
          return;
        }
        if (!(await handleApi(backend, req, res, url, parts))) {
          throw new ConsoleApiError(
            'NotFound',
            404,
            `no console API at ${req.method} ${url.pathname}`,
          );
        }
      } catch (err) {
        sendError(res, err);
      }
    },
  };
}
