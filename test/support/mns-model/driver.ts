// What a run needs from the service, whichever way it reaches it, and the error codes it sees.
import type { SendItem } from './ops';
import type { QueueName } from './queues';

/** A message as either API shows it, with numbers as numbers. */
export interface Seen {
  body: string;
  dequeueCount: number;
  firstDequeueTime: number;
  priority: number;
  enqueueTime: number;
  receiptHandle: string;
  nextVisibleTime: number;
}

export interface Driver {
  send(q: QueueName, body: string, item: SendItem): Promise<string | null>;
  sendBatch(q: QueueName, items: Array<SendItem & { body: string }>): Promise<Array<string | null>>;
  /** `bound`: ReceiveOptions.processBound (in process; the SDK has no such thing). */
  receive(q: QueueName, max: number, vt: number | undefined, bound?: boolean): Promise<Seen[]>;
  peek(q: QueueName, max: number): Promise<Seen[]>;
  deleteMessage(q: QueueName, handle: string): Promise<void>;
  /** The error codes of the handles that failed, sorted. */
  deleteBatch(q: QueueName, handles: string[]): Promise<string[]>;
  changeVisibility(
    q: QueueName,
    handle: string,
    s: number,
  ): Promise<{ receiptHandle: string; nextVisibleTime: number }>;
  /** active, inflight, delayed and (in process only) waiting. */
  stats(q: QueueName): Promise<number[]>;
  /** Whether `vt` of a receive reaches the service (the SDK has no per-receive VisibilityTimeout). */
  readonly perReceiveVisibility: boolean;
}

/** The error code behind an in-process MnsError or an @alicloud/mns error (`MNS<Code>Error`). */
export function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const { code, name } = err as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name.replace(/^MNS(.*)Error$/, '$1');
  }
  return String(err);
}
