import type { StackContext } from '../stack';
import type { QueueAttributes } from './attributes';
import type { MnsError } from './errors';
import { createHandOff } from './hand-off';
import { createHandles } from './handles';
import { createMessageIdFactory } from './ids';
import type { QueueServiceBase } from './parts';
import { createQueueLifecycle } from './queue-lifecycle';
import { createQueueStore } from './queue-store';
import { createReceiving } from './receiving';
import { createRetention } from './retention';
import { createMnsRoute } from './route';
import { MNS_MIGRATIONS } from './schema';
import { createSending } from './sending';
import type { QueueService, ReceivedMessage, SentMessage } from './types';
import { createWaiterRegistry } from './waiters';

/** Internal extras the HTTP route uses on top of the public API. */
export interface QueueServiceInternals {
  /**
   * BatchSendMessage: one transaction, each message failing on its own (its
   * MnsError in its place), parked receivers claimed for once after the inserts.
   */
  sendMessages(
    queue: string,
    msgs: ReadonlyArray<{ body: string; delaySeconds?: number; priority?: number } | MnsError>,
  ): Array<SentMessage | MnsError>;
  /** CreateQueue over HTTP: 201 created, 204 same attributes, 409 different. */
  createQueueStrict(name: string, attributes: Partial<QueueAttributes>): 'created' | 'exists';
  /** A receive whose wait is given in ms (HTTP ends long polls just before the client's timeout). */
  receive(
    queue: string,
    opts: {
      max: number;
      waitMs: number | undefined;
      visibilityTimeout?: number;
      signal?: AbortSignal;
      /** While parked, checked before messages are claimed for it: false skips it. */
      alive?: () => boolean;
      /**
       * Called synchronously with the messages whenever some are taken (found at
       * once or woken), before the promise settles: a long poll answers from here.
       */
      onMessages?: (messages: ReceivedMessage[]) => void;
      /** See ReceiveOptions.processBound. */
      processBound?: boolean;
    },
  ): Promise<ReceivedMessage[]>;
  listQueuesPage(opts: { marker: string; prefix: string; limit: number }): string[];
  /**
   * Moves a received message (by its current receipt handle) to another queue in
   * one transaction: the EventBridge trigger's dead-letter step. Same row move as
   * MaxReceiveCount dead-lettering (id and body kept); the DLQ's retention applies. Throws
   * QueueNotExist, or ReceiptHandleError / MessageNotExist for a stale handle;
   * either way nothing moves.
   */
  moveMessage(fromQueue: string, receiptHandle: string, toQueue: string): void;
}

/**
 * Builds the queue service over the stack's store and clock.
 *
 * This factory wires the parts together: queues and their attributes
 * (queue-lifecycle.ts), sending (sending.ts), the hand-off to parked receivers
 * around the commit (hand-off.ts), receiving and long polls (receiving.ts,
 * waiters.ts), what a receipt handle allows (handles.ts) and retention
 * (retention.ts), all over the prepared statements of queue-store.ts. Parts
 * that call each other in a cycle (a parked receiver is served by a claim, a
 * claim wakes the dead-letter queue's receivers) are joined by closures that
 * look the other part up when called, never while wiring. The service owns
 * `stopped`.
 */
export function createQueueService(ctx: StackContext): QueueService & QueueServiceInternals {
  const { store, clock } = ctx;
  store.migrate('mns', MNS_MIGRATIONS);
  const q = createQueueStore(store.db);
  const newMessageId = createMessageIdFactory();
  const log = ctx.logger.child('mns');
  // The process that held these claims is gone, and with it the function
  // instances its triggers pushed them to: a crash, a kill, or a clean stop
  // after a trigger halted (errorsTolerance NONE) or met a missing DLQ, which
  // keep theirs. Receivable again now, not at the end of their visibility
  // timeout; their DequeueCount says they were out.
  for (const { queue, count } of store.transaction(() => q.releaseProcessBound(clock.now()))) {
    log.info("handed back the messages the stack's triggers still held when it last stopped", {
      queue,
      messages: count,
    });
  }

  const waiters = createWaiterRegistry({
    clock,
    claim: (queue, max, how) => receiving.claim(queue, max, how),
    nextVisible: (queue) => q.nextVisible(queue, clock.now()),
  });

  let stopped = false;
  const isStopped = () => stopped;

  const retention = createRetention({ q, clock, log, isStopped });
  const { scheduleExpiry } = retention;
  const base: QueueServiceBase = { store, q, clock, waiters };
  const queues = createQueueLifecycle(base);
  const { requireQueue } = queues;
  const { wakeAfterCommit, insertForWaiters, claimAtCommit } = createHandOff(base);
  const receiving = createReceiving({
    ...base,
    requireQueue,
    ensureDeadLetterQueue: queues.ensureDeadLetterQueue,
    wakeAfterCommit,
    isStopped,
  });
  const sending = createSending({
    ...base,
    relaxLimits: ctx.relaxLimits,
    newMessageId,
    requireQueue,
    scheduleExpiry,
    insertForWaiters,
    claimAtCommit,
  });
  const handles = createHandles({
    ...base,
    requireQueue,
    scheduleExpiry,
    wakeAfterCommit,
  });

  const service: QueueService & QueueServiceInternals = {
    name: 'mns',
    routes: [],
    start() {
      retention.start();
    },
    stop() {
      stopped = true;
      waiters.close();
      retention.stop();
    },
    createQueue: queues.createQueue,
    createQueueStrict: queues.createQueueStrict,
    deleteQueue: queues.deleteQueue,
    getQueue: queues.getQueue,
    setQueueAttributes: queues.setQueueAttributes,
    sendMessage: sending.sendMessage,
    sendMessages: sending.sendMessages,
    receiveMessages: receiving.receiveMessages,
    receive: receiving.receive,
    deleteMessage: handles.deleteMessage,
    moveMessage: handles.moveMessage,
    changeVisibility: handles.changeVisibility,
    peekMessages: receiving.peekMessages,
    listQueues: queues.listQueues,
    listQueuesPage: queues.listQueuesPage,
    stats(queue) {
      const rec = requireQueue(queue);
      const counts = { ...q.stats(queue, clock.now()), waiting: waiters.count(queue) };
      const dlq = rec.attributes.DeadLetterQueue;
      return dlq ? { ...counts, deadLettered: rec.deadLettered, deadLetterQueue: dlq } : counts;
    },
  };
  (service as { routes: unknown }).routes = [createMnsRoute({ service, ctx })];
  return service;
}
