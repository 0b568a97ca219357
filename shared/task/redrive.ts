import {
  isRetryableQueueCode,
  type QueueClient,
  QueueError,
  type ReceivedMessage,
} from '../clients/queue-client';
import { RELEASE_SECONDS } from './limits';

/** What a redrive did. */
export interface RedriveResult {
  /** Sent to the target queue and deleted from the source. */
  moved: number;
  /** Sent, but the source refused the delete (the message may come back and be moved again). */
  notDeleted: number;
}

/** A redrive's options. */
export interface RedriveOptions {
  queue: Pick<QueueClient, 'receive' | 'sendBatch' | 'deleteBatch' | 'changeVisibility'>;
  /** The dead-letter queue to empty. */
  from: string;
  /** Where the messages go back to (the queue the worker or trigger reads). */
  to: string;
  /** Stop after this many messages (default: until `from` is empty). */
  max?: number;
  /** After each batch, with the running totals. */
  onBatch?: (totals: RedriveResult) => void;
}

// BatchSendMessage takes at most 64 KB of bodies per call (one body is at most that).
const BATCH_BYTES = 65_536;

/** Splits received messages into BatchSendMessage calls: at most 16 and 64 KB each. */
function sendChunks(messages: readonly ReceivedMessage[]): ReceivedMessage[][] {
  const chunks: ReceivedMessage[][] = [];
  let chunk: ReceivedMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = Buffer.byteLength(m.body, 'utf8');
    if (chunk.length > 0 && (chunk.length === 16 || bytes + size > BATCH_BYTES)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * Moves messages from a dead-letter queue back to a work queue: receive a
 * batch, send the bodies (with their priorities) to `to` with BatchSendMessage,
 * then delete what was sent from `from`. At least once: a crash after a send
 * and before the delete leaves the message in both queues, and the source's
 * copy reappears after its visibility timeout. Task messages tolerate that (a
 * second report of a task gets TaskAlreadyCompleted, which the worker counts as
 * done). A message the target refuses (or a send call that fails) stops the
 * redrive with a QueueError once the messages that did go are deleted; the rest
 * stay in `from`, visible again a second later. Ends when `from`
 * is empty or `max` is reached.
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
    for (const chunk of sendChunks(batch)) {
      try {
        const results = await queue.sendBatch(
          to,
          chunk.map((m) => ({
            body: m.body,
            ...(m.priority === undefined ? {} : { priority: m.priority }),
          })),
        );
        results.forEach((r, i) => {
          if ('messageId' in r) sent.push(chunk[i]?.receiptHandle ?? '');
          else
            failure ??= new QueueError({
              code: r.code,
              message: `BatchSendMessage to ${to} refused message ${chunk[i]?.messageId}: ${r.code}: ${r.message}`,
              retryable: isRetryableQueueCode(r.code),
            });
        });
      } catch (err) {
        failure = err;
      }
      if (failure !== undefined) break;
    }
    // What was sent leaves the source, also when another message of the batch failed.
    if (sent.length > 0) {
      try {
        const refused = await queue.deleteBatch(from, sent);
        totals.moved += sent.length - refused.length;
        totals.notDeleted += refused.length;
        options.onBatch?.({ ...totals });
      } catch (err) {
        // The sent messages stay in both queues (at least once): say so, with
        // the send's failure if there was one, after releasing the unsent below.
        const both = `${sent.length} message(s) sent to ${to} could not be deleted from ${from} and are in both queues: ${errorText(err)}`;
        failure =
          failure === undefined
            ? annotated(err, () => both)
            : annotated(failure, (message) => `${message}; also, ${both}`);
      }
    }
    if (failure !== undefined) {
      // What was received but not sent goes back into `from` in a second (MNS's
      // shortest visibility timeout), not after the queue's: a corrected rerun
      // must find it there. If that fails too, it comes back after the queue's.
      const kept = new Set(sent);
      await Promise.all(
        batch
          .filter((m) => !kept.has(m.receiptHandle))
          .map((m) =>
            queue.changeVisibility(from, m.receiptHandle, RELEASE_SECONDS).catch(() => {}),
          ),
      );
      throw failure;
    }
  }
  return totals;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `err` with its message rewritten by `note`, keeping a QueueError's code and retryable. */
function annotated(err: unknown, note: (message: string) => string): Error {
  const message = note(errorText(err));
  return err instanceof QueueError
    ? new QueueError({ code: err.code, message, retryable: err.retryable, cause: err })
    : new Error(message, { cause: err });
}
