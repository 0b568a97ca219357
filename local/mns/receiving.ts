import { checkRange, MESSAGE_LIMITS, type QueueAttributes } from './attributes';
import { outOfRange } from './errors';
import { newReceiptHandle } from './ids';
import type { QueueServiceBase } from './parts';
import { type MessageRow, type QueueRecord, toPeeked, toReceived } from './queue-store';
import type { QueueServiceInternals } from './service';
import type { ClaimOptions, QueueService, ReceivedMessage } from './types';

/**
 * Receiving: the claim (look, then one transaction marking rows received and
 * moving those out of receives to the dead-letter queue), receives that park
 * as long polls when it finds nothing, and peeks (the same walk, claiming
 * nothing). The waiter registry claims for parked receivers through `claim`.
 */
export function createReceiving(
  deps: QueueServiceBase & {
    requireQueue(name: string): QueueRecord;
    ensureDeadLetterQueue(attrs: QueueAttributes): void;
    wakeAfterCommit(queue: string): void;
    /** True once the service stopped: a receive that finds nothing does not park. */
    isStopped: () => boolean;
  },
) {
  const { store, q, clock, waiters, requireQueue, ensureDeadLetterQueue, wakeAfterCommit } = deps;
  const { isStopped } = deps;

  // Through the store's transaction, as every other write: a savepoint inside a
  // caller's transaction, and the store's WAL check after it commits.
  const claimFound = (...args: Parameters<typeof claimRows>) =>
    store.transaction(() => claimRows(...args));

  // Look before locking: a receive that finds nothing (every long poll parks
  // after one, and a send wakes a waiter only after a second finds nothing
  // left) then costs one SELECT, not BEGIN IMMEDIATE + SELECT + COMMIT. Safe
  // because this process is the store's only writer and JS runs one statement
  // at a time: the rows read are still there when the transaction begins.
  function claim(queue: string, max: number, how: ClaimOptions): ReceivedMessage[] {
    requireQueue(queue);
    const now = clock.now();
    q.promoteDue(queue, now);
    const first = q.ready(queue, now, max);
    if (first.length === 0) return [];
    const { received, deadLettered } = claimFound(queue, max, how, first, now);
    if (deadLettered !== undefined) wakeAfterCommit(deadLettered);
    return received;
  }

  function claimRows(
    queue: string,
    max: number,
    how: ClaimOptions,
    first: MessageRow[],
    now: number,
  ): { received: ReceivedMessage[]; deadLettered?: string } {
    const rec = requireQueue(queue);
    const visibility = (how.visibilityTimeout ?? rec.attributes.VisibilityTimeout) * 1000;
    const { DeadLetterQueue: dlq, MaxReceiveCount: maxReceives } = rec.attributes;
    let dlqReady = false;
    const out: ReceivedMessage[] = [];
    let moved = 0;
    let rows = first;
    for (;;) {
      let movedNow = 0;
      for (const row of rows) {
        if (dlq !== null && maxReceives !== null && row.dequeue_count >= maxReceives) {
          // Deleted since it was named: made again, as setting the attribute does.
          if (!dlqReady) ensureDeadLetterQueue(rec.attributes);
          dlqReady = true;
          q.moveTo(row.seq, dlq);
          movedNow++;
          continue;
        }
        const receipt = newReceiptHandle(row.seq, how.processBound);
        q.markReceived(queue, row.seq, now + visibility, receipt, now);
        out.push(toReceived(row, receipt, now + visibility, now));
      }
      moved += movedNow;
      // Only a dead-letter move can leave room for more; otherwise one query is enough.
      if (movedNow === 0 || out.length >= max) break;
      rows = q.ready(queue, now, max - out.length);
    }
    if (out.length > 0) waiters.visibleAt(queue, now + visibility);
    if (moved === 0) return { received: out };
    q.countDeadLettered(queue, moved);
    return { received: out, deadLettered: dlq! };
  }

  async function receive(
    queue: string,
    opts: Parameters<QueueServiceInternals['receive']>[1],
  ): Promise<ReceivedMessage[]> {
    if (!Number.isInteger(opts.max) || opts.max < 1 || opts.max > MESSAGE_LIMITS.batch) {
      throw outOfRange('numOfMessages', 1, MESSAGE_LIMITS.batch, '');
    }
    if (opts.visibilityTimeout !== undefined)
      checkRange('VisibilityTimeout', opts.visibilityTimeout);
    // A receive given up before it starts takes nothing (a stopped worker's last turn).
    if (opts.signal?.aborted) return [];
    const how: ClaimOptions = {
      visibilityTimeout: opts.visibilityTimeout,
      processBound: opts.processBound === true,
    };
    const got = claim(queue, opts.max, how);
    if (got.length > 0) {
      // Found at once: onMessages hears of them as it would from a wake-up.
      opts.onMessages?.(got);
      return got;
    }
    if (isStopped()) return got;
    const waitMs = opts.waitMs ?? requireQueue(queue).attributes.PollingWaitSeconds * 1000;
    if (waitMs <= 0) return got;
    return waiters.wait(queue, {
      max: opts.max,
      how,
      waitMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.alive ? { alive: opts.alive } : {}),
      ...(opts.onMessages ? { onMessages: opts.onMessages } : {}),
    });
  }

  const operations: Pick<QueueService, 'receiveMessages' | 'peekMessages'> = {
    receiveMessages(queue, opts) {
      if (!Number.isFinite(opts.waitSeconds) || opts.waitSeconds < 0) {
        return Promise.reject(outOfRange('waitSeconds', 0, 30, 'seconds'));
      }
      // In process a longer wait is clamped to the cloud's 30 s rather than refused:
      // internal pollers (trigger batch windows) compute it. HTTP refuses it.
      return receive(queue, {
        max: opts.max,
        waitMs: Math.min(opts.waitSeconds, MESSAGE_LIMITS.waitSeconds) * 1000,
        ...(opts.visibilityTimeout !== undefined
          ? { visibilityTimeout: opts.visibilityTimeout }
          : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onMessages ? { onMessages: opts.onMessages } : {}),
        ...(opts.processBound ? { processBound: true } : {}),
      });
    },
    peekMessages(queue, max) {
      if (!Number.isInteger(max) || max < 1 || max > MESSAGE_LIMITS.batch) {
        throw outOfRange('numOfMessages', 1, MESSAGE_LIMITS.batch, '');
      }
      requireQueue(queue);
      const now = clock.now();
      q.promoteDue(queue, now);
      return q.ready(queue, now, max).map(toPeeked);
    },
  };

  return { claim, receive, ...operations };
}
