import { describe, expect, it } from 'vitest';
import {
  type BatchSendResult,
  type QueueClient,
  QueueError,
  type ReceivedMessage,
} from '../../../shared/clients/queue-client';
import { redriveMessages } from '../../../shared/task/redrive';

// Pure unit: a fake of the three queue calls, for the outcomes the local
// service cannot produce on demand (a throttled entry, a failing delete). The
// integration test runs redrive against the real service over the SDK.
function fakeQueue(options: {
  results: (bodies: string[]) => BatchSendResult[];
  deleteFails?: boolean;
}) {
  const pending: ReceivedMessage[] = ['a', 'b', 'c'].map((body, i) => ({
    messageId: `m${i}`,
    receiptHandle: `h${i}`,
    body,
    dequeueCount: 1,
  }));
  const deleted: string[] = [];
  const released: string[] = [];
  const queue: Pick<QueueClient, 'receive' | 'sendBatch' | 'deleteBatch' | 'changeVisibility'> = {
    async receive(_q, { max }) {
      return pending.splice(0, max);
    },
    async sendBatch(_q, messages) {
      return options.results(messages.map((m) => m.body));
    },
    async deleteBatch(_q, handles) {
      if (options.deleteFails) {
        throw new QueueError({ code: 'NetworkError', message: 'socket hang up', retryable: true });
      }
      deleted.push(...handles);
      return [];
    },
    async changeVisibility(_q, handle, seconds) {
      // MNS's range: a 0 s "release" is refused with InvalidArgument.
      if (seconds < 1 || seconds > 43_200) {
        throw new QueueError({ code: 'InvalidArgument', message: 'range', retryable: false });
      }
      if (seconds === 1) released.push(handle);
      return { receiptHandle: handle };
    },
  };
  return { queue, deleted, released };
}

describe('redriveMessages (unit)', () => {
  it('reports a throttled entry as a retryable QueueError after deleting what was sent', async () => {
    const { queue, deleted } = fakeQueue({
      results: (bodies) =>
        bodies.map((b) =>
          b === 'b' ? { code: 'QpsLimitExceeded', message: 'slow down' } : { messageId: `id-${b}` },
        ),
    });
    await expect(redriveMessages({ queue, from: 'dlq', to: 'work' })).rejects.toMatchObject({
      code: 'QpsLimitExceeded',
      retryable: true,
    });
    expect(deleted).toEqual(['h0', 'h2']);
  });

  it('makes what it received but did not send visible again within a second, for a corrected rerun', async () => {
    const { queue, deleted, released } = fakeQueue({
      results: () => {
        throw new QueueError({ code: 'QueueNotExist', message: 'nope', retryable: false });
      },
    });
    await expect(redriveMessages({ queue, from: 'dlq', to: 'nope' })).rejects.toMatchObject({
      code: 'QueueNotExist',
    });
    expect(deleted).toEqual([]);
    // Hidden for the DLQ's visibility timeout, a rerun used to find nothing and say "0 moved".
    expect(released).toEqual(['h0', 'h1', 'h2']);
  });

  it('marks a refusal that will not get better as not retryable', async () => {
    const { queue } = fakeQueue({
      results: (bodies) => bodies.map(() => ({ code: 'InvalidArgument', message: 'too big' })),
    });
    await expect(redriveMessages({ queue, from: 'dlq', to: 'work' })).rejects.toMatchObject({
      code: 'InvalidArgument',
      retryable: false,
    });
  });

  it('says the sent messages are in both queues when only their delete fails', async () => {
    const { queue, released } = fakeQueue({
      results: (bodies) => bodies.map((b) => ({ messageId: `id-${b}` })),
      deleteFails: true,
    });
    const err = await redriveMessages({ queue, from: 'dlq', to: 'work' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /^3 message\(s\) sent to work could not be deleted from dlq and are in both queues: /,
    );
    expect(released).toEqual([]);
  });

  it('reports the send failure and the delete failure that followed it, and still releases the unsent', async () => {
    const { queue, released } = fakeQueue({
      results: (bodies) =>
        bodies.map((b) =>
          b === 'c' ? { code: 'InternalError', message: 'boom' } : { messageId: `id-${b}` },
        ),
      deleteFails: true,
    });
    const err = await redriveMessages({ queue, from: 'dlq', to: 'work' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'InternalError', retryable: true });
    expect((err as Error).message).toMatch(
      /boom; also, 2 message\(s\) sent to work could not be deleted from dlq and are in both queues/,
    );
    // The one that was not sent is back for a corrected rerun.
    expect(released).toEqual(['h2']);
  });
});
