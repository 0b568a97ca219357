import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { createSdkClient, rejection, type SdkMnsClient, sdkErrorName } from '../../support/mns-sdk';

let stack: LocalStack;
let mns: SdkMnsClient;
const clock = new VirtualClock(Date.UTC(2026, 10, 28, 12));

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, memory: true, logger: silentLogger, clock });
  mns = createSdkClient(stack);
});
afterAll(() => stack.stop());

describe('the dead-letter queue (a local extension)', () => {
  it('moves a message received MaxReceiveCount times to the dead-letter queue', async () => {
    await mns.createQueue('work', {
      VisibilityTimeout: 10,
      'x-queueflow-dead-letter-queue': 'work-dlq',
      'x-queueflow-max-receive-count': 2,
    });
    const attrs = await mns.getQueueAttributes('work');
    expect(attrs.body['x-queueflow-dead-letter-queue']).toBe('work-dlq');
    expect(attrs.body['x-queueflow-max-receive-count']).toBe('2');
    const sent = await mns.sendMessage('work', { MessageBody: 'poison' });
    for (const count of ['1', '2']) {
      const got = await mns.receiveMessage('work');
      expect(got.body.DequeueCount).toBe(count);
      await clock.advance(10_000);
    }
    const third = await rejection(mns.receiveMessage('work'));
    expect(third.name).toBe(sdkErrorName('MessageNotExist'));
    const dead = await mns.receiveMessage('work-dlq');
    expect(dead.body.MessageId).toBe(sent.body.MessageId);
    expect(dead.body.MessageBody).toBe('poison');
    expect(stack.queues.stats('work')).toMatchObject({
      deadLettered: 1,
      deadLetterQueue: 'work-dlq',
      active: 0,
    });
  });

  it('is set through the in-process API too, and a queue cannot be its own DLQ', () => {
    stack.queues.createQueue('inproc', { DeadLetterQueue: 'inproc-dlq', MaxReceiveCount: 3 });
    expect(stack.queues.getQueue('inproc').attributes).toMatchObject({
      DeadLetterQueue: 'inproc-dlq',
      MaxReceiveCount: 3,
    });
    expect(stack.queues.listQueues()).toContain('inproc-dlq');
    expect(() => stack.queues.setQueueAttributes('inproc', { DeadLetterQueue: 'inproc' })).toThrow(
      /own dead-letter queue/,
    );
  });
});
