import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { startMnsTrigger } from '../../../local/fc/mns-trigger';
import { createPushFailures } from '../../../local/fc/push-failures';
import type { InvokeOutcome } from '../../../local/fc/types';
import { silentLogger } from '../../../local/log';
import type { ProjectTrigger } from '../../../local/project/model';
import { openStore, type Store } from '../../../local/store/store';
import { eventually } from '../../support/eventually';
import { buildQueueService } from '../../support/queue-service';

// The trigger over the real in-process queue service; only the function is a
// stand-in (a recorder), so when the trigger hands an event over is observable.
let store: Store;
let queues: ReturnType<typeof buildQueueService>;

beforeEach(() => {
  store = openStore({ memory: true });
  queues = buildQueueService(store, new VirtualClock());
  queues.createQueue('tasks');
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
  batchSize: 10,
  batchWindowSeconds: 0,
  mode: 'event-streaming',
  ...over,
});

function start(t: MnsTrigger, order: string[], events: unknown[] = []) {
  return startMnsTrigger({
    functionName: 'fn',
    trigger: t,
    queues,
    invoke: async (event): Promise<InvokeOutcome> => {
      const parsed = JSON.parse(event.toString());
      events.push(parsed);
      const bodies = [parsed].flat().map((e) => (t.rawData ? e.messageBody : e.data.messageBody));
      order.push(`invoked with ${bodies.join(',')}`);
      return { ok: true, requestId: 'r', body: Buffer.alloc(0), durationMs: 0 };
    },
    failures: createPushFailures(store),
    clock: new VirtualClock(),
    logger: silentLogger,
    accountId: '1',
    region: 'cn-hangzhou',
    concurrency: 1,
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
