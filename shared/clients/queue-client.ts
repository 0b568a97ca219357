import MnsClient from '@alicloud/mns';

type MnsMessage = MnsClient.MnsMessage;

import type { Credentials } from './config';
import { type CredentialSource, clientForCredentials } from './credential-source';
import { selfDescribed } from './self-described';

/** Any failure of an MNS call. `code` is the MNS error code (from the SDK's err.name). */
export class QueueError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(options: { code: string; message: string; retryable: boolean; cause?: unknown }) {
    super(options.message, { cause: options.cause });
    this.name = 'QueueError';
    this.code = options.code;
    this.retryable = options.retryable;
  }
}

const RETRYABLE = new Set([
  'InternalError',
  'InternalServerError',
  'QpsLimitExceeded',
  'NetworkError',
  // Not MNS codes: an error answer without MNS's XML (see answered()).
  'ServiceUnavailable',
  'InvalidResponse',
]);

/** True for the MNS error codes worth trying again (throttling, service and network faults). */
export function isRetryableQueueCode(code: string): boolean {
  return RETRYABLE.has(code);
}

/**
 * @alicloud/mns throws a plain Error named `MNS<Code>Error` and sets no code
 * (see @alicloud/mns 1.2.0 lib/client.js), so the code is recovered from the name.
 */
