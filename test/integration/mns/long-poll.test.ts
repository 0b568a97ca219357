import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { eventually } from '../../support/eventually';
import { rejection, sdkErrorName } from '../../support/mns-sdk';
import { signedFetch } from '../../support/mns-sign';
import { useMnsStack } from '../../support/mns-stack';

const clock = new VirtualClock(Date.UTC(2026, 10, 28, 12));
const t = useMnsStack({ clock, queuePrefix: 'lp' });
const { freshQueue } = t;

/** Resolves once `count` long polls are parked on `queue` (the server's own count). */
async function parked(queue: string, count = 1): Promise<void> {
  await eventually(
    () => t.stack.queues.stats(queue).waiting >= count,
    `${count} poll(s) wait on ${queue}`,
  );
}

/** A raw signed 20 s long poll on `queue` whose client the test can hang up. */
function hangablePoll(queue: string) {
  const ac = new AbortController();
  const done = signedFetch({
    endpoint: t.stack.endpoint,
    ...t.stack.credentials,
    method: 'GET',
    resource: `/queues/${queue}/messages?waitseconds=20`,
    signal: ac.signal,
  }).catch((e: Error) => e);
  return { hangUp: () => ac.abort(), done };
}

describe('long polling', () => {
  it('wakes a waiting receive the moment a message is sent, long before the wait ends', async () => {
    const q = await freshQueue();
    const started = Date.now();
    const poll = t.mns.receiveMessage(q, 20);
    await parked(q);
    await t.mns.sendMessage(q, { MessageBody: 'wake up' });
    const got = await poll;
    expect(got.body.MessageBody).toBe('wake up');
    // Relative to the wait, not a timing assert: a 20 s poll answered in well under a tenth of it.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('wakes a waiting receive when another consumer’s visibility timeout ends', async () => {
    const q = await freshQueue({ VisibilityTimeout: 30 });
    await t.mns.sendMessage(q, { MessageBody: 'abandoned' });
    const first = await t.mns.receiveMessage(q);
    const poll = t.mns.receiveMessage(q, 20);
    await parked(q);
    await clock.advance(30_000);
    const got = await poll;
    expect(got.body.MessageId).toBe(first.body.MessageId);
    expect(got.body.DequeueCount).toBe('2');
  });

  it('wakes a waiting receive when a delayed message becomes visible', async () => {
    const q = await freshQueue();
    await t.mns.sendMessage(q, { MessageBody: 'later', DelaySeconds: 600 });
    const poll = t.mns.batchReceiveMessage(q, 4, 20);
    await parked(q);
    await clock.advance(600_000);
    const got = await poll;
    expect(got.body.map((m) => m.MessageBody)).toEqual(['later']);
  });

  it('serves parked receivers first come first served, one message each', async () => {
    const q = await freshQueue();
    const a = t.mns.receiveMessage(q, 20);
    await parked(q, 1);
    const b = t.mns.receiveMessage(q, 20);
    await parked(q, 2);
    await t.mns.batchSendMessage(q, [{ MessageBody: 'first' }, { MessageBody: 'second' }]);
    expect((await a).body.MessageBody).toBe('first');
    expect((await b).body.MessageBody).toBe('second');
  });

  it('answers an empty long poll with MessageNotExist just before waitseconds, inside the SDK timeout', async () => {
    const q = await freshQueue();
    const started = Date.now();
    const err = await rejection(t.mns.receiveMessage(q, 1));
    const elapsed = Date.now() - started;
    expect(err.name).toBe(sdkErrorName('MessageNotExist'));
    // Ends ~250 ms early (see docs/mns.md): after most of the wait, but before the full second.
    expect(elapsed).toBeGreaterThanOrEqual(700);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('uses the queue’s PollingWaitSeconds when the receive gives no waitseconds', async () => {
    const q = await freshQueue({ PollingWaitSeconds: 10 });
    const poll = t.mns.receiveMessage(q);
    await parked(q);
    await t.mns.sendMessage(q, { MessageBody: 'default wait' });
    expect((await poll).body.MessageBody).toBe('default wait');
  });

  it('rejects waitseconds above 30 with InvalidArgument', async () => {
    const q = await freshQueue();
    const err = await rejection(t.mns.receiveMessage(q, 31));
    expect(err.name).toBe(sdkErrorName('InvalidArgument'));
  });

  it('answers a long poll whose message lands between its first look and its wait', async () => {
    const q = await freshQueue();
    // The route looks once without waiting, then waits. A send that lands in
    // between (another component's promise continuation can) is found by the
    // wait's own first look, not by a wake-up: it must still reach the client.
    // The service is wrapped, not replaced: the send is a real one, timed.
    const service = t.stack.queues as unknown as {
      receive: (queue: string, opts: { waitMs?: number }) => Promise<unknown[]>;
    };
    const real = service.receive;
    service.receive = async (queue, opts) => {
      const got = await real(queue, opts);
      if (queue === q && opts.waitMs === 0) {
        service.receive = real;
        t.stack.queues.sendMessage(q, { body: 'in the gap' });
      }
      return got;
    };
    try {
      const res = await signedFetch({
        endpoint: t.stack.endpoint,
        ...t.stack.credentials,
        method: 'GET',
        resource: `/queues/${q}/messages?waitseconds=10`,
        signal: AbortSignal.timeout(3_000),
      });
      expect(res.status).toBe(200);
      expect(res.text).toContain('<MessageBody>in the gap</MessageBody>');
    } finally {
      service.receive = real;
    }
  });

  it('releases the waiter when the client hangs up, so no message is taken for nobody', async () => {
    const q = await freshQueue();
    const poll = hangablePoll(q);
    await parked(q);
    poll.hangUp();
    await poll.done;
    await eventually(() => t.stack.queues.stats(q).waiting === 0, 'the waiter is released');
    await t.mns.sendMessage(q, { MessageBody: 'still here' });
    expect((await t.mns.receiveMessage(q)).body.MessageBody).toBe('still here');
  });

  it('gives no message to a parked receiver that can no longer be answered', async () => {
    const q = await freshQueue();
    const service = t.stack.queues as unknown as {
      receive: (
        queue: string,
        opts: { max: number; waitMs: number; alive: () => boolean },
      ) => Promise<unknown[]>;
    };
    let alive = true;
    const pending = service.receive(q, { max: 1, waitMs: 20_000, alive: () => alive });
    await parked(q);
    alive = false; // its client hung up; its 'close' has not been handled yet
    t.stack.queues.sendMessage(q, { body: 'not for the gone' });
    expect(await pending).toEqual([]);
    expect(t.stack.queues.stats(q)).toMatchObject({ active: 1, inflight: 0, waiting: 0 });
  });

  it('tells the queue a long poll is gone as soon as its client hangs up', async () => {
    const q = await freshQueue();
    const service = t.stack.queues as unknown as {
      receive: (queue: string, opts: { alive?: () => boolean }) => Promise<unknown[]>;
    };
    const real = service.receive;
    let alive: (() => boolean) | undefined;
    service.receive = (queue, opts) => {
      if (queue === q && opts.alive) alive = opts.alive;
      return real(queue, opts);
    };
    try {
      const poll = hangablePoll(q);
      await parked(q);
      expect(alive?.()).toBe(true);
      poll.hangUp();
      await poll.done;
      await eventually(() => alive?.() === false, 'the poll reads as gone');
    } finally {
      service.receive = real;
    }
  });
});
