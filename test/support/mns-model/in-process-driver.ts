// The driver that calls the queue service in process.
import type { QueueServiceInternals } from '../../../local/mns/service';
import type { QueueService } from '../../../local/mns/types';
import { type Driver, errorCode, type Seen } from './driver';
import type { SendItem } from './ops';

const send = (item: SendItem) => ({
  ...(item.delay !== undefined ? { delaySeconds: item.delay } : {}),
  ...(item.pri ? { priority: item.pri } : {}),
});

export function inProcessDriver(
  queues: QueueService & Pick<QueueServiceInternals, 'sendMessages'>,
): Driver {
  const seen = (m: {
    body: string;
    dequeueCount: number;
    firstDequeueTime: number;
    priority: number;
    enqueueTime: number;
    receiptHandle?: string;
    nextVisibleTime?: number;
  }): Seen => ({
    body: m.body,
    dequeueCount: m.dequeueCount,
    firstDequeueTime: m.firstDequeueTime,
    priority: m.priority,
    enqueueTime: m.enqueueTime,
    receiptHandle: m.receiptHandle ?? '',
    nextVisibleTime: m.nextVisibleTime ?? 0,
  });
  return {
    perReceiveVisibility: true,
    send: async (q, body, item) =>
      queues.sendMessage(q, { body, ...send(item) }).receiptHandle ?? null,
    sendBatch: async (q, items) =>
      queues
        .sendMessages(
          q,
          items.map((it) => ({ body: it.body, ...send(it) })),
        )
        .map((r) => {
          if (r instanceof Error) throw r;
          return r.receiptHandle ?? null;
        }),
    receive: async (q, max, vt, bound) =>
      (
        await queues.receiveMessages(q, {
          max,
          waitSeconds: 0,
          ...(vt ? { visibilityTimeout: vt } : {}),
          ...(bound ? { processBound: true } : {}),
        })
      ).map(seen),
    peek: async (q, max) => queues.peekMessages(q, max).map(seen),
    deleteMessage: async (q, h) => queues.deleteMessage(q, h),
    deleteBatch: async (q, hs) => {
      const codes: string[] = [];
      for (const h of hs) {
        try {
          queues.deleteMessage(q, h);
        } catch (err) {
          codes.push(errorCode(err));
        }
      }
      return codes.sort();
    },
    changeVisibility: async (q, h, s) => queues.changeVisibility(q, h, s),
    stats: async (q) => {
      const s = queues.stats(q);
      return [s.active, s.inflight, s.delayed, s.waiting];
    },
  };
}
