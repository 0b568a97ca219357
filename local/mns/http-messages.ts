import { MESSAGE_LIMITS } from './attributes';
import { MnsError } from './errors';
import type { MnsRequest } from './http-context';
import { queryFlag, reply } from './http-io';
import {
  attributeField,
  intField,
  type MessageInput,
  parseMessage,
  parseReceiptHandles,
  parseSendBody,
} from './http-parse';
import type { PeekedMessage, ReceivedMessage } from './types';
import { elements, xmlDocument } from './xml';

/**
 * An empty long poll ends this long before `waitseconds`, inside the SDK's socket timeout
 * (see docs/mns.md).
 */
export const LONG_POLL_EARLY_MS = 250;

/** POST /queues/{name}/messages: SendMessage (`<Message>`) or BatchSendMessage (`<Messages>`). */
export function postMessages(r: MnsRequest, queue: string): void {
  const parsed = parseSendBody(r.body);
  if (!parsed.batch) {
    const sent = r.service.sendMessage(queue, parsed.message);
    const inner = elements([
      ['MessageId', sent.messageId],
      ['MessageBodyMD5', sent.bodyMD5],
      ['ReceiptHandle', sent.receiptHandle],
    ]);
    reply(r.res, r.requestId, 201, xmlDocument('Message', inner));
    return;
  }
  const { entries } = parsed;
  if (entries.length < 1 || entries.length > MESSAGE_LIMITS.batch) {
    throw new MnsError(
      'InvalidArgument',
      `The count of message in batch request should between 1 and ${MESSAGE_LIMITS.batch}.`,
    );
  }
  // A structurally broken entry fails the request; a bad value fails only its entry.
  const inputs = entries.map((e): MessageInput | MnsError => {
    try {
      return parseMessage(e);
    } catch (err) {
      if (err instanceof MnsError && err.code === 'InvalidArgument') return err;
      throw err;
    }
  });
  const total = inputs.reduce(
    (n, m) => n + (m instanceof MnsError ? 0 : Buffer.byteLength(m.body, 'utf8')),
    0,
  );
  if (!r.ctx.relaxLimits && total > 65_536) {
    throw new MnsError(
      'InvalidArgument',
      'The total size of messages in batch request should not exceed 65536 bytes.',
    );
  }
  // One transaction for the batch: one commit, and each entry still fails on its own.
  const results = r.service.sendMessages(queue, inputs);
  const failed = results.some((x) => x instanceof MnsError);
  const inner = results
    .map((x) =>
      x instanceof MnsError
        ? elements([
            ['ErrorCode', x.code],
            ['ErrorMessage', x.message],
          ])
        : elements([
            ['MessageId', x.messageId],
            ['MessageBodyMD5', x.bodyMD5],
          ]),
    )
    .map((fields) => `<Message>${fields}</Message>`)
    .join('');
  // Partial failure: the valid entries are sent; the status is 500 (docs/mns.md).
  reply(r.res, r.requestId, failed ? 500 : 201, xmlDocument('Messages', inner));
}

/** GET /queues/{name}/messages: (Batch)ReceiveMessage, or (Batch)PeekMessage with ?peekonly=true. */
export async function getMessages(r: MnsRequest, queue: string): Promise<void> {
  const rawN = r.query.get('numofmessages');
  const batch = rawN !== undefined;
  const n = intField(rawN, 'numOfMessages', 1, MESSAGE_LIMITS.batch) ?? 1;
  if (queryFlag(r.query, 'peekonly')) {
    const peeked = r.service.peekMessages(queue, n);
    if (peeked.length === 0) throw new MnsError('MessageNotExist');
    replyMessages(r, batch, peeked.map(peekFields));
    return;
  }
  const ws = intField(
    r.query.get('waitseconds'),
    'waitseconds',
    0,
    MESSAGE_LIMITS.waitSeconds,
    'seconds',
  );
  const waitSeconds = ws ?? r.service.getQueue(queue).attributes.PollingWaitSeconds;
  const waitMs = waitSeconds > 0 ? waitSeconds * 1000 - LONG_POLL_EARLY_MS : 0;
  // Try once without waiting: the common case needs no abort plumbing.
  const got = await r.service.receive(queue, { max: n, waitMs: 0 });
  if (got.length > 0) {
    replyMessages(r, batch, got.map(receiveFields));
    return;
  }
  if (waitMs === 0) throw new MnsError('MessageNotExist');
  // A client that hangs up mid-poll must not take messages it will never see:
  // its FIN (the socket's end) comes a loop turn before the response's
  // 'close', and a send in between skips it (alive).
  const socket = r.req.socket;
  const alive = () => !r.res.destroyed && !socket.destroyed && !socket.readableEnded;
  const abort = new AbortController();
  const onGone = () => {
    if (!r.res.writableEnded) abort.abort();
  };
  r.res.once('close', onGone);
  if (!alive()) abort.abort();
  try {
    // Answer from inside the wake-up, synchronously: the waiting receiver hears
    // of a message before the sender hears its send succeeded.
    const woken = await r.service.receive(queue, {
      max: n,
      waitMs,
      signal: abort.signal,
      alive,
      onMessages: (messages) => replyMessages(r, batch, messages.map(receiveFields)),
    });
    if (woken.length === 0) throw new MnsError('MessageNotExist');
  } finally {
    r.res.off('close', onGone);
  }
}

