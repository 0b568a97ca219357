// moveMessage: the EventBridge trigger's dead-letter step (send to the DLQ and
// delete the original) as one store transaction. Messages go in and come out
// through the unmodified @alicloud/mns client; only the move is in process.
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import type { QueueServiceInternals } from '../../../local/mns/service';
import { eventually } from '../../support/eventually';
import { rejection, sdkErrorName } from '../../support/mns-sdk';
import { useMnsStack } from '../../support/mns-stack';

const clock = new VirtualClock(Date.UTC(2026, 10, 28, 12));
const t = useMnsStack({ clock, queuePrefix: 'move' });

// LocalStack types its queue service as the public API; the move is an internal extra.
const mover = () => t.stack.queues as typeof t.stack.queues & QueueServiceInternals;

/** Creates a source queue and its DLQ, sends one message and receives it. */
async function received(body: string) {
  const from = await t.freshQueue({ VisibilityTimeout: 30 });
  const to = await t.freshQueue();
  const sent = await t.mns.sendMessage(from, { MessageBody: body });
  const got = await t.mns.receiveMessage(from, 0);
  expect(got.body.MessageBody).toBe(body);
  const handle = got.body.ReceiptHandle ?? '';
  expect(handle).not.toBe('');
  return { from, to, messageId: sent.body.MessageId, handle };
}

const isEmpty = async (queue: string) => {
  const err = await rejection(t.mns.receiveMessage(queue, 0));
  return err.name === sdkErrorName('MessageNotExist');
};

describe('moving a received message to a dead-letter queue', () => {
  it('leaves the body in the dead-letter queue exactly once and removes it from the source', async () => {
    const { from, to, messageId, handle } = await received('{"task_token":"t1"}');
    mover().moveMessage(from, handle, to);
    const dead = await t.mns.receiveMessage(to, 0);
    expect(dead.body.MessageBody).toBe('{"task_token":"t1"}');
    expect(dead.body.MessageId).toBe(messageId);
    expect(dead.body.DequeueCount).toBe('1');
    await t.mns.deleteMessage(to, dead.body.ReceiptHandle ?? '');
    expect(await isEmpty(to)).toBe(true);
    // Gone from the source for good, even after its visibility window would have ended.
    await clock.advance(60_000);
    expect(await isEmpty(from)).toBe(true);
    const stale = await rejection(t.mns.deleteMessage(from, handle));
    expect(stale.name).toBe(sdkErrorName('MessageNotExist'));
  });

  it("keeps the moved message for the dead-letter queue's retention, not what was left of the source's", async () => {
    const from = await t.freshQueue({ VisibilityTimeout: 30, MessageRetentionPeriod: 60 });
    const to = await t.freshQueue({ MessageRetentionPeriod: 7 * 86_400 });
    await t.mns.sendMessage(from, { MessageBody: 'kept' });
    const got = await t.mns.receiveMessage(from, 0);
    mover().moveMessage(from, got.body.ReceiptHandle ?? '', to);
    await clock.advance(120_000); // well past the source's 60 s
    const dead = await t.mns.receiveMessage(to, 0);
    expect(dead.body.MessageBody).toBe('kept');
    await clock.advance(7 * 86_400_000); // and past the DLQ's own 7 days
    await clock.advance(60_000);
    expect(await isEmpty(to)).toBe(true);
  });

  it('moves nothing when the receipt handle is stale', async () => {
    const { from, to, handle } = await received('late');
    await clock.advance(30_000); // the visibility window is over: the handle is stale
    expect(() => mover().moveMessage(from, handle, to)).toThrow(
      expect.objectContaining({ code: 'ReceiptHandleError' }),
    );
    expect(await isEmpty(to)).toBe(true);
    const again = await t.mns.receiveMessage(from, 0);
    expect(again.body.MessageBody).toBe('late');
    expect(again.body.DequeueCount).toBe('2');
    // A handle superseded by a newer receive is stale too.
    expect(() => mover().moveMessage(from, handle, to)).toThrow(
      expect.objectContaining({ code: 'ReceiptHandleError' }),
    );
    expect(await isEmpty(to)).toBe(true);
  });

  it('keeps the message when the dead-letter queue does not exist', async () => {
    const { from, handle } = await received('kept');
    expect(() => mover().moveMessage(from, handle, 'no-such-dlq')).toThrow(
      expect.objectContaining({ code: 'QueueNotExist' }),
    );
    expect(t.stack.queues.listQueues()).not.toContain('no-such-dlq');
    // The handle is untouched: the caller can still delete or hold the message.
    await t.mns.deleteMessage(from, handle);
  });

  it('refuses to move a message to its own queue', async () => {
    const { from, handle } = await received('loop');
    expect(() => mover().moveMessage(from, handle, from)).toThrow(/own dead-letter queue/);
    await t.mns.deleteMessage(from, handle);
  });

  it('rolls back as one step: inside a transaction that fails, neither queue changes', async () => {
    const { from, to, handle } = await received('atomic');
    expect(() =>
      t.stack.store.transaction(() => {
        mover().moveMessage(from, handle, to);
        throw new Error('crash after the move');
      }),
    ).toThrow('crash after the move');
    expect(await isEmpty(to)).toBe(true);
    // Still the source's in-flight message, under the same handle.
    await t.mns.deleteMessage(from, handle);
    expect(await isEmpty(from)).toBe(true);
  });

  it('wakes a receiver long-polling the dead-letter queue', async () => {
    const { from, to, handle } = await received('wake');
    const polling = t.mns.receiveMessage(to, 5);
    await eventually(() => t.stack.queues.stats(to).waiting === 1, 'the receive is parked');
    mover().moveMessage(from, handle, to);
    const dead = await polling;
    expect(dead.body.MessageBody).toBe('wake');
  });
});
