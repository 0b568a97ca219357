import { describe, expect, it } from 'vitest';
import { createSdkClient, rejection, sdkErrorName } from '../../support/mns-sdk';
import { useMnsStack } from '../../support/mns-stack';

const t = useMnsStack();

describe('queue operations through the unmodified @alicloud/mns client', () => {
  it('creates a queue with 201 and its URL, then answers 204 for the same attributes', async () => {
    const created = await t.mns.createQueue('orders', { VisibilityTimeout: 60 });
    expect(created.code).toBe(201);
    expect(created.headers.location).toBe(`${t.stack.endpoint}/queues/orders`);
    const again = await t.mns.createQueue('orders', { VisibilityTimeout: 60 });
    expect(again.code).toBe(204);
  });

  it('refuses to re-create a queue with different attributes with QueueAlreadyExist', async () => {
    await t.mns.createQueue('conflict', { VisibilityTimeout: 60 });
    const err = await rejection(t.mns.createQueue('conflict', { VisibilityTimeout: 61 }));
    expect(err.name).toBe(sdkErrorName('QueueAlreadyExist'));
    expect(err.message).toContain('failed with 409');
  });

  it('returns every attribute the SDKs require from GetQueueAttributes', async () => {
    await t.mns.createQueue('attrs', { DelaySeconds: 5, PollingWaitSeconds: 3 });
    const { code, body } = await t.mns.getQueueAttributes('attrs');
    expect(code).toBe(200);
    expect(body).toMatchObject({
      QueueName: 'attrs',
      DelaySeconds: '5',
      MaximumMessageSize: '65536',
      MessageRetentionPeriod: '345600',
      VisibilityTimeout: '30',
      PollingWaitSeconds: '3',
      ActiveMessages: '0',
      InactiveMessages: '0',
      DelayMessages: '0',
      LoggingEnabled: 'False',
    });
    // CreateTime is epoch seconds (docs/mns.md).
    expect(Number(body.CreateTime)).toBeCloseTo(Date.now() / 1000, -2);
    expect(body.LastModifyTime).toBe(body.CreateTime);
  });

  it('changes attributes with SetQueueAttributes and keeps the ones not given', async () => {
    await t.mns.createQueue('settable', { VisibilityTimeout: 45 });
    const res = await t.mns.setQueueAttributes('settable', {
      MaximumMessageSize: 2048,
      LoggingEnabled: 'True',
    });
    expect(res.code).toBe(204);
    const { body } = await t.mns.getQueueAttributes('settable');
    expect(body.MaximumMessageSize).toBe('2048');
    expect(body.LoggingEnabled).toBe('True');
    expect(body.VisibilityTimeout).toBe('45');
  });

  it('answers InvalidArgument with the cloud wording for an out-of-range attribute', async () => {
    const err = await rejection(t.mns.createQueue('bad-range', { VisibilityTimeout: 43201 }));
    expect(err.name).toBe(sdkErrorName('InvalidArgument'));
    expect(err.message).toContain(
      'The value of VisibilityTimeout should between 1 and 43200 seconds',
    );
    const err2 = await rejection(t.mns.setQueueAttributes('orders', { MaximumMessageSize: 100 }));
    expect(err2.message).toContain(
      'The value of MaximumMessageSize should between 1024 and 65536 bytes',
    );
  });

  it('rejects an invalid queue name', async () => {
    const err = await rejection(t.mns.createQueue('-starts-with-dash'));
    expect(err.name).toBe(sdkErrorName('InvalidQueueName'));
    const long = await rejection(t.mns.createQueue(`q${'x'.repeat(120)}`));
    expect(long.name).toBe(sdkErrorName('QueueNameLengthError'));
  });

  it('answers QueueNotExist for a queue that was never created', async () => {
    const err = await rejection(t.mns.getQueueAttributes('missing'));
    expect(err.name).toBe(sdkErrorName('QueueNotExist'));
    const send = await rejection(t.mns.sendMessage('missing', { MessageBody: 'x' }));
    expect(send.name).toBe(sdkErrorName('QueueNotExist'));
  });

  it('lists queues by prefix, pages with a marker and a limit', async () => {
    for (const n of ['page-a', 'page-b', 'page-c', 'page-d']) await t.mns.createQueue(n);
    const first = await t.mns.listQueue(undefined, 2, 'page-');
    expect(first.body?.map((q) => q.QueueURL)).toEqual([
      `${t.stack.endpoint}/queues/page-a`,
      `${t.stack.endpoint}/queues/page-b`,
    ]);
    const next = await t.mns.listQueue('page-c', 2, 'page-');
    expect(next.body?.map((q) => q.QueueURL)).toEqual([
      `${t.stack.endpoint}/queues/page-c`,
      `${t.stack.endpoint}/queues/page-d`,
    ]);
    const all = await t.mns.listQueue();
    expect(all.body?.length).toBeGreaterThanOrEqual(4);
    const none = await t.mns.listQueue(undefined, 10, 'no-such-prefix');
    expect(none.body).toBeUndefined();
  });

  it('matches the prefix case-sensitively, as queue names are', async () => {
    for (const n of ['Case-x', 'case-x', 'case-y', 'caseZy']) await t.mns.createQueue(n);
    const names = async (prefix: string) =>
      (await t.mns.listQueue(undefined, 10, prefix)).body?.map((q) => q.QueueURL?.split('/').pop());
    expect(await names('case')).toEqual(['case-x', 'case-y', 'caseZy']);
    expect(await names('Case')).toEqual(['Case-x']);
  });

  it('deletes a queue and its messages', async () => {
    await t.mns.createQueue('doomed');
    await t.mns.sendMessage('doomed', { MessageBody: 'bye' });
    expect((await t.mns.deleteQueue('doomed')).code).toBe(204);
    const err = await rejection(t.mns.getQueueAttributes('doomed'));
    expect(err.name).toBe(sdkErrorName('QueueNotExist'));
    await t.mns.createQueue('doomed');
    const empty = await rejection(t.mns.receiveMessage('doomed'));
    expect(empty.name).toBe(sdkErrorName('MessageNotExist'));
  });

  it('rejects a request signed with the wrong secret with SignatureDoesNotMatch', async () => {
    const wrong = createSdkClient(t.stack, { accessKeySecret: 'not-the-secret' });
    const err = await rejection(wrong.listQueue());
    expect(err.name).toBe(sdkErrorName('SignatureDoesNotMatch'));
    expect(err.message).toContain('failed with 403');
  });
});
