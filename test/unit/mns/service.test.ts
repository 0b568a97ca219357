import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { type createQueueService, MnsError, type ReceivedMessage } from '../../../local/mns';
import { openStore, type Store } from '../../../local/store/store';
import { buildQueueService } from '../../support/queue-service';

let store: Store;
let clock: VirtualClock;
// The public API plus the internals (receive with onMessages) the HTTP route uses.
let queues: ReturnType<typeof createQueueService>;

const build = (relaxLimits = false) => buildQueueService(store, clock, relaxLimits);

beforeEach(() => {
  store = openStore({ memory: true });
  clock = new VirtualClock();
  queues = build();
  queues.createQueue('tasks');
});
afterEach(() => {
  queues.stop();
  store.close();
});

const flush = () => new Promise((r) => setImmediate(r));

/** A receive on `tasks` that waits and reports its messages through `onMessages`, as HTTP's does. */
const receiveWith = (onMessages: (messages: ReceivedMessage[]) => void) =>
  queues.receive('tasks', { max: 1, waitMs: 5_000, onMessages });

describe('the in-process queue API', () => {
  it('commits a send made inside another component’s transaction with that transaction', async () => {
    const poll = queues.receiveMessages('tasks', { max: 1, waitSeconds: 5 });
    store.transaction(() => {
      store.db.exec('CREATE TABLE IF NOT EXISTS outbox_test (x INTEGER)');
      queues.sendMessage('tasks', { body: '{"task_type":"extract"}' });
    });
    const got = await poll;
    expect(got.map((m) => m.body)).toEqual(['{"task_type":"extract"}']);
  });

  it('claims for a parked poll inside the sender’s transaction and hands over right after its commit', async () => {
    const order: string[] = [];
    const poll = receiveWith((ms) =>
      order.push(`delivered ${ms[0]?.body} (in transaction: ${store.db.inTransaction})`),
    );
    await flush();
    store.transaction(() => {
      queues.sendMessage('tasks', { body: 'outbox' });
      order.push('send returned');
      // Claimed in this transaction already: nobody else can take it.
      expect(queues.stats('tasks')).toMatchObject({ active: 0, inflight: 1 });
    });
    order.push('transaction returned');
    expect(order).toEqual([
      'send returned',
      'delivered outbox (in transaction: false)',
      'transaction returned',
    ]);
    expect((await poll).map((m) => m.body)).toEqual(['outbox']);
  });

  it('claims each parked poll once when one transaction sends several messages', async () => {
    const first = queues.receiveMessages('tasks', { max: 1, waitSeconds: 5 });
    await flush();
    store.transaction(() => {
      queues.sendMessage('tasks', { body: 'one' });
      queues.sendMessage('tasks', { body: 'two' });
    });
    expect((await first).map((m) => m.body)).toEqual(['one']);
    // The second stayed receivable; it was not claimed a second time for the same poll.
    expect(queues.stats('tasks')).toMatchObject({ active: 1, inflight: 1 });
    const second = await queues.receiveMessages('tasks', { max: 1, waitSeconds: 0 });
    expect(second.map((m) => m.body)).toEqual(['two']);
  });

  it('puts a poll back to waiting when the send that claimed for it is rolled back with its savepoint', async () => {
    const poll = queues.receiveMessages('tasks', { max: 1, waitSeconds: 5 });
    await flush();
    store.transaction(() => {
      expect(() =>
        store.transaction(() => {
          queues.sendMessage('tasks', { body: 'undone' });
          throw new Error('step failed');
        }),
      ).toThrow('step failed');
      queues.sendMessage('tasks', { body: 'kept' });
    });
    expect((await poll).map((m) => m.body)).toEqual(['kept']);
    expect(queues.stats('tasks')).toMatchObject({ active: 0, inflight: 1 });
  });

  it('hands a parked HTTP poll its message inside the send itself, before the send returns', async () => {
    const order: string[] = [];
    const poll = receiveWith((ms) => order.push(`delivered ${ms[0]?.body}`));
    await flush();
    queues.sendMessage('tasks', { body: 'fast' });
    order.push('send returned');
    expect(order).toEqual(['delivered fast', 'send returned']);
    expect((await poll).map((m) => m.body)).toEqual(['fast']);
  });

  it('hands a parked dead-letter poll the message a receive moves there, before that receive returns', async () => {
    queues.createQueue('dlq');
    queues.setQueueAttributes('tasks', { DeadLetterQueue: 'dlq', MaxReceiveCount: 1 });
    queues.sendMessage('tasks', { body: 'poison' });
    expect(await queues.receiveMessages('tasks', { max: 1, waitSeconds: 0 })).toHaveLength(1);
    await clock.advance(30_000); // its visibility ends: received once, it is due for the DLQ
    const order: string[] = [];
    const dlqPoll = queues.receive('dlq', {
      max: 1,
      waitMs: 5_000,
      onMessages: (ms) => order.push(`dlq got ${ms[0]?.body}`),
    });
    await flush();
    const again = await queues.receiveMessages('tasks', { max: 1, waitSeconds: 0 });
    order.push(`tasks receive returned ${again.length}`);
    expect(order).toEqual(['dlq got poison', 'tasks receive returned 0']);
    expect((await dlqPoll).map((m) => m.body)).toEqual(['poison']);
  });

  it('answers each parked poll once when dead-letter queues form a cycle', async () => {
    queues.createQueue('b');
    queues.setQueueAttributes('tasks', { DeadLetterQueue: 'b', MaxReceiveCount: 1 });
    queues.setQueueAttributes('b', { DeadLetterQueue: 'tasks', MaxReceiveCount: 1 });
    queues.sendMessage('tasks', { body: 'm1', priority: 2 });
    queues.sendMessage('b', { body: 'm2', priority: 1 });
    expect(await queues.receiveMessages('tasks', { max: 1, waitSeconds: 0 })).toHaveLength(1);
    expect(await queues.receiveMessages('b', { max: 1, waitSeconds: 0 })).toHaveLength(1);
    queues.sendMessage('tasks', { body: 'm3', priority: 8, delaySeconds: 30 });
    const calls: string[] = [];
    const onTasks = queues.receive('tasks', {
      max: 1,
      waitMs: 60_000,
      onMessages: (ms) => calls.push(`tasks got ${ms.map((m) => m.body)}`),
    });
    await flush();
    const onB = queues.receive('b', {
      max: 1,
      waitMs: 60_000,
      onMessages: (ms) => calls.push(`b got ${ms.map((m) => m.body)}`),
    });
    await flush();
    // m1 and m2 become due together; each move wakes the other queue's poll at once.
    await clock.advance(30_000);
    const got = [...(await onTasks), ...(await onB)].map((m) => m.body);
    expect(calls).toHaveLength(2);
    expect(got).toHaveLength(2);
    // Nothing was claimed for a poll that had already been answered.
    const inflight = queues.stats('tasks').inflight + queues.stats('b').inflight;
    expect(inflight).toBe(2);
  });

  it('keeps a send successful when the woken receiver fails to take its message', async () => {
    const poll = receiveWith(() => {
      throw new Error('socket gone');
    });
    await flush();
    expect(queues.sendMessage('tasks', { body: 'kept' }).messageId).toBeTruthy();
    await expect(poll).rejects.toThrow('socket gone');
    // The message is in flight for nobody and comes back after its visibility timeout.
    await clock.advance(30_000);
    expect(queues.peekMessages('tasks', 1).map((m) => m.body)).toEqual(['kept']);
  });

  it('leaves no message behind and wakes nobody with it when the outer transaction rolls back', async () => {
    const ac = new AbortController();
    const poll = queues.receiveMessages('tasks', { max: 1, waitSeconds: 5, signal: ac.signal });
    expect(() =>
      store.transaction(() => {
        queues.sendMessage('tasks', { body: 'rolled back' });
        throw new Error('transition failed');
      }),
    ).toThrow('transition failed');
    await flush();
    await flush();
    expect(queues.stats('tasks')).toMatchObject({ active: 0, waiting: 1 });
    ac.abort();
    expect(await poll).toEqual([]);
    expect(queues.stats('tasks').waiting).toBe(0);
  });

  it('treats createQueue as an ensure: same attributes change nothing, new ones are applied', () => {
    queues.createQueue('tasks', { VisibilityTimeout: 30 });
    const before = queues.getQueue('tasks');
    queues.createQueue('tasks', { VisibilityTimeout: 90 });
    expect(queues.getQueue('tasks').attributes.VisibilityTimeout).toBe(90);
    expect(queues.getQueue('tasks').createTime).toBe(before.createTime);
  });

  it('forgets a queue created inside a transaction that rolled back', () => {
    expect(() =>
      store.transaction(() => {
        queues.createQueue('ghost');
        queues.sendMessage('ghost', { body: 'seen inside only' });
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(() => queues.sendMessage('ghost', { body: 'x' })).toThrow(/queue name you provided/);
    expect(queues.listQueues()).not.toContain('ghost');
  });

  it('throws MnsError with the cloud code and status', () => {
    try {
      queues.sendMessage('missing', { body: 'x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(MnsError);
      expect(err).toMatchObject({ code: 'QueueNotExist', status: 404, name: 'MnsError' });
    }
  });

  it('enforces the 64 KB body limit unless the stack relaxes limits', () => {
    const big = 'x'.repeat(65_537);
    expect(() => queues.sendMessage('tasks', { body: big })).toThrow(/should between 1 and 65536/);
    const relaxed = build(true);
    expect(relaxed.sendMessage('tasks', { body: big }).messageId).toBeTruthy();
    relaxed.stop();
  });

  it('honours a per-receive visibility timeout and counts inflight and delayed messages', async () => {
    queues.sendMessage('tasks', { body: 'now' });
    queues.sendMessage('tasks', { body: 'later', delaySeconds: 60 });
    const [m] = await queues.receiveMessages('tasks', {
      max: 16,
      waitSeconds: 0,
      visibilityTimeout: 5,
    });
    expect(m?.nextVisibleTime).toBe(clock.now() + 5_000);
    expect(queues.stats('tasks')).toMatchObject({ active: 0, inflight: 1, delayed: 1 });
    await clock.advance(5_000);
    expect(queues.peekMessages('tasks', 16).map((p) => p.body)).toEqual(['now']);
  });

  it('keeps a message received and deleted from ever coming back', async () => {
    queues.sendMessage('tasks', { body: 'once' });
    const [m] = await queues.receiveMessages('tasks', { max: 1, waitSeconds: 0 });
    queues.deleteMessage('tasks', m!.receiptHandle);
    await clock.advance(3_600_000);
    expect(await queues.receiveMessages('tasks', { max: 16, waitSeconds: 0 })).toEqual([]);
  });

  it('clamps an in-process wait above 30 s instead of refusing it', async () => {
    const ac = new AbortController();
    const poll = queues.receiveMessages('tasks', { max: 1, waitSeconds: 45, signal: ac.signal });
    await flush();
    expect(queues.stats('tasks').waiting).toBe(1);
    ac.abort();
    expect(await poll).toEqual([]);
    await expect(queues.receiveMessages('tasks', { max: 1, waitSeconds: -1 })).rejects.toThrow(
      /waitSeconds/,
    );
  });

  it('answers QueueNotExist to a poll parked on a queue that is deleted', async () => {
    const poll = queues.receiveMessages('tasks', { max: 1, waitSeconds: 20 });
    await flush();
    queues.deleteQueue('tasks');
    await expect(poll).rejects.toMatchObject({ code: 'QueueNotExist' });
    queues.createQueue('tasks'); // afterEach's teardown expects it
  });

  it('ends every parked wait when the service stops', async () => {
    const poll = queues.receiveMessages('tasks', { max: 1, waitSeconds: 30 });
    queues.stop();
    expect(await poll).toEqual([]);
  });
});
