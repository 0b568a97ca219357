import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { rejection, sdkErrorName } from '../../support/mns-sdk';
import { useMnsStack } from '../../support/mns-stack';

const clock = new VirtualClock(Date.UTC(2026, 10, 28, 12));
const t = useMnsStack({ clock });

describe('the dead-letter queue (a local extension)', () => {
  it('moves a message received MaxReceiveCount times to the dead-letter queue', async () => {
    await t.mns.createQueue('work', {
      VisibilityTimeout: 10,
      'x-queueflow-dead-letter-queue': 'work-dlq',
      'x-queueflow-max-receive-count': 2,
    });
    const attrs = await t.mns.getQueueAttributes('work');
    expect(attrs.body['x-queueflow-dead-letter-queue']).toBe('work-dlq');
    expect(attrs.body['x-queueflow-max-receive-count']).toBe('2');
    const sent = await t.mns.sendMessage('work', { MessageBody: 'poison' });
    for (const count of ['1', '2']) {
      const got = await t.mns.receiveMessage('work');
      expect(got.body.DequeueCount).toBe(count);
      await clock.advance(10_000);
    }
    const third = await rejection(t.mns.receiveMessage('work'));
    expect(third.name).toBe(sdkErrorName('MessageNotExist'));
    const dead = await t.mns.receiveMessage('work-dlq');
    expect(dead.body.MessageId).toBe(sent.body.MessageId);
    expect(dead.body.MessageBody).toBe('poison');
    expect(t.stack.queues.stats('work')).toMatchObject({
      deadLettered: 1,
      deadLetterQueue: 'work-dlq',
      active: 0,
    });
  });

  it('makes the dead-letter queue again if it was deleted, and still moves the message', async () => {
    await t.mns.createQueue('lost', {
      VisibilityTimeout: 10,
      'x-queueflow-dead-letter-queue': 'lost-dlq',
      'x-queueflow-max-receive-count': 1,
    });
    t.stack.queues.deleteQueue('lost-dlq');
    await t.mns.sendMessage('lost', { MessageBody: 'poison' });
    expect((await t.mns.receiveMessage('lost')).body.DequeueCount).toBe('1');
    await clock.advance(10_000);
    expect((await rejection(t.mns.receiveMessage('lost'))).name).toBe(
      sdkErrorName('MessageNotExist'),
    );
    expect((await t.mns.receiveMessage('lost-dlq')).body.MessageBody).toBe('poison');
    expect(t.stack.queues.stats('lost')).toMatchObject({ deadLettered: 1, active: 0 });
  });

  it('is set through the in-process API too, and a queue cannot be its own DLQ', () => {
    t.stack.queues.createQueue('inproc', { DeadLetterQueue: 'inproc-dlq', MaxReceiveCount: 3 });
    expect(t.stack.queues.getQueue('inproc').attributes).toMatchObject({
      DeadLetterQueue: 'inproc-dlq',
      MaxReceiveCount: 3,
    });
    expect(t.stack.queues.listQueues()).toContain('inproc-dlq');
    expect(() =>
      t.stack.queues.setQueueAttributes('inproc', { DeadLetterQueue: 'inproc' }),
    ).toThrow(/own dead-letter queue/);
  });

  it('takes the DLQ and its receive count together, and removes both at once', async () => {
    // One alone would never move a message: refused, and no queue is made.
    for (const half of [
      { 'x-queueflow-dead-letter-queue': 'half-dlq' } as Record<string, string | number>,
      { 'x-queueflow-max-receive-count': 3 },
    ]) {
      const err = await rejection(t.mns.createQueue('half', half));
      expect(err.name).toBe(sdkErrorName('InvalidArgument'));
      expect(err.message).toContain('go together: set both, or neither');
    }
    expect(t.stack.queues.listQueues()).not.toContain('half');
    expect(t.stack.queues.listQueues()).not.toContain('half-dlq');
    await t.mns.createQueue('pair', { VisibilityTimeout: 10 });
    const late = await rejection(
      t.mns.setQueueAttributes('pair', { 'x-queueflow-max-receive-count': 2 }),
    );
    expect(late.name).toBe(sdkErrorName('InvalidArgument'));
    await t.mns.setQueueAttributes('pair', {
      'x-queueflow-dead-letter-queue': 'pair-dlq',
      'x-queueflow-max-receive-count': 2,
    });
    await t.mns.setQueueAttributes('pair', { 'x-queueflow-dead-letter-queue': '' });
    const attrs = (await t.mns.getQueueAttributes('pair')).body;
    expect(attrs['x-queueflow-dead-letter-queue']).toBeUndefined();
    expect(attrs['x-queueflow-max-receive-count']).toBeUndefined();
  });

  it('still changes a queue saved with half a setting by an older version', async () => {
    await t.mns.createQueue('legacy', {
      'x-queueflow-dead-letter-queue': 'legacy-dlq',
      'x-queueflow-max-receive-count': 2,
    });
    // As a version that allowed half a setting left it in the data folder.
    t.stack.store.db
      .prepare("UPDATE mns_queues SET max_receive_count = NULL WHERE name = 'legacy'")
      .run();
    await t.mns.setQueueAttributes('legacy', { VisibilityTimeout: 60 });
    expect((await t.mns.getQueueAttributes('legacy')).body.VisibilityTimeout).toBe('60');
  });

  it('does not make a deleted DLQ again when another attribute changes', async () => {
    await t.mns.createQueue('src', {
      'x-queueflow-dead-letter-queue': 'src-dlq',
      'x-queueflow-max-receive-count': 2,
    });
    await t.mns.deleteQueue('src-dlq');
    await t.mns.setQueueAttributes('src', { VisibilityTimeout: 60 });
    expect(t.stack.queues.listQueues()).not.toContain('src-dlq');
  });
});
