import type { QueueClient } from '../clients/queue-client';

/** What a redrive did. */
export interface RedriveResult {
  /** Sent to the target queue and deleted from the source. */
  moved: number;
  /** Sent, but the source refused the delete (the message may come back and be moved again). */
  notDeleted: number;
}

/** A redrive's options. */
export interface RedriveOptions {
  queue: Pick<QueueClient, 'receive' | 'send' | 'deleteBatch'>;
  /** The dead-letter queue to empty. */
  from: string;
  /** Where the messages go back to (the queue the worker or trigger reads). */
  to: string;
  /** Stop after this many messages (default: until `from` is empty). */
  max?: number;
  /** After each batch, with the running totals. */
  onBatch?: (totals: RedriveResult) => void;
}

/**
 * Moves messages from a dead-letter queue back to a work queue: receive a
 * batch, send each body (with its priority) to `to`, then delete the batch
 * from `from`. At least once: a crash after a send and before the delete
 * leaves the message in both queues, and the source's copy reappears after its
 * visibility timeout. Task messages tolerate that (a second report of a task
 * gets TaskAlreadyCompleted, which the worker counts as done). A send that
 * fails stops the redrive; the batch's unsent messages stay in `from`, visible
 * again after the visibility timeout. Ends when `from` is empty or `max` is reached.
 * @example await redriveMessages({ queue, from: 'queueflow-tasks-dlq', to: 'queueflow-tasks' });
 */
export async function redriveMessages(options: RedriveOptions): Promise<RedriveResult> {
  const { queue, from, to } = options;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const totals: RedriveResult = { moved: 0, notDeleted: 0 };
  while (totals.moved + totals.notDeleted < max) {
    const want = Math.min(16, max - totals.moved - totals.notDeleted);
    const batch = await queue.receive(from, { max: want, waitSeconds: 0 });
    if (batch.length === 0) break;
    const sent: string[] = [];
    let failure: unknown;
    for (const m of batch) {
      try {
        await queue.send(to, {
          body: m.body,
          ...(m.priority === undefined ? {} : { priority: m.priority }),
        });
      } catch (err) {
        failure = err;
        break;
      }
      sent.push(m.receiptHandle);
    }
    // What was sent leaves the source, also when a later send of the batch failed.
    if (sent.length > 0) {
      const refused = await queue.deleteBatch(from, sent);
      totals.moved += sent.length - refused.length;
      totals.notDeleted += refused.length;
      options.onBatch?.({ ...totals });
    }
    if (failure !== undefined) throw failure;
  }
  return totals;
}
