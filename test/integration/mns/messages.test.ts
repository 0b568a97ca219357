import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { eventually } from '../../support/eventually';
import { rejection, sdkErrorName } from '../../support/mns-sdk';
import { useMnsStack } from '../../support/mns-stack';

const clock = new VirtualClock(Date.UTC(2026, 10, 28, 12));
const t = useMnsStack({ clock, queuePrefix: 'm' });
const { freshQueue } = t;

describe('messages through the unmodified @alicloud/mns client', () => {
  it('sends, receives and deletes a message with the upper-case hex MessageBodyMD5', async () => {
    const q = await freshQueue();
    const sent = await t.mns.sendMessage(q, { MessageBody: '{"task_type":"extract"}' });
    expect(sent.code).toBe(201);
    const md5 = createHash('md5').update('{"task_type":"extract"}').digest('hex').toUpperCase();
    expect(sent.body.MessageBodyMD5).toBe(md5);
    const got = await t.mns.receiveMessage(q);
    expect(got.body).toMatchObject({
      MessageId: sent.body.MessageId,
      MessageBody: '{"task_type":"extract"}',
      MessageBodyMD5: md5,
      DequeueCount: '1',
      Priority: '8',
      EnqueueTime: String(clock.now()),
      FirstDequeueTime: String(clock.now()),
      NextVisibleTime: String(clock.now() + 30_000),
    });
    expect(got.body.ReceiptHandle).toMatch(/^[A-Za-z0-9_-]+$/);
    expect((await t.mns.deleteMessage(q, got.body.ReceiptHandle!)).code).toBe(204);
    const again = await rejection(t.mns.receiveMessage(q));
    expect(again.name).toBe(sdkErrorName('MessageNotExist'));
  });

  it('answers MessageNotExist (404) for a receive on an empty queue', async () => {
    const q = await freshQueue();
    const err = await rejection(t.mns.receiveMessage(q));
    expect(err.name).toBe(sdkErrorName('MessageNotExist'));
    expect(err.message).toContain('failed with 404');
    const peek = await rejection(t.mns.peekMessage(q));
    expect(peek.name).toBe(sdkErrorName('MessageNotExist'));
  });

  it('hides a received message for its visibility timeout, then redelivers it with a new handle', async () => {
    const q = await freshQueue({ VisibilityTimeout: 10 });
    await t.mns.sendMessage(q, { MessageBody: 'work' });
    const first = await t.mns.receiveMessage(q);
    expect((await rejection(t.mns.receiveMessage(q))).name).toBe(sdkErrorName('MessageNotExist'));
    await clock.advance(9_999);
    expect((await rejection(t.mns.receiveMessage(q))).name).toBe(sdkErrorName('MessageNotExist'));
    await clock.advance(1);
    const second = await t.mns.receiveMessage(q);
    expect(second.body.MessageId).toBe(first.body.MessageId);
    expect(second.body.DequeueCount).toBe('2');
    expect(second.body.FirstDequeueTime).toBe(first.body.FirstDequeueTime);
    expect(second.body.ReceiptHandle).not.toBe(first.body.ReceiptHandle);
    // The first handle is stale now: ReceiptHandleError (docs/mns.md).
    const stale = await rejection(t.mns.deleteMessage(q, first.body.ReceiptHandle!));
    expect(stale.name).toBe(sdkErrorName('ReceiptHandleError'));
    expect((await t.mns.deleteMessage(q, second.body.ReceiptHandle!)).code).toBe(204);
  });

  it('rejects a handle whose visibility window is over even before anyone re-receives', async () => {
    const q = await freshQueue({ VisibilityTimeout: 5 });
    await t.mns.sendMessage(q, { MessageBody: 'slow worker' });
    const got = await t.mns.receiveMessage(q);
    await clock.advance(5_000);
    const err = await rejection(t.mns.deleteMessage(q, got.body.ReceiptHandle!));
    expect(err.name).toBe(sdkErrorName('ReceiptHandleError'));
    const malformed = await rejection(t.mns.deleteMessage(q, 'not-a-handle'));
    expect(malformed.name).toBe(sdkErrorName('ReceiptHandleError'));
  });

  it('answers MessageNotExist for a well-formed handle of a deleted message', async () => {
    const q = await freshQueue();
    await t.mns.sendMessage(q, { MessageBody: 'once' });
    const got = await t.mns.receiveMessage(q);
    await t.mns.deleteMessage(q, got.body.ReceiptHandle!);
    const err = await rejection(t.mns.deleteMessage(q, got.body.ReceiptHandle!));
    expect(err.name).toBe(sdkErrorName('MessageNotExist'));
  });

  it('refuses a handle another queue issued with ReceiptHandleError, and leaves its message alone', async () => {
    const a = await freshQueue();
    const b = await freshQueue();
    await t.mns.sendMessage(a, { MessageBody: 'in a' });
    const got = await t.mns.receiveMessage(a);
    const handle = got.body.ReceiptHandle!;
    for (const wrong of [
      t.mns.deleteMessage(b, handle),
      t.mns.changeMessageVisibility(b, handle, 10),
    ]) {
      const err = await rejection(wrong);
      expect(err.name).toBe(sdkErrorName('ReceiptHandleError'));
    }
    expect((await t.mns.deleteMessage(a, handle)).code).toBe(204);
  });

  it('changes visibility from the time of the call and issues a new handle', async () => {
    const q = await freshQueue({ VisibilityTimeout: 30 });
    await t.mns.sendMessage(q, { MessageBody: 'extend me' });
    const got = await t.mns.receiveMessage(q);
    await clock.advance(20_000);
    const changed = await t.mns.changeMessageVisibility(q, got.body.ReceiptHandle!, 60);
    expect(changed.code).toBe(200);
    expect(changed.body.NextVisibleTime).toBe(String(clock.now() + 60_000));
    expect(changed.body.ReceiptHandle).not.toBe(got.body.ReceiptHandle);
    const stale = await rejection(t.mns.changeMessageVisibility(q, got.body.ReceiptHandle!, 10));
    expect(stale.name).toBe(sdkErrorName('ReceiptHandleError'));
    await clock.advance(59_000);
    expect((await rejection(t.mns.receiveMessage(q))).name).toBe(sdkErrorName('MessageNotExist'));
    await clock.advance(1_000);
    expect((await t.mns.receiveMessage(q)).body.MessageBody).toBe('extend me');
    const range = await rejection(t.mns.changeMessageVisibility(q, changed.body.ReceiptHandle!, 0));
    expect(range.name).toBe(sdkErrorName('InvalidArgument'));
  });

  it('delivers by priority (1 first), then in enqueue order', async () => {
    const q = await freshQueue();
    await t.mns.sendMessage(q, { MessageBody: 'p8-a' });
    await t.mns.sendMessage(q, { MessageBody: 'p3', Priority: 3 });
    await t.mns.sendMessage(q, { MessageBody: 'p8-b' });
    await t.mns.sendMessage(q, { MessageBody: 'p1', Priority: 1 });
    await t.mns.sendMessage(q, { MessageBody: 'p16', Priority: 16 });
    const got = await t.mns.batchReceiveMessage(q, 16);
    expect(got.body.map((m) => m.MessageBody)).toEqual(['p1', 'p3', 'p8-a', 'p8-b', 'p16']);
    const bad = await rejection(t.mns.sendMessage(q, { MessageBody: 'x', Priority: 17 }));
    expect(bad.name).toBe(sdkErrorName('InvalidArgument'));
    expect(bad.message).toContain('The value of Priority should between 1 and 16');
  });

  it('holds a message for its DelaySeconds, and the queue default applies when the message sets none', async () => {
    const q = await freshQueue({ DelaySeconds: 20 });
    const delayed = await t.mns.sendMessage(q, { MessageBody: 'queue delay' });
    // A delayed send answers with a ReceiptHandle too.
    expect(delayed.body.ReceiptHandle).toBeDefined();
    await t.mns.sendMessage(q, { MessageBody: 'message delay', DelaySeconds: 5 });
    await t.mns.sendMessage(q, { MessageBody: 'no delay', DelaySeconds: 0 });
    expect((await t.mns.getQueueAttributes(q)).body.DelayMessages).toBe('2');
    expect((await t.mns.receiveMessage(q)).body.MessageBody).toBe('no delay');
    expect((await rejection(t.mns.receiveMessage(q))).name).toBe(sdkErrorName('MessageNotExist'));
    await clock.advance(5_000);
    expect((await t.mns.receiveMessage(q)).body.MessageBody).toBe('message delay');
    await clock.advance(15_000);
    expect((await t.mns.receiveMessage(q)).body.MessageBody).toBe('queue delay');
  });

  it('drops messages whose retention period has passed', async () => {
    const q = await freshQueue({ MessageRetentionPeriod: 60 });
    await t.mns.sendMessage(q, { MessageBody: 'short-lived' });
    await clock.advance(59_000);
    expect((await t.mns.peekMessage(q)).body.MessageBody).toBe('short-lived');
    await clock.advance(1_000);
    expect((await rejection(t.mns.peekMessage(q))).name).toBe(sdkErrorName('MessageNotExist'));
    expect(t.stack.queues.stats(q)).toMatchObject({ active: 0, inflight: 0, delayed: 0 });
  });

  it('peeks without changing state and shows DequeueCount and FirstDequeueTime', async () => {
    const q = await freshQueue({ VisibilityTimeout: 1 });
    await t.mns.batchSendMessage(q, [{ MessageBody: 'one' }, { MessageBody: 'two' }]);
    const peek = await t.mns.peekMessage(q);
    expect(peek.body).toMatchObject({
      MessageBody: 'one',
      DequeueCount: '0',
      FirstDequeueTime: '0',
    });
    expect(peek.body.ReceiptHandle).toBeUndefined();
    const batch = await t.mns.batchPeekMessage(q, 5);
    expect(batch.body.map((m) => m.MessageBody)).toEqual(['one', 'two']);
    const received = await t.mns.receiveMessage(q);
    await clock.advance(1_000);
    const after = await t.mns.peekMessage(q);
    expect(after.body).toMatchObject({
      MessageBody: 'one',
      DequeueCount: '1',
      FirstDequeueTime: received.body.FirstDequeueTime,
    });
  });

  it('sends, receives and deletes batches of up to 16, and refuses 17', async () => {
    const q = await freshQueue();
    const msgs = Array.from({ length: 16 }, (_, i) => ({ MessageBody: `m${i}` }));
    const sent = await t.mns.batchSendMessage(q, msgs);
    expect(sent.code).toBe(201);
    expect(sent.body).toHaveLength(16);
    const tooMany = await rejection(t.mns.batchSendMessage(q, [...msgs, { MessageBody: 'm16' }]));
    expect(tooMany.name).toBe(sdkErrorName('InvalidArgument'));
    const over = await rejection(t.mns.batchReceiveMessage(q, 17));
    expect(over.name).toBe(sdkErrorName('InvalidArgument'));
    const got = await t.mns.batchReceiveMessage(q, 16);
    expect(got.body.map((m) => m.MessageBody)).toEqual(msgs.map((m) => m.MessageBody));
    const handles = got.body.map((m) => m.ReceiptHandle!);
    const tooManyHandles = await rejection(t.mns.batchDeleteMessage(q, [...handles, handles[0]!]));
    expect(tooManyHandles.name).toBe(sdkErrorName('InvalidArgument'));
    const deleted = await t.mns.batchDeleteMessage(q, handles);
    expect(deleted.code).toBe(204);
    expect(t.stack.queues.stats(q)).toMatchObject({ active: 0, inflight: 0 });
  });

  it('hands a whole batch to a batch receive that was already waiting, in send order', async () => {
    const q = await freshQueue();
    const waiting = t.mns.batchReceiveMessage(q, 16, 5);
    await eventually(() => t.stack.queues.stats(q).waiting === 1, 'the receive is parked');
    const msgs = Array.from({ length: 16 }, (_, i) => ({ MessageBody: `w${i}` }));
    await t.mns.batchSendMessage(q, msgs);
    const got = await waiting;
    expect(got.body.map((m) => m.MessageBody)).toEqual(msgs.map((m) => m.MessageBody));
    expect(t.stack.queues.stats(q)).toMatchObject({ active: 0, inflight: 16 });
  });

  it('deletes a batch of exactly one receipt handle', async () => {
    const q = await freshQueue();
    await t.mns.sendMessage(q, { MessageBody: 'only' });
    const got = await t.mns.batchReceiveMessage(q, 1);
    const deleted = await t.mns.batchDeleteMessage(q, [got.body[0]!.ReceiptHandle!]);
    expect(deleted.code).toBe(204);
    expect(t.stack.queues.stats(q)).toMatchObject({ active: 0, inflight: 0 });
  });

  it('reports a partial BatchDelete as 404 with the failed handles only', async () => {
    const q = await freshQueue();
    await t.mns.batchSendMessage(q, [{ MessageBody: 'a' }, { MessageBody: 'b' }]);
    const got = await t.mns.batchReceiveMessage(q, 2);
    const [a, b] = got.body.map((m) => m.ReceiptHandle!);
    await t.mns.deleteMessage(q, a!);
    const res = await t.mns.batchDeleteMessage(q, [a!, b!, 'garbage']);
    expect(res.code).toBe(404);
    expect(res.body).toEqual([
      { ErrorCode: 'MessageNotExist', ErrorMessage: 'Message not exist.', ReceiptHandle: a },
      {
        ErrorCode: 'ReceiptHandleError',
        ErrorMessage: 'The receipt handle you provided is not valid.',
        ReceiptHandle: 'garbage',
      },
    ]);
    expect(t.stack.queues.stats(q).inflight).toBe(0);
  });

  it('reports a partial BatchSend entry by entry and still sends the valid ones', async () => {
    const q = await freshQueue();
    const res = await t.mns.batchSendMessage(q, [
      { MessageBody: 'ok' },
      { MessageBody: 'bad priority', Priority: 99 },
    ]);
    expect(res.code).toBe(500);
    expect(res.body[0]?.MessageId).toBeDefined();
    expect(res.body[1]).toMatchObject({ ErrorCode: 'InvalidArgument' });
    expect(t.stack.queues.stats(q).active).toBe(1);
  });

  it('refuses a body over MaximumMessageSize', async () => {
    const q = await freshQueue({ MaximumMessageSize: 1024 });
    const err = await rejection(t.mns.sendMessage(q, { MessageBody: 'x'.repeat(1025) }));
    expect(err.name).toBe(sdkErrorName('InvalidArgument'));
    expect((await t.mns.sendMessage(q, { MessageBody: 'x'.repeat(1024) })).code).toBe(201);
  });

  it('answers MalformedXML when the SDK sends a body with raw < or &', async () => {
    const q = await freshQueue();
    const err = await rejection(t.mns.sendMessage(q, { MessageBody: 'a<b&c' }));
    expect(err.name).toBe(sdkErrorName('MalformedXML'));
    // CDATA passes through, as the cloud allows.
    await t.mns.sendMessage(q, { MessageBody: '<![CDATA[a<b&c]]>' });
    expect((await t.mns.receiveMessage(q)).body.MessageBody).toBe('a<b&c');
  });
});
