import type { IncomingMessage } from 'node:http';

/**
 * Keeps web pages out of the stack. Its AccessKey is public and FnF takes calls
 * signed in a query string or a form body, so without this a page open in the
 * user's browser could drive the stack: a cross-site `<img>` or form post
 * carrying a signed StartExecution, or DNS rebinding (a hostile name that
 * resolves to 127.0.0.1) reading the console's API. The SDKs, curl and other
 * programs on the machine send a loopback Host and no Origin or Sec-Fetch-Site,
 * so they never meet it.
 *
 * - Bound to a loopback address (the default), the Host header must name a
 *   loopback address or `localhost`, with the stack's port or none (fc2 sends
 *   the bare host name; a browser always sends a port other than 80). A
 *   browser cannot forge Host, so a rebound name is refused.
 * - Bound to another address (`--host 0.0.0.0`), a browser's request (one
 *   with Origin or Sec-Fetch-Site) must name the stack by an IP address or a
 *   loopback name: a page reaching it under any other name could be DNS
 *   rebinding, since a browser keeps a page's origin when its name moves to
 *   another address. Programs (the SDKs) may use any name (a compose service).
 * - `Sec-Fetch-Site`, which browsers send, must be `same-origin` or `none` (an
 *   address typed or bookmarked).
 * - `Origin`, when sent, must be this very host and port.
 */
export interface BrowserGuard {
  /** Why the request is refused, or undefined when it may go on. */
  refusal(req: IncomingMessage): string | undefined;
}

/** A `host[:port]` as browsers and the SDKs send it: the name lower-cased, the port if given. */
export function normalizeHost(hostHeader: string): { name: string; port?: number } | undefined {
  try {
    const url = new URL(`http://${hostHeader}`);
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
      return undefined;
    }
    if (url.port !== '') return { name: url.hostname, port: Number(url.port) };
    // WHATWG drops a default :80; only a Host that wrote one has it.
    return /:80$/.test(hostHeader) ? { name: url.hostname, port: 80 } : { name: url.hostname };
  } catch {
    return undefined;
  }
}

const LOOPBACK_NAMES = new Set(['localhost', '[::1]']);

/** True for `localhost`, `[::1]`/`::1`, 127.0.0.0/8 and its IPv4-mapped form (`::ffff:127.0.0.1`). */
export function isLoopbackName(name: string): boolean {
  const n = name.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return (
    LOOPBACK_NAMES.has(n) ||
    n === '::1' ||
    /^(::ffff:)?127(\.\d{1,3}){3}$/.test(n) ||
    // WHATWG URL writes a mapped address in hex: [::ffff:7f00:1].
    /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(n)
  );
}

/** An IPv4 address or a bracketed IPv6 one: a name no DNS answer can move. */
const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

/** A guard for a server bound to `bindHost` and listening on `port()` (known once listening). */
export function createBrowserGuard(options: {
  bindHost: string;
  port: () => number;
}): BrowserGuard {
  const loopbackOnly = isLoopbackName(options.bindHost);
  // The SDKs send the same Host on every request: once found good, it is not
  // parsed again (a handful of spellings at most: 127.0.0.1, localhost, with or without port).
  const goodHosts = new Set<string>();
  return {
    refusal(req) {
      const hostHeader = req.headers.host;
      const browserHeaders =
        req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined;
      if (!browserHeaders && hostHeader !== undefined && goodHosts.has(hostHeader))
        return undefined;
      const host = hostHeader === undefined ? undefined : normalizeHost(hostHeader);
      if (hostHeader !== undefined && !host) return `the Host header "${hostHeader}" is not valid`;
      const portOk = host?.port === undefined || host.port === options.port();
      if (loopbackOnly && host && (!isLoopbackName(host.name) || !portOk)) {
        return `the Host header "${hostHeader}" does not name this machine's stack (DNS rebinding?)`;
      }
      if (
        !loopbackOnly &&
        browserHeaders &&
        host &&
        !isLoopbackName(host.name) &&
        !IP_LITERAL.test(host.name)
      ) {
        return `a web page reached the stack under the name "${host.name}" (DNS rebinding?); open it by its IP address`;
      }
      const site = req.headers['sec-fetch-site'];
      if (site !== undefined && site !== 'same-origin' && site !== 'none') {
        return `a ${site} request from a web page`;
      }
      const origin = req.headers.origin;
      if (origin !== undefined) {
        let from: { name: string; port?: number } | undefined;
        try {
          const url = new URL(origin);
          from = url.protocol === 'http:' ? normalizeHost(url.host) : undefined;
        } catch {
          from = undefined;
        }
        if (!from || !host || from.name !== host.name || (from.port ?? 80) !== (host.port ?? 80)) {
          return `a request from the web page origin "${origin}"`;
        }
      }
      if (hostHeader !== undefined && goodHosts.size < 16) goodHosts.add(hostHeader);
      return undefined;
    },
  };
}