/** DELETE /queues/{name}/messages: DeleteMessage (?ReceiptHandle=) or BatchDeleteMessage (body). */
export function deleteMessages(r: MnsRequest, queue: string): void {
  const handle = r.query.get('receipthandle');
  if (handle !== undefined) {
    if (handle === '') throw new MnsError('MissingReceiptHandle');
    r.service.deleteMessage(queue, handle);
    reply(r.res, r.requestId, 204);
    return;
  }
  if (r.body.trim() === '') throw new MnsError('MissingReceiptHandle');
  const handles = parseReceiptHandles(r.body);
  if (handles.length < 1 || handles.length > MESSAGE_LIMITS.batch) {
    throw new MnsError(
      'InvalidArgument',
      `The count of receipt handle in batch request should between 1 and ${MESSAGE_LIMITS.batch}.`,
    );
  }
  const errors = r.ctx.store.transaction(() => {
    let out = '';
    for (const h of handles) {
      try {
        r.service.deleteMessage(queue, h);
      } catch (err) {
        if (!(err instanceof MnsError) || err.code === 'QueueNotExist') throw err;
        out += `<Error>${elements([
          ['ErrorCode', err.code],
          ['ErrorMessage', err.message],
          ['ReceiptHandle', h],
        ])}</Error>`;
      }
    }
    return out;
  });
  if (errors === '') reply(r.res, r.requestId, 204);
  else reply(r.res, r.requestId, 404, xmlDocument('Errors', errors));
}

/** PUT /queues/{name}/messages?receiptHandle=&visibilityTimeout=: ChangeMessageVisibility. */
export function changeVisibility(r: MnsRequest, queue: string): void {
  const handle = r.query.get('receipthandle');
  if (!handle) throw new MnsError('MissingReceiptHandle');
  const rawVt = r.query.get('visibilitytimeout');
  if (rawVt === undefined || rawVt === '') throw new MnsError('MissingVisibilityTimeout');
  const seconds = attributeField(rawVt, 'VisibilityTimeout')!;
  const out = r.service.changeVisibility(queue, handle, seconds);
  // The root must be ChangeVisibility: the Node SDK reads exactly that key (@alicloud/mns 1.2.0
  // lib/client.js).
  reply(
    r.res,
    r.requestId,
    200,
    xmlDocument(
      'ChangeVisibility',
      elements([
        ['ReceiptHandle', out.receiptHandle],
        ['NextVisibleTime', out.nextVisibleTime],
      ]),
    ),
  );
}

function replyMessages(r: MnsRequest, batch: boolean, fields: string[]): void {
  const body = batch
    ? xmlDocument('Messages', fields.map((f) => `<Message>${f}</Message>`).join(''))
    : xmlDocument('Message', fields[0]!);
  reply(r.res, r.requestId, 200, body);
}

function peekFields(m: PeekedMessage): string {
  return elements([
    ['MessageId', m.messageId],
    ['MessageBody', m.body],
    ['MessageBodyMD5', m.bodyMD5],
    ['EnqueueTime', m.enqueueTime],
    ['FirstDequeueTime', m.firstDequeueTime],
    ['DequeueCount', m.dequeueCount],
    ['Priority', m.priority],
  ]);
}

function receiveFields(m: ReceivedMessage): string {
  return elements([
    ['MessageId', m.messageId],
    ['ReceiptHandle', m.receiptHandle],
    ['MessageBody', m.body],
    ['MessageBodyMD5', m.bodyMD5],
    ['EnqueueTime', m.enqueueTime],
    ['NextVisibleTime', m.nextVisibleTime],
    ['FirstDequeueTime', m.firstDequeueTime],
    ['DequeueCount', m.dequeueCount],
    ['Priority', m.priority],
  ]);
}
