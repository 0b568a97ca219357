import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { startMnsTrigger } from '../../../local/fc/mns-trigger';
import { createPushFailures, type PushFailures } from '../../../local/fc/push-failures';
import type { InvokeOutcome } from '../../../local/fc/types';
import { silentLogger } from '../../../local/log';
import type { MnsQueueTrigger } from '../../../local/project/model';
import { openStore, type Store } from '../../../local/store/store';
import { eventually } from '../../support/eventually';
import { buildQueueService } from '../../support/queue-service';

// The trigger over the real in-process queue service; only the function is a
// stand-in (a recorder, or one whose answer the test releases), so when the
// trigger hands an event over, and what it does with the messages, is observable.
let store: Store;
let clock: VirtualClock;
let queues: ReturnType<typeof buildQueueService>;
let failures: PushFailures;

beforeEach(() => {
  store = openStore({ memory: true });
  clock = new VirtualClock();
  queues = buildQueueService(store, clock);
  queues.createQueue('tasks');
  failures = createPushFailures(store);
});
afterEach(() => {
  queues.stop();
  store.close();
});

const trigger = (over: Partial<MnsQueueTrigger> = {}): MnsQueueTrigger => ({
  kind: 'mns-queue',
  triggerName: 't',
  queueName: 'tasks',
  isBase64Decode: false,
  batchSize: 10,
  batchWindowSeconds: 0,
  mode: 'event-streaming',
  ...over,
});

const succeeded = (): InvokeOutcome => ({
  ok: true,
  requestId: 'r',
  body: Buffer.alloc(0),
  durationMs: 0,
});
const failed = (): InvokeOutcome => ({
  ok: false,
  requestId: 'r',
  kind: 'UnhandledInvocationError',
  error: { errorMessage: 'boom' },
  timedOut: false,
  durationMs: 0,
});

function startWith(
  t: MnsQueueTrigger,
  invoke: (event: Buffer) => Promise<InvokeOutcome>,
  concurrency = 1,
) {
  return startMnsTrigger({
    functionName: 'fn',
    trigger: t,
    queues,
    invoke,
    failures,
    clock,
    logger: silentLogger,
    accountId: '1',
    region: 'cn-hangzhou',
    concurrency,
  });
}

/** A trigger whose function records the bodies it was invoked with, in `order`. */
function start(t: MnsQueueTrigger, order: string[], events: unknown[] = []) {
  return startWith(t, async (event) => {
    const parsed = JSON.parse(event.toString());
    events.push(parsed);
    const bodies = [parsed].flat().map((e) => (t.rawData ? e.messageBody : e.data.messageBody));
    order.push(`invoked with ${bodies.join(',')}`);
    return succeeded();
  });
}

const parked = () => new Promise((r) => setImmediate(r));

describe('the MNS trigger', () => {
  it('invokes the function inside the sender’s commit when no batch window is open', async () => {
    const order: string[] = [];
    const consumer = start(trigger(), order);
    await parked();
    // As the flow engine sends a task: inside its own transaction (an outbox).
    store.transaction(() => {
      queues.sendMessage('tasks', { body: 'task-1' });
      order.push('send returned');
    });
    order.push('transaction returned');
    expect(order).toEqual(['send returned', 'invoked with task-1', 'transaction returned']);
    // Delivered, then deleted once the invocation succeeded.
    await eventually(() => queues.stats('tasks').inflight === 0, 'the message was deleted');
    expect(queues.stats('tasks')).toMatchObject({ active: 0, inflight: 0 });
    await consumer.stop();
  });

  it('waits for the batch window before invoking when one is set', async () => {
    const order: string[] = [];
    const consumer = start(trigger({ batchWindowSeconds: 1, batchSize: 2 }), order);
    await parked();
    queues.sendMessage('tasks', { body: 'a' });
    order.push('sent a');
    queues.sendMessage('tasks', { body: 'b' });
    order.push('sent b');
    await eventually(() => order.length === 3, 'the batch was delivered');
    expect(order).toEqual(['sent a', 'sent b', 'invoked with a,b']);
    await consumer.stop();
  });

  it('delivers the data objects alone with eventSchema RawData', async () => {
    const order: string[] = [];
    const events: unknown[] = [];
    const consumer = start(trigger({ rawData: true }), order, events);
    await parked();
    queues.sendMessage('tasks', { body: 'raw-1' });
    await eventually(() => order.length === 1, 'delivered');
    expect(order).toEqual(['invoked with raw-1']);
    expect(events[0]).toEqual([
      { requestId: expect.any(String), messageId: expect.any(String), messageBody: 'raw-1' },
    ]);
    await consumer.stop();
  });
});

