import { checkRange } from './attributes';
import { MnsError, ownDeadLetterQueue } from './errors';
import { newReceiptHandle, parseReceiptHandle } from './ids';
import type { QueueServiceBase } from './parts';
import type { QueueRecord } from './queue-store';
import type { QueueServiceInternals } from './service';
import type { QueueService } from './types';

/**
 * What a receipt handle allows: delete the message, change its visibility
 * (a new handle), or move it to another queue (the trigger's dead-letter step).
 * Owns the rule for which handle is stale (ReceiptHandleError) and which
 * message is gone (MessageNotExist).
 */
export function createHandles(
  deps: QueueServiceBase & {
    requireQueue(name: string): QueueRecord;
    scheduleExpiry(at: number): void;
    wakeAfterCommit(queue: string): void;
  },
) {
  const { store, q, clock, waiters, requireQueue, scheduleExpiry, wakeAfterCommit } = deps;

  // The common case is one statement (its own transaction); only a refused
  // delete reads the row to say why.
  function deleteMessage(queue: string, handle: string): void {
    requireQueue(queue);
    const seq = parseReceiptHandle(handle);
    if (seq === undefined) throw new MnsError('ReceiptHandleError');
    if (q.deleteByHandle(seq, queue, handle, clock.now())) return;
    findHandle(queue, handle);
    throw new MnsError('ReceiptHandleError');
  }

  function findHandle(queue: string, handle: string) {
    requireQueue(queue);
    const seq = parseReceiptHandle(handle);
    if (seq === undefined) throw new MnsError('ReceiptHandleError');
    const row = q.bySeq(seq);
    // Gone (deleted, expired): the message no longer exists.
    if (!row || row.expires_at <= clock.now()) throw new MnsError('MessageNotExist');
    if (row.queue !== queue) {
      // Another queue's live handle is not one this queue issued; this queue's
      // handle of a message it dead-lettered (its receipt cleared) is gone.
      throw new MnsError(row.receipt === handle ? 'ReceiptHandleError' : 'MessageNotExist');
    }
    // Superseded by a newer receive, or its visibility window is over: stale.
    if (row.receipt !== handle || row.visible_at <= clock.now()) {
      throw new MnsError('ReceiptHandleError');
    }
    return row;
  }

  const operations: Pick<QueueServiceInternals, 'moveMessage'> &
    Pick<QueueService, 'changeVisibility'> = {
    moveMessage(fromQueue, receiptHandle, toQueue) {
      if (fromQueue === toQueue) throw ownDeadLetterQueue();
      store.transaction(() => {
        const dlq = requireQueue(toQueue);
        const row = findHandle(fromQueue, receiptHandle);
        const now = clock.now();
        q.moveTo(row.seq, toQueue);
        // EventBridge sends a new message to the DLQ, which keeps it for the
        // DLQ's own retention period, not what was left of the source's.
        const expiresAt = now + dlq.attributes.MessageRetentionPeriod * 1000;
        q.setExpiry(row.seq, expiresAt);
        scheduleExpiry(expiresAt);
      });
      wakeAfterCommit(toQueue);
    },
    changeVisibility(queue, receiptHandle, seconds) {
      checkRange('VisibilityTimeout', seconds);
      const result = store.transaction(() => {
        const row = findHandle(queue, receiptHandle);
        const next = clock.now() + seconds * 1000;
        const handle = newReceiptHandle(row.seq);
        q.setVisibility(queue, row.seq, next, handle);
        return { receiptHandle: handle, nextVisibleTime: next };
      });
      waiters.visibleAt(queue, result.nextVisibleTime);
      return result;
    },
  };

  return { deleteMessage, ...operations };
}
