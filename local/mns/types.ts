import type { StackComponent } from '../stack';
import type { QueueAttributes } from './attributes';

/** A message as PeekMessage shows it (no handle: peeking changes nothing). */
export interface PeekedMessage {
  messageId: string;
  body: string;
  /** Upper-case hex MD5 of `body`. */
  bodyMD5: string;
  /** Epoch ms. */
  enqueueTime: number;
  /** Epoch ms of the first receive; 0 before it. */
  firstDequeueTime: number;
  dequeueCount: number;
  priority: number;
}

/** A received message: invisible to others until `nextVisibleTime`. */
export interface ReceivedMessage extends PeekedMessage {
  /** Valid until `nextVisibleTime` or the next receive, whichever comes first. */
  receiptHandle: string;
  /** Epoch ms. */
  nextVisibleTime: number;
}

/** What a send returns. Delayed messages also get a handle (as the cloud does). */
export interface SentMessage {
  messageId: string;
  bodyMD5: string;
  receiptHandle?: string;
}

/** A queue with its attributes and bookkeeping times (epoch seconds, as the cloud shows them). */
export interface QueueInfo {
  name: string;
  attributes: QueueAttributes;
  createTime: number;
  lastModifyTime: number;
}

/** Message counts for one queue. */
export interface QueueStats {
  active: number;
  inflight: number;
  delayed: number;
  /** Long polls parked on this queue right now. */
  waiting: number;
  /** Messages this queue moved to its dead-letter queue (local extension). */
  deadLettered?: number;
  deadLetterQueue?: string;
}

/** Options of an in-process receive. */
export interface ReceiveOptions {
  /** 1-16. */
  max: number;
  /** Long-poll for up to this long when the queue is empty (seconds; above 30 counts as 30). */
  waitSeconds: number;
  /** Override the queue's VisibilityTimeout for these messages (1-43200 s). */
  visibilityTimeout?: number;
  /** Aborting ends the wait early with no messages. */
  signal?: AbortSignal;
  /**
   * Called synchronously with the messages before the promise settles. After a
   * wait, that is inside the sender's commit, before the sender is answered:
   * an in-process consumer can start its hand-off there. It must not throw.
   */
  onMessages?: (messages: ReceivedMessage[]) => void;
  /**
   * The claim lives only as long as this process: a consumer inside the stack
   * (a function trigger, whose pushes die with it). A start of the service that
   * finds such messages still in flight (the process ended without handing them
   * back) makes them receivable again at once, not after their visibility timeout.
   */
  processBound?: boolean;
}

/** How a claim is made: the visibility window, and whether it dies with the process. */
export interface ClaimOptions {
  visibilityTimeout: number | undefined;
  processBound: boolean;
}

/**
 * The local MNS queue service: the REST API on the stack's port and this typed
 * in-process API, over the same store. Every method throws `MnsError`.
 */
export interface QueueService extends StackComponent {
  /** Creates the queue; if it exists, applies the attributes given (an "ensure"). */
  createQueue(name: string, attributes?: Partial<QueueAttributes>): void;
  deleteQueue(name: string): void;
  getQueue(name: string): QueueInfo;
  setQueueAttributes(name: string, attributes: Partial<QueueAttributes>): void;
  /**
   * Writes one message row. Synchronous and safe inside another component's
   * `store.transaction()` (an outbox): waiters are woken only after the
   * current transaction, and they re-query, so a rolled-back send wakes nobody harmfully.
   */
  sendMessage(
    queue: string,
    msg: { body: string; delaySeconds?: number; priority?: number },
  ): SentMessage;
  receiveMessages(queue: string, opts: ReceiveOptions): Promise<ReceivedMessage[]>;
  deleteMessage(queue: string, receiptHandle: string): void;
  changeVisibility(
    queue: string,
    receiptHandle: string,
    seconds: number,
  ): { receiptHandle: string; nextVisibleTime: number };
  peekMessages(queue: string, max: number): PeekedMessage[];
  listQueues(): string[];
  stats(queue: string): QueueStats;
}
