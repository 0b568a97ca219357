import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createBrowserGuard, isLoopbackName } from '../../../local/http/browser-guard';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('the browser guard off loopback (--host 0.0.0.0)', () => {
  const guard = createBrowserGuard({ bindHost: '0.0.0.0', port: () => 9300 });

  it('refuses a web page that reached the stack under a DNS name (rebinding)', () => {
    const host = 'rebind.evil.example:9300';
    const why = guard.refusal(
      request({ host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' }),
    );
    expect(why).toMatch(/under the name "rebind.evil.example" \(DNS rebinding\?\)/);
  });

  it('lets a page opened by IP address or loopback name through, and programs under any name', () => {
    for (const host of ['192.168.1.20:9300', '[fe80::1]:9300', 'localhost:9300']) {
      expect(
        guard.refusal(request({ host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' })),
        host,
      ).toBeUndefined();
    }
    // An SDK in another container, by its compose service name: no browser headers.
    expect(guard.refusal(request({ host: 'queueflow:9300' }))).toBeUndefined();
  });
});

describe('isLoopbackName', () => {
  it('knows the IPv4-mapped loopback forms', () => {
    for (const name of ['::ffff:127.0.0.1', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '127.1.2.3']) {
      expect(isLoopbackName(name), name).toBe(true);
    }
    for (const name of ['::ffff:10.0.0.1', '128.0.0.1', 'localhost.evil']) {
      expect(isLoopbackName(name), name).toBe(false);
    }
  });
});
