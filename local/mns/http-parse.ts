import { MESSAGE_LIMITS, type QueueAttributes, RANGES, type RangedAttribute } from './attributes';
import { MnsError, outOfRange } from './errors';
import { child, parseXml, text, type XmlNode } from './xml';

/** The local dead-letter extension's XML elements (no such elements exist in MNS 2015-06-06). */
export const DLQ_ELEMENT = 'x-queueflow-dead-letter-queue';
export const MAX_RECEIVE_ELEMENT = 'x-queueflow-max-receive-count';

/**
 * An integer field as the SDKs send it. The Node SDK writes `${value}` raw, so
 * an unset optional field can arrive as `undefined` or empty: treated as absent.
 */
export function intField(
  raw: string | undefined,
  field: string,
  low: number,
  high: number,
  unit = '',
): number | undefined {
  if (raw === undefined) return undefined;
  const t = raw.trim();
  if (t === '' || t === 'undefined' || t === 'null') return undefined;
  if (!/^-?\d+$/.test(t)) throw outOfRange(field, low, high, unit);
  const n = Number(t);
  if (n < low || n > high) throw outOfRange(field, low, high, unit);
  return n;
}

/** intField over the range the service checks `field` against (RANGES), named `label` in errors. */
export function attributeField(
  raw: string | undefined,
  field: RangedAttribute,
  label: string = field,
): number | undefined {
  const [low, high, unit] = RANGES[field];
  return intField(raw, label, low, high, unit);
}

/** The `<Queue>` body of CreateQueue / SetQueueAttributes. */
export function parseQueueAttributes(body: string): Partial<QueueAttributes> {
  if (body.trim() === '') return {};
  const queue = child(parseXml(body), 'Queue');
  if (!queue) throw new MnsError('MalformedXML', 'The root element must be Queue.');
  const attrs: Partial<QueueAttributes> = {};
  for (const name of [
    'DelaySeconds',
    'MaximumMessageSize',
    'MessageRetentionPeriod',
    'VisibilityTimeout',
    'PollingWaitSeconds',
  ] as const) {
    const v = attributeField(text(queue, name), name);
    if (v !== undefined) attrs[name] = v;
  }
  const logging = text(queue, 'LoggingEnabled')?.trim();
  if (logging && logging !== 'undefined') {
    // aliyun-mns-python-sdk sends True/False, aliyun-mns-go-sdk true/false.
    if (!/^(true|false)$/i.test(logging)) {
      throw new MnsError('InvalidArgument', 'The value of LoggingEnabled should be True or False.');
    }
    attrs.LoggingEnabled = logging.toLowerCase() === 'true';
  }
  const dlq = text(queue, DLQ_ELEMENT)?.trim();
  if (dlq !== undefined) attrs.DeadLetterQueue = dlq === '' ? null : dlq;
  const maxReceives = attributeField(
    text(queue, MAX_RECEIVE_ELEMENT),
    'MaxReceiveCount',
    MAX_RECEIVE_ELEMENT,
  );
  if (maxReceives !== undefined) attrs.MaxReceiveCount = maxReceives;
  return attrs;
}

/** One message to send, before the queue checks it. */
export interface MessageInput {
  body: string;
  delaySeconds?: number;
  priority?: number;
}

/** The `<Message>` or `<Messages>` body of SendMessage / BatchSendMessage. */
export function parseSendBody(
  body: string,
): { batch: false; message: MessageInput } | { batch: true; entries: unknown[] } {
  const doc = parseXml(body);
  const single = child(doc, 'Message');
  if (single) return { batch: false, message: parseMessage(single) };
  const many = child(doc, 'Messages');
  if (!many) throw new MnsError('MalformedXML', 'The root element must be Message or Messages.');
  // One entry may come back from the flat fast path as a plain string, not a list.
  const list = many.Message;
  return {
    batch: true,
    entries: Array.isArray(list) ? list : list === undefined ? [] : [list],
  };
}

/** One `<Message>` of a send. */
export function parseMessage(node: unknown): MessageInput {
  const m: XmlNode = node !== null && typeof node === 'object' ? (node as XmlNode) : {};
  const body = text(m, 'MessageBody');
  if (body === undefined) throw new MnsError('InvalidArgument', 'The MessageBody is required.');
  const out: MessageInput = { body };
  const delay = attributeField(text(m, 'DelaySeconds'), 'DelaySeconds');
  if (delay !== undefined) out.delaySeconds = delay;
  const priority = intField(text(m, 'Priority'), 'Priority', ...MESSAGE_LIMITS.priority);
  if (priority !== undefined) out.priority = priority;
  return out;
}

/** The `<ReceiptHandles>` body of BatchDeleteMessage. */
export function parseReceiptHandles(body: string): string[] {
  const doc = child(parseXml(body), 'ReceiptHandles');
  if (!doc) throw new MnsError('MalformedXML', 'The root element must be ReceiptHandles.');
  // One handle may come back from the flat fast path as a plain string, not a list.
  const list = doc.ReceiptHandle;
  const items = Array.isArray(list) ? list : list === undefined ? [] : [list];
  return items.map((h) => (typeof h === 'string' ? h.trim() : ''));
}