/** One event per message, as a trigger without event-streaming sends. */
const ONE_BY_ONE = { batchSize: 1, mode: 'event' } as const;

/** A trigger whose function answers when the test calls the returned `answer(i, outcome)`. */
function startHeld(t: MnsQueueTrigger, concurrency = 1) {
  const pending: Array<(o: InvokeOutcome) => void> = [];
  const consumer = startWith(
    t,
    () => new Promise<InvokeOutcome>((resolve) => pending.push(resolve)),
    concurrency,
  );
  return {
    consumer,
    pushes: () => pending.length,
    answer: (i: number, o: InvokeOutcome) => pending[i]?.(o),
  };
}

/** Milliseconds until the message is visible again, or 'deleted'. */
function visibleIn(messageId: string): number | 'deleted' {
  const row = store.db
    .prepare('SELECT visible_at FROM mns_messages WHERE message_id = ?')
    .get(messageId) as { visible_at: number } | undefined;
  return row ? row.visible_at - clock.now() : 'deleted';
}

describe('an MNS trigger at a stop', () => {
  it('hands back a message whose push the stop cut off, without counting a failure', async () => {
    const t = startHeld(trigger(ONE_BY_ONE));
    await parked();
    const sent = queues.sendMessage('tasks', { body: 'a' });
    await eventually(() => t.pushes() === 1, 'the push started');
    const stopping = t.consumer.stop();
    // The stop kills the instance: the push ends in a failure.
    t.answer(0, failed());
    await stopping;
    expect(visibleIn(sent.messageId)).toBe(1000);
    expect(failures.of('tasks', sent.messageId)).toBe(0);
  });

  it('deletes a message whose push succeeded while the stop waited for it', async () => {
    const t = startHeld(trigger(ONE_BY_ONE));
    await parked();
    const sent = queues.sendMessage('tasks', { body: 'a' });
    await eventually(() => t.pushes() === 1, 'the push started');
    const stopping = t.consumer.stop();
    t.answer(0, succeeded());
    await stopping;
    expect(visibleIn(sent.messageId)).toBe('deleted');
  });

  it('hands back what a batch window holds when the stop closes it, pushing nothing', async () => {
    const t = startHeld(trigger({ batchSize: 4, batchWindowSeconds: 10, mode: 'event-streaming' }));
    await parked();
    const sent = queues.sendMessage('tasks', { body: 'a' });
    await eventually(() => queues.stats('tasks').inflight === 1, 'the window holds the message');
    await t.consumer.stop();
    expect(t.pushes()).toBe(0);
    expect(visibleIn(sent.messageId)).toBe(1000);
  });

  it('counts a real failure after a halt (errorsTolerance NONE) and does not hand it back', async () => {
    const t = startHeld(
      trigger({
        ...ONE_BY_ONE,
        retry: {
          strategy: 'BACKOFF_RETRY',
          maxRetries: 0,
          maxEventAgeSeconds: 0,
          errorsTolerance: 'NONE',
        },
      }),
      2,
    );
    await parked();
    const a = queues.sendMessage('tasks', { body: 'a' });
    const b = queues.sendMessage('tasks', { body: 'b' });
    await eventually(() => t.pushes() === 2, 'both pushes started');
    t.answer(0, failed());
    await eventually(() => t.consumer.halted, 'the trigger halted');
    t.answer(1, failed());
    await t.consumer.stop();
    for (const m of [a, b]) {
      expect(failures.of('tasks', m.messageId)).toBe(1);
      // Out of retries, under a halt: it stays hidden (the queue's 30 s), as the halt's log line says.
      expect(visibleIn(m.messageId)).toBeGreaterThan(1000);
    }
  });
});
