import { checkRange, MESSAGE_LIMITS } from './attributes';
import { MnsError, outOfRange } from './errors';
import { bodyMD5, newReceiptHandle } from './ids';
import type { QueueServiceBase } from './parts';
import type { createQueueStore, QueueRecord } from './queue-store';
import type { SentMessage } from './types';

type NewMessage = Parameters<ReturnType<typeof createQueueStore>['insertMessage']>[0];

/**
 * Sending: a message checked against its queue and made a row (arming
 * retention for it), stored delayed with a handle, or stored and handed to
 * the parked receivers in one commit; BatchSendMessage's one transaction.
 */
export function createSending(
  deps: QueueServiceBase & {
    /** The stack's relaxLimits: no message size limit. */
    relaxLimits: boolean;
    newMessageId(nowMs: number): string;
    requireQueue(name: string): QueueRecord;
    scheduleExpiry(at: number): void;
    insertForWaiters(row: NewMessage): boolean;
    claimAtCommit(queue: string, storeRows?: () => void): boolean;
  },
) {
  const { store, q, clock, waiters, relaxLimits, newMessageId, requireQueue } = deps;
  const { scheduleExpiry, insertForWaiters, claimAtCommit } = deps;

  /** Checks one message against its queue and builds its row; throws MnsError. */
  function prepareSend(
    queue: string,
    msg: { body: string; delaySeconds?: number; priority?: number },
  ): { row: NewMessage; delay: number } {
    const rec = requireQueue(queue);
    const delay = msg.delaySeconds ?? rec.attributes.DelaySeconds;
    checkRange('DelaySeconds', delay);
    const priority = msg.priority ?? MESSAGE_LIMITS.defaultPriority;
    const [minPriority, maxPriority] = MESSAGE_LIMITS.priority;
    if (!Number.isInteger(priority) || priority < minPriority || priority > maxPriority) {
      throw outOfRange('Priority', minPriority, maxPriority, '');
    }
    const size = Buffer.byteLength(msg.body, 'utf8');
    const maxSize = relaxLimits ? Number.MAX_SAFE_INTEGER : rec.attributes.MaximumMessageSize;
    if (size < 1 || size > maxSize) {
      throw new MnsError(
        'InvalidArgument',
        `The length of message should between 1 and ${rec.attributes.MaximumMessageSize} bytes.`,
      );
    }
    const now = clock.now();
    const expiresAt = now + rec.attributes.MessageRetentionPeriod * 1000;
    scheduleExpiry(expiresAt);
    return {
      delay,
      row: {
        queue,
        messageId: newMessageId(now),
        body: msg.body,
        bodyMD5: bodyMD5(msg.body),
        priority,
        enqueueTime: now,
        // 0: receivable at once (see MNS_MIGRATIONS 004).
        visibleAt: delay > 0 ? now + delay * 1000 : 0,
        expiresAt,
        receipt: null,
      },
    };
  }

  /** Stores a delayed message: it answers with a handle (as the cloud does), valid until the delay ends. */
  function storeDelayed(row: NewMessage): SentMessage {
    const seq = q.insertMessage(row);
    const receiptHandle = newReceiptHandle(seq);
    q.setVisibility(row.queue, seq, row.visibleAt, receiptHandle);
    waiters.visibleAt(row.queue, row.visibleAt);
    return { messageId: row.messageId, bodyMD5: row.bodyMD5, receiptHandle };
  }

  function sendMessage(
    queue: string,
    msg: { body: string; delaySeconds?: number; priority?: number },
  ): SentMessage {
    const { row, delay } = prepareSend(queue, msg);
    if (delay > 0) return storeDelayed(row);
    const sent = { messageId: row.messageId, bodyMD5: row.bodyMD5 };
    if (waiters.count(queue) > 0) {
      // Someone is parked: the message is stored and claimed for them in one
      // commit (the caller's, inside the engine's outbox) and handed over right
      // after it, before the sender hears back.
      const stored = store.db.inTransaction
        ? insertForWaiters(row)
        : store.transaction(() => insertForWaiters(row));
      if (stored) return sent;
    }
    q.insertMessage(row);
    waiters.notify(queue, store.db.inTransaction);
    return sent;
  }

  /**
   * BatchSendMessage: every message stored in one transaction, each failing on
   * its own (an MnsError in its place), and the parked receivers claimed for
   * once, after the last insert: a batch receive waiting gets up to its
   * numOfMessages of the batch, not the first message alone.
   */
  function sendMessages(
    queue: string,
    msgs: ReadonlyArray<{ body: string; delaySeconds?: number; priority?: number } | MnsError>,
  ): Array<SentMessage | MnsError> {
    return store.transaction(() => {
      let immediate = 0;
      const results = msgs.map((msg): SentMessage | MnsError => {
        try {
          if (msg instanceof MnsError) throw msg;
          const { row, delay } = prepareSend(queue, msg);
          if (delay > 0) return storeDelayed(row);
          q.insertMessage(row);
          immediate++;
          return { messageId: row.messageId, bodyMD5: row.bodyMD5 };
        } catch (err) {
          if (!(err instanceof MnsError) || err.code === 'QueueNotExist') throw err;
          return err;
        }
      });
      if (immediate > 0 && waiters.count(queue) > 0) claimAtCommit(queue);
      return results;
    });
  }

  return { sendMessage, sendMessages };
}
