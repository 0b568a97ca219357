// Decodes what the EventBridge MNS queue source delivers to FC (shapes from
// aliyun/fc-runtime-go-sdk events/README_MNS_Queue.md and the batch push page
// https://help.aliyun.com/document_detail/2513567.html): one CloudEvent object
// (event mode), an array of them (event-streaming / batch push), or an array of
// bare `data` objects (RawData).

/** One queue message taken out of the event. */
export interface QueueEventMessage {
  messageId?: string;
  /** The message body: decoded text (IsBase64Decode=true) or base64 text; both are accepted downstream. */
  body: string | Record<string, unknown>;
}

/** An element the decoder could not make sense of (kept so it is counted and logged). */
export interface UndecodableElement {
  index: number;
  reason: string;
}

/** The event is not JSON, or not an object/array at all: a trigger misconfiguration. */
export class EventDecodeError extends Error {
  readonly code = 'InvalidEvent';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'EventDecodeError';
  }
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function fromData(data: Obj): QueueEventMessage | undefined {
  const body = data.messageBody;
  if (typeof body !== 'string' && !isObj(body)) return undefined;
  return typeof data.messageId === 'string' ? { messageId: data.messageId, body } : { body };
}

/** Parses the FC event (a Buffer of JSON) into queue messages, in order. */
export function decodeMnsQueueEvent(event: unknown): {
  messages: QueueEventMessage[];
  undecodable: UndecodableElement[];
} {
  let value: unknown = event;
  if (Buffer.isBuffer(event) || typeof event === 'string') {
    const text = Buffer.isBuffer(event) ? event.toString('utf8') : event;
    try {
      value = JSON.parse(text);
    } catch {
      throw new EventDecodeError(
        `the event is not JSON; expected an EventBridge MNS CloudEvent (or an array of them), got "${text.slice(0, 80)}"`,
      );
    }
  }
  const list = Array.isArray(value) ? value : isObj(value) ? [value] : undefined;
  if (!list) {
    throw new EventDecodeError('the event must be a CloudEvent object or an array of them');
  }
  const messages: QueueEventMessage[] = [];
  const undecodable: UndecodableElement[] = [];
  list.forEach((el, index) => {
    if (!isObj(el)) {
      undecodable.push({ index, reason: 'not an object' });
      return;
    }
    // CloudEvents envelope first; a RawData element is the `data` object itself.
    const msg = isObj(el.data) ? fromData(el.data) : fromData(el);
    if (!msg) undecodable.push({ index, reason: 'no data.messageBody' });
    // A message twice in one batch (at-least-once delivery) is one task: run it once.
    else if (!msg.messageId || !messages.some((m) => m.messageId === msg.messageId)) {
      messages.push(msg);
    }
  });
  return { messages, undecodable };
}
