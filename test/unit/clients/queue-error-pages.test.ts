// An error answer without MNS's XML (a text or HTML page from a proxy or a
// gateway): the SDK throws only for MNS's error XML, so the client checks the
// status itself; none of these may pass for a success.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueClient, type QueueClient } from '../../../shared/clients/queue-client';

let server: Server;
let status = 503;
let queue: QueueClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end('<html><body>Service Temporarily Unavailable</body></html>');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  queue = createQueueClient({
    accountId: '1',
    credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('the queue client on an error page', () => {
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['createQueue', () => queue.createQueue('q')],
    ['send', () => queue.send('q', { body: 'x' })],
    ['sendBatch', () => queue.sendBatch('q', [{ body: 'x' }])],
    ['receive', () => queue.receive('q', { max: 1, waitSeconds: 0 })],
    ['delete', () => queue.delete('q', 'h')],
    ['deleteBatch', () => queue.deleteBatch('q', ['h'])],
    ['changeVisibility', () => queue.changeVisibility('q', 'h', 5)],
  ];

  it('fails every call on a 5xx page, as worth another try', async () => {
    status = 503;
    for (const [name, call] of calls) {
      await expect(call(), name).rejects.toMatchObject({ name: 'QueueError', retryable: true });
    }
  });

  it('fails the calls that read the status on a 4xx page, as not worth another try', async () => {
    status = 403;
    for (const [name, call] of calls) {
      await expect(call(), name).rejects.toMatchObject({ name: 'QueueError' });
    }
    await expect(queue.delete('q', 'h')).rejects.toMatchObject({
      code: 'UnexpectedResponse',
      retryable: false,
    });
  });
});
