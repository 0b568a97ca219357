// The driver that reaches the queue service over HTTP through @alicloud/mns.
import { queueCounts, type SdkMnsClient } from '../mns-sdk';
import { type Driver, errorCode, type Seen } from './driver';
import type { SendItem } from './ops';

/** Every `ErrorCode` string anywhere inside a BatchDeleteMessage answer or error. */
function errorCodesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) errorCodesIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'ErrorCode' && typeof v === 'string') out.push(v);
      else errorCodesIn(v, out);
    }
  }
  return out;
}

export function sdkDriver(sdk: SdkMnsClient): Driver {
  const seen = (f: Record<string, string>): Seen => ({
    body: f.MessageBody ?? '',
    dequeueCount: Number(f.DequeueCount),
    firstDequeueTime: Number(f.FirstDequeueTime),
    priority: Number(f.Priority),
    enqueueTime: Number(f.EnqueueTime),
    receiptHandle: f.ReceiptHandle ?? '',
    nextVisibleTime: Number(f.NextVisibleTime ?? 0),
  });
  const sdkSend = (item: SendItem) => ({
    ...(item.delay !== undefined ? { DelaySeconds: item.delay } : {}),
    ...(item.pri ? { Priority: item.pri } : {}),
  });
  /** An empty queue answers a receive or peek with MessageNotExist. */
  const orEmpty = async (p: Promise<Seen[]>): Promise<Seen[]> => {
    try {
      return await p;
    } catch (err) {
      if (errorCode(err) === 'MessageNotExist') return [];
      throw err;
    }
  };
  return {
    perReceiveVisibility: false,
    send: async (q, body, item) =>
      (await sdk.sendMessage(q, { MessageBody: body, ...sdkSend(item) })).body.ReceiptHandle ??
      null,
    sendBatch: async (q, items) =>
      (
        await sdk.batchSendMessage(
          q,
          items.map((it) => ({ MessageBody: it.body, ...sdkSend(it) })),
        )
      ).body.map((f) => f.ReceiptHandle ?? null),
    receive: (q, max) =>
      orEmpty(
        max === 1
          ? sdk.receiveMessage(q).then((r) => [seen(r.body)])
          : sdk.batchReceiveMessage(q, max).then((r) => r.body.map(seen)),
      ),
    peek: (q, max) =>
      orEmpty(
        max === 1
          ? sdk.peekMessage(q).then((r) => [seen(r.body)])
          : sdk.batchPeekMessage(q, max).then((r) => r.body.map(seen)),
      ),
    deleteMessage: async (q, h) => {
      await sdk.deleteMessage(q, h);
    },
    deleteBatch: async (q, hs) => {
      try {
        const r = await sdk.batchDeleteMessage(q, hs);
        return errorCodesIn(r.body).sort();
      } catch (err) {
        const codes = errorCodesIn((err as { data?: unknown }).data);
        if (!codes.length) throw err;
        return codes.sort();
      }
    },
    changeVisibility: async (q, h, s) => {
      const b = (await sdk.changeMessageVisibility(q, h, s)).body;
      return { receiptHandle: b.ReceiptHandle ?? '', nextVisibleTime: Number(b.NextVisibleTime) };
    },
    stats: async (q) => {
      const c = await queueCounts(sdk, q);
      return [c.active, c.inactive, c.delayed];
    },
  };
}
