import { randomUUID } from 'node:crypto';

/** The message fields the EventBridge MNS source puts into an event. */
export interface QueueMessageLike {
  messageId: string;
  body: string;
  /** Enqueue time (ms since the epoch), when the queue reports it. */
  enqueueTime?: number;
}

/** The CloudEvents 1.0 envelope EventBridge delivers for an MNS queue message. */
export interface MnsCloudEvent {
  id: string;
  source: string;
  specversion: '1.0';
  type: 'mns:Queue:SendMessage';
  datacontenttype: string;
  subject: string;
  time: string;
  aliyunaccountid: string;
  aliyunpublishtime: string;
  aliyunoriginalaccountid: string;
  aliyuneventbusname: string;
  aliyunregionid: string;
  aliyunpublishaddr: string;
  data: { requestId: string; messageId: string; messageBody: string };
}

/**
 * Builds the envelope for one message (event source `MNS-<function>-<trigger>`).
 * With IsBase64Decode the body is base64-decoded first; a body that is not valid
 * base64 (the flow engine sends raw JSON) is passed through unchanged rather than
 * turned into garbage, which is what a worker would want.
 */
export function buildMnsCloudEvent(options: {
  message: QueueMessageLike;
  queueName: string;
  functionName: string;
  triggerName: string;
  isBase64Decode: boolean;
  accountId: string;
  region: string;
  requestId: string;
  nowMs: number;
}): MnsCloudEvent {
  const { message, accountId, region } = options;
  const bus = `MNS-${options.functionName}-${options.triggerName}`;
  const published = new Date(message.enqueueTime ?? options.nowMs).toISOString();
  return {
    id: randomUUID(),
    source: bus,
    specversion: '1.0',
    type: 'mns:Queue:SendMessage',
    datacontenttype: 'application/json; charset=utf-8',
    subject: `acs:mns:${region}:${accountId}:queues/${options.queueName}`,
    time: published,
    aliyunaccountid: accountId,
    aliyunpublishtime: new Date(options.nowMs).toISOString(),
    aliyunoriginalaccountid: accountId,
    aliyuneventbusname: bus,
    aliyunregionid: region,
    aliyunpublishaddr: '127.0.0.1',
    data: {
      requestId: options.requestId,
      messageId: message.messageId,
      messageBody: options.isBase64Decode ? decodeBase64Body(message.body) : message.body,
    },
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes strict base64 text to UTF-8; anything else is returned as is. */
export function decodeBase64Body(body: string): string {
  const trimmed = body.trim();
  if (trimmed.length === 0 || !BASE64.test(trimmed)) return body;
  const bytes = Buffer.from(trimmed, 'base64');
  const text = bytes.toString('utf8');
  // Not UTF-8 text (binary payload): keep the original rather than mangle it.
  if (Buffer.from(text, 'utf8').equals(bytes)) return text;
  return body;
}
