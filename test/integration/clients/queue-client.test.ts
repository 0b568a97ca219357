import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import {
  createQueueClient,
  type QueueClient,
  QueueError,
} from '../../../shared/clients/queue-client';

let stack: LocalStack;
let queue: QueueClient;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, memory: true, logger: silentLogger });
  queue = createQueueClient({
    accountId: stack.accountId,
    credentials: stack.credentials,
    endpoint: stack.endpoint,
  });
  await queue.createQueue('qc-basic', { VisibilityTimeout: 30 });
});

afterAll(async () => {
  await stack?.stop();
});

describe('queue client against the local stack', () => {
  it('sends, batch-receives with numbers as numbers, and deletes', async () => {
    await queue.send('qc-basic', { body: '{"n":1}' });
    await queue.send('qc-basic', { body: '{"n":2}', priority: 1 });
    const got = await queue.receive('qc-basic', { max: 16, waitSeconds: 2 });
    expect(got.map((m) => m.body).sort()).toEqual(['{"n":1}', '{"n":2}']);
    for (const m of got) {
      expect(m.dequeueCount).toBe(1);
      expect(typeof m.nextVisibleTime).toBe('number');
      await queue.delete('qc-basic', m.receiptHandle);
    }
    expect(await queue.receive('qc-basic', { max: 16, waitSeconds: 0 })).toEqual([]);
  });

  it('batch-deletes, naming each handle the queue refused', async () => {
    await queue.createQueue('qc-batch-delete', { VisibilityTimeout: 30 });
    for (const n of [1, 2, 3]) await queue.send('qc-batch-delete', { body: `b${n}` });
    const got = await queue.receive('qc-batch-delete', { max: 16, waitSeconds: 2 });
    expect(got).toHaveLength(3);
    const handles = got.map((m) => m.receiptHandle);
    expect(await queue.deleteBatch('qc-batch-delete', handles.slice(0, 2))).toEqual([]);
    // Deleted already, so stale now; the last one still goes.
    const refused = await queue.deleteBatch('qc-batch-delete', handles);
    expect(refused.map((r) => r.receiptHandle).sort()).toEqual(handles.slice(0, 2).sort());
    for (const r of refused) expect(r.code).toMatch(/ReceiptHandleError|MessageNotExist/);
    expect(await queue.receive('qc-batch-delete', { max: 16, waitSeconds: 0 })).toEqual([]);
    await expect(queue.deleteBatch('qc-batch-delete', [])).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
  });

  it('sends bodies with XML special characters and CR exactly, alone and in a batch', async () => {
    await queue.createQueue('qc-escape', { VisibilityTimeout: 30 });
    const body = JSON.stringify({
      url: 'https://x/?a=1&b=2',
      html: '<p>a > b</p>',
      crlf: 'a\r\nb',
    });
    const other = 'tom & jerry <3\r\n';
    await queue.send('qc-escape', { body });
    expect(await queue.sendBatch('qc-escape', [{ body: other }, { body }])).toHaveLength(2);
    const got = await queue.receive('qc-escape', { max: 16, waitSeconds: 0 });
    expect(got.map((m) => m.body).sort()).toEqual([body, body, other].sort());
  });

  it('batch-sends, with one result per message in order, a refused one naming its code', async () => {
    await queue.createQueue('qc-batch-send', { MaximumMessageSize: 1024 });
    const one = await queue.sendBatch('qc-batch-send', [{ body: 'solo' }]);
    expect(one).toEqual([{ messageId: expect.any(String) }]);
    const results = await queue.sendBatch('qc-batch-send', [
      { body: 'a', priority: 1 },
      { body: 'x'.repeat(2048) },
      { body: 'c' },
    ]);
    expect(results[0]).toEqual({ messageId: expect.any(String) });
    expect(results[1]).toEqual({ code: 'InvalidArgument', message: expect.stringMatching(/1024/) });
    expect(results[2]).toEqual({ messageId: expect.any(String) });
    const got = await queue.receive('qc-batch-send', { max: 16, waitSeconds: 0 });
    expect(got.map((m) => m.body).sort()).toEqual(['a', 'c', 'solo']);
    expect(got.find((m) => m.body === 'a')?.priority).toBe(1);
    await expect(queue.sendBatch('qc-batch-send', [])).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
  });

  it('returns an empty list when a long poll ends without messages', async () => {
    const t0 = Date.now();
    expect(await queue.receive('qc-basic', { max: 4, waitSeconds: 1 })).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
  });

  it("does not wait at all with waitSeconds 0, whatever the queue's PollingWaitSeconds", async () => {
    await queue.createQueue('qc-polling', { PollingWaitSeconds: 30 });
    const stillWaiting = new Promise((r) => setTimeout(() => r('still waiting'), 3_000).unref());
    for (const waitSeconds of [0, 0.5]) {
      const got = queue.receive('qc-polling', { max: 4, waitSeconds });
      expect(await Promise.race([got, stillWaiting])).toEqual([]);
    }
  });

  it('wakes a long poll as soon as a message is sent', async () => {
    const polling = queue.receive('qc-basic', { max: 1, waitSeconds: 10 });
    const t0 = Date.now();
    await queue.send('qc-basic', { body: 'wake' });
    const [m] = await polling;
    expect(m?.body).toBe('wake');
    expect(Date.now() - t0).toBeLessThan(5000);
    if (m) await queue.delete('qc-basic', m.receiptHandle);
  });

  it('changes visibility: a new handle, and the message comes back when it expires', async () => {
    await queue.send('qc-basic', { body: 'vis' });
    const [m] = await queue.receive('qc-basic', { max: 1, waitSeconds: 1 });
    if (!m) throw new Error('no message');
    const changed = await queue.changeVisibility('qc-basic', m.receiptHandle, 1);
    expect(changed.receiptHandle).not.toBe(m.receiptHandle);
    const [again] = await queue.receive('qc-basic', { max: 1, waitSeconds: 5 });
    expect(again?.body).toBe('vis');
    expect(again?.dequeueCount).toBe(2);
    if (again) await queue.delete('qc-basic', again.receiptHandle);
  });

  it('raises QueueError with the MNS code taken from the SDK error name', async () => {
    const err = await queue.send('qc-missing', { body: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueError);
    expect(err).toMatchObject({ code: 'QueueNotExist', retryable: false });
    const stale = await queue.delete('qc-basic', 'not-a-handle').catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(QueueError);
    expect((stale as QueueError).code).toMatch(/ReceiptHandleError|MessageNotExist/);
  });
});