export function toQueueError(err: unknown, action: string): QueueError {
  if (err instanceof QueueError) return err;
  // An error that says its own code and whether to retry (CredentialsUnavailable
  // from a credential source, say) is taken at its word.
  const own = selfDescribed(err);
  if (own) return new QueueError({ ...own, message: `${action}: ${own.message}`, cause: err });
  const e = (err ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const m = /^MNS(\w+?)Error$/.exec(name);
  let code = m?.[1] ?? 'Unknown';
  if (!m && (name.startsWith('RequestTimeout') || typeof e.code === 'string'))
    code = 'NetworkError';
  // The SDK reads the XML it expected from an answer that had none (an HTTP
  // error page from a proxy or gateway): a bad answer, worth another try.
  if (!m && err instanceof TypeError) code = 'InvalidResponse';
  return new QueueError({
    code,
    message: `${action}: ${code}: ${message}`,
    retryable: RETRYABLE.has(code),
    cause: err,
  });
}

/**
 * `res`, unless it is an error status with no XML in it: the SDK throws only
 * for MNS's `<Error>` XML, and passes any other error answer (a text or HTML
 * page from a proxy or gateway) through as a success. An error status with
 * XML is MNS's partial-failure answer of a batch (`<Errors>`, `<Messages>`).
 */
function answered<T extends { code: number; body: unknown }>(res: T, action: string): T {
  if (res.code < 300 || res.body !== undefined) return res;
  const retryable = res.code >= 500 || res.code === 429;
  throw new QueueError({
    code: retryable ? 'ServiceUnavailable' : 'UnexpectedResponse',
    message: `${action}: HTTP ${res.code} with no MNS error in the answer`,
    retryable,
  });
}

const XML_TEXT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

/**
 * @alicloud/mns puts a body into its request XML as is (toXMLBuffer in its 1.2.0
 * lib/helper.js), so a
 * body with `&` or `<` (a URL query, HTML, any JSON holding them) would be
 * malformed XML, and a raw CR would come back as LF. Escaped, the service reads
 * back exactly the body given; its MD5 and size limits apply to that body.
 */
function xmlText(body: string): string {
  return body.replace(/[&<>\r]/g, (c) => XML_TEXT[c] ?? c);
}

/** A received message with numbers as numbers. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  dequeueCount: number;
  enqueueTime?: number;
  firstDequeueTime?: number;
  nextVisibleTime?: number;
  priority?: number;
}

/** A receipt handle BatchDeleteMessage refused (say ReceiptHandleError: it went stale). */
export interface RefusedDelete {
  receiptHandle: string;
  code: string;
  message: string;
}

/** One entry of a BatchSendMessage answer: sent, or refused with the queue's code. */
export type BatchSendResult = { messageId: string } | { code: string; message: string };

/** The typed MNS queue client. Every method throws QueueError. */
export interface QueueClient {
  createQueue(queue: string, attributes?: Record<string, number>): Promise<void>;
  send(
    queue: string,
    message: { body: string; delaySeconds?: number; priority?: number },
  ): Promise<{ messageId: string }>;
  /**
   * Sends 1–16 messages (bodies at most 64 KB together) in one BatchSendMessage
   * call. Resolves with one result per message, in order: its id, or the code
   * and message the queue refused it with (a partial failure); throws
   * QueueError only when the call itself failed.
   */
  sendBatch(
    queue: string,
    messages: Array<{ body: string; delaySeconds?: number; priority?: number }>,
  ): Promise<BatchSendResult[]>;
  /** Up to `max` (1–16) messages; an empty array when none arrive within `waitSeconds`. */
  receive(queue: string, options: { max: number; waitSeconds: number }): Promise<ReceivedMessage[]>;
  delete(queue: string, receiptHandle: string): Promise<void>;
  /**
   * Deletes 1–16 messages in one BatchDeleteMessage call. Resolves with the
   * handles the queue refused and why (empty when all were deleted); throws
   * QueueError only when the call itself failed.
   */
  deleteBatch(queue: string, receiptHandles: string[]): Promise<RefusedDelete[]>;
  /** Returns the new receipt handle (the old one stops working). */
  changeVisibility(
    queue: string,
    receiptHandle: string,
    seconds: number,
  ): Promise<{ receiptHandle: string; nextVisibleTime?: number }>;
}

/** How to build a queue client. */
export interface QueueClientOptions {
  accountId: string;
  /** Fixed credentials, or a source asked before each call (an ECS RAM role's STS token). */
  credentials: Credentials | CredentialSource;
  /** Full endpoint (local stack, or `http://{account}.mns.{region}.aliyuncs.com`). */
  endpoint: string;
}

function n(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  return Number.isFinite(x) ? x : undefined;
}

/** xml2js leaves nested text as a one-element array. */
function field(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

function toReceived(m: MnsMessage): ReceivedMessage {
  const r: ReceivedMessage = {
    messageId: m.MessageId,
    receiptHandle: m.ReceiptHandle,
    body: m.MessageBody ?? '',
    dequeueCount: n(m.DequeueCount) ?? 1,
  };
  const enqueue = n(m.EnqueueTime);
  if (enqueue !== undefined) r.enqueueTime = enqueue;
  const first = n(m.FirstDequeueTime);
  if (first !== undefined) r.firstDequeueTime = first;
  const next = n(m.NextVisibleTime);
  if (next !== undefined) r.nextVisibleTime = next;
  const priority = n(m.Priority);
  if (priority !== undefined) r.priority = priority;
  return r;
}

/**
 * A typed MNS queue client over @alicloud/mns.
 * @example const queue = createQueueClient({ accountId, credentials, endpoint });
 *          const messages = await queue.receive('queueflow-tasks', { max: 16, waitSeconds: 10 });
 */
export function createQueueClient(options: QueueClientOptions): QueueClient {
  const build = (c: Credentials) =>
    new MnsClient(options.accountId, {
      accessKeyId: c.accessKeyId,
      accessKeySecret: c.accessKeySecret,
      ...(c.securityToken ? { securityToken: c.securityToken } : {}),
      endpoint: options.endpoint,
      // The SDK's 30 s connect timeout is a socket idle timeout that kills a full
      // 30 s long poll (seen locally with @alicloud/mns 1.2.0 and httpx); give long polls room.
      connectTimeout: 35_000,
      readTimeout: 40_000,
    });
  const sdk = clientForCredentials(options.credentials, build);

  return {
    async createQueue(queue, attributes = {}) {
      try {
        answered(await (await sdk()).createQueue(queue, attributes), 'CreateQueue');
      } catch (err) {
        throw toQueueError(err, 'CreateQueue');
      }
    },
    async send(queue, { body, delaySeconds, priority }) {
      try {
        const res = answered(
          await (await sdk()).sendMessage(queue, {
            MessageBody: xmlText(body),
            ...(delaySeconds !== undefined ? { DelaySeconds: delaySeconds } : {}),
            ...(priority !== undefined ? { Priority: priority } : {}),
          }),
          'SendMessage',
        );
        return { messageId: res.body.MessageId };
      } catch (err) {
        throw toQueueError(err, 'SendMessage');
      }
    },
    async sendBatch(queue, messages) {
      if (messages.length < 1 || messages.length > 16) {
        throw new QueueError({
          code: 'InvalidArgument',
          message: `BatchSendMessage: takes 1 to 16 messages, got ${messages.length}`,
          retryable: false,
        });
      }
      let res: Awaited<ReturnType<MnsClient['batchSendMessage']>>;
      try {
        res = await (await sdk()).batchSendMessage(
          queue,
          messages.map(({ body, delaySeconds, priority }) => ({
            MessageBody: xmlText(body),
            ...(delaySeconds !== undefined ? { DelaySeconds: delaySeconds } : {}),
            ...(priority !== undefined ? { Priority: priority } : {}),
          })),
        );
      } catch (err) {
        throw toQueueError(err, 'BatchSendMessage');
      }
      const entries = Array.isArray(res.body) ? res.body : res.body ? [res.body] : [];
      if (entries.length !== messages.length) {
        throw new QueueError({
          code: 'Unknown',
          message: `BatchSendMessage: ${entries.length} results for ${messages.length} messages (status ${res.code})`,
          retryable: false,
        });
      }
      return entries.map((e): BatchSendResult => {
        const id = field(e.MessageId);
        return id
          ? { messageId: id }
          : { code: field(e.ErrorCode) || 'Unknown', message: field(e.ErrorMessage) };
      });
    },
    async receive(queue, { max, waitSeconds }) {
      const count = Math.max(1, Math.min(16, Math.floor(max)));
      const wait = Math.max(0, Math.min(30, Math.floor(waitSeconds)));
      try {
        // The SDK leaves waitseconds out when it is falsy, and the queue's
        // PollingWaitSeconds then applies: "no wait" has to go as the text '0'.
        const res = await (await sdk()).batchReceiveMessage(queue, count, wait === 0 ? '0' : wait);
        const list = Array.isArray(res.body) ? res.body : res.body ? [res.body] : [];
        return list.map(toReceived);
      } catch (err) {
        const qe = toQueueError(err, 'BatchReceiveMessage');
        if (qe.code === 'MessageNotExist') return [];
        throw qe;
      }
    },
    async delete(queue, receiptHandle) {
      try {
        answered(await (await sdk()).deleteMessage(queue, receiptHandle), 'DeleteMessage');
      } catch (err) {
        throw toQueueError(err, 'DeleteMessage');
      }
    },
    async deleteBatch(queue, receiptHandles) {
      if (receiptHandles.length < 1 || receiptHandles.length > 16) {
        throw new QueueError({
          code: 'InvalidArgument',
          message: `BatchDeleteMessage: takes 1 to 16 receipt handles, got ${receiptHandles.length}`,
          retryable: false,
        });
      }
      let res: Awaited<ReturnType<MnsClient['batchDeleteMessage']>>;
      try {
        res = answered(
          await (await sdk()).batchDeleteMessage(queue, receiptHandles),
          'BatchDeleteMessage',
        );
      } catch (err) {
        throw toQueueError(err, 'BatchDeleteMessage');
      }
      // 204 leaves no body; a partial failure answers <Errors> with one <Error> per handle.
      const entries = Array.isArray(res.body) ? res.body : [];
      return entries.map((e) => ({
        receiptHandle: field(e.ReceiptHandle),
        code: field(e.ErrorCode) || 'Unknown',
        message: field(e.ErrorMessage),
      }));
    },
    async changeVisibility(queue, receiptHandle, seconds) {
      try {
        const res = answered(
          await (await sdk()).changeMessageVisibility(queue, receiptHandle, seconds),
          'ChangeMessageVisibility',
        );
        const next = n(res.body.NextVisibleTime);
        return next === undefined
          ? { receiptHandle: res.body.ReceiptHandle }
          : { receiptHandle: res.body.ReceiptHandle, nextVisibleTime: next };
      } catch (err) {
        throw toQueueError(err, 'ChangeMessageVisibility');
      }
    },
  };
}
