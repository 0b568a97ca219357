// What an MNS trigger does with the messages it holds when the stack stops: a
// push the stop cuts off, or messages a stop keeps from their function, go back
// to the queue at once (visible again in 1 s, the MNS minimum), uncounted; a push
// that succeeds is deleted; after a halt (errorsTolerance NONE) a real failure is
// still counted. Over the real in-process queue service; the function is a
// stand-in whose answer the test releases.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { startMnsTrigger } from '../../../local/fc/mns-trigger';
import { createPushFailures, type PushFailures } from '../../../local/fc/push-failures';
import type { InvokeOutcome } from '../../../local/fc/types';
import { silentLogger } from '../../../local/log';
import type { ProjectTrigger } from '../../../local/project/model';
import { openStore, type Store } from '../../../local/store/store';
import { eventually } from '../../support/eventually';
import { buildQueueService } from '../../support/queue-service';

let store: Store;
let clock: VirtualClock;
let queues: ReturnType<typeof buildQueueService>;
let failures: PushFailures;

beforeEach(() => {
  store = openStore({ memory: true });
  clock = new VirtualClock();
  queues = buildQueueService(store, clock);
  queues.createQueue('tasks', { VisibilityTimeout: 300 });
  failures = createPushFailures(store);
});
afterEach(() => {
  queues.stop();
  store.close();
});

type MnsTrigger = Extract<ProjectTrigger, { kind: 'mns-queue' }>;
const trigger = (over: Partial<MnsTrigger> = {}): MnsTrigger => ({
  kind: 'mns-queue',
  triggerName: 't',
  queueName: 'tasks',
  isBase64Decode: false,
  batchSize: 1,
  batchWindowSeconds: 0,
  mode: 'event',
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

/** A trigger whose function answers when the test calls the returned `answer(i, outcome)`. */
function startHeld(t: MnsTrigger, concurrency = 1) {
  const pending: Array<(o: InvokeOutcome) => void> = [];
  const consumer = startMnsTrigger({
    functionName: 'fn',
    trigger: t,
    queues,
    invoke: () => new Promise<InvokeOutcome>((resolve) => pending.push(resolve)),
    failures,
    clock,
    logger: silentLogger,
    accountId: '1',
    region: 'cn-hangzhou',
    concurrency,
  });
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

const parked = () => new Promise((r) => setImmediate(r));

describe('an MNS trigger at a stop', () => {
  it('hands back a message whose push the stop cut off, without counting a failure', async () => {
    const t = startHeld(trigger());
    await parked();
    const sent = queues.sendMessage('tasks', { body: 'a' });
    await eventually(() => (t.pushes() === 1 ? true : undefined), 'the push started');
    const stopping = t.consumer.stop();
    // The stop kills the instance: the push ends in a failure.
    t.answer(0, failed());
    await stopping;
    expect(visibleIn(sent.messageId)).toBe(1000);
    expect(failures.of('tasks', sent.messageId)).toBe(0);
  });

  it('deletes a message whose push succeeded while the stop waited for it', async () => {
    const t = startHeld(trigger());
    await parked();
    const sent = queues.sendMessage('tasks', { body: 'a' });
    await eventually(() => (t.pushes() === 1 ? true : undefined), 'the push started');
    const stopping = t.consumer.stop();
    t.answer(0, succeeded());
    await stopping;
    expect(visibleIn(sent.messageId)).toBe('deleted');
  });

  it('hands back what a batch window holds when the stop closes it, pushing nothing', async () => {
    const t = startHeld(trigger({ batchSize: 4, batchWindowSeconds: 10, mode: 'event-streaming' }));
    await parked();
    const sent = queues.sendMessage('tasks', { body: 'a' });
    await eventually(
      () => (queues.stats('tasks').inflight === 1 ? true : undefined),
      'the window holds the message',
    );
    await t.consumer.stop();
    expect(t.pushes()).toBe(0);
    expect(visibleIn(sent.messageId)).toBe(1000);
  });

  it('counts a real failure after a halt (errorsTolerance NONE) and does not hand it back', async () => {
    const t = startHeld(
      trigger({
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
    await eventually(() => (t.pushes() === 2 ? true : undefined), 'both pushes started');
    t.answer(0, failed());
    await eventually(() => (t.consumer.halted ? true : undefined), 'the trigger halted');
    t.answer(1, failed());
    await t.consumer.stop();
    for (const m of [a, b]) {
      expect(failures.of('tasks', m.messageId)).toBe(1);
      // Out of retries, under a halt: it stays hidden, as the halt's log line says.
      expect(visibleIn(m.messageId)).toBeGreaterThan(1000);
    }
  });
});
