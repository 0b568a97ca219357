import type { Store } from '../store/store';
import { FC_MIGRATIONS } from './schema';

/**
 * How many times each queue-trigger message's push has failed, kept in the
 * store: the trigger's retry count and budget come from here, so a push cut
 * off by a stop or a crash, or a receive held in a batch window, does not use
 * up a retry (the message's DequeueCount counts those too).
 */
export interface PushFailures {
  /** Failed pushes so far: the retries made, as context.retryCount tells the function. */
  of(queue: string, messageId: string): number;
  /** Records one more failed push; returns the count before it. */
  record(queue: string, messageId: string, now: number): number;
  /** Forgets messages that were delivered, dropped or dead-lettered. */
  clear(queue: string, messageIds: readonly string[]): void;
  /**
   * Forgets messages that left their queue some other way (deleted by another
   * consumer, expired, their queue deleted); returns how many. Runs when the
   * store opens and after every 1,000 recorded failures.
   */
  sweep(): number;
}

export function createPushFailures(store: Store): PushFailures {
  store.migrate('fc', FC_MIGRATIONS);
  const db = store.db;
  const get = db
    .prepare<[string, string], number>(
      'SELECT failures FROM fc_trigger_failures WHERE queue = ? AND message_id = ?',
    )
    .pluck();
  const upsert = db
    .prepare<[string, string, number], number>(
      `INSERT INTO fc_trigger_failures (queue, message_id, failures, first_failed_at)
       VALUES (?, ?, 1, ?)
       ON CONFLICT (queue, message_id) DO UPDATE SET failures = failures + 1
       RETURNING failures`,
    )
    .pluck();
  const remove = db.prepare('DELETE FROM fc_trigger_failures WHERE queue = ? AND message_id = ?');
  // The queue service's table, read here only to find counts of messages gone.
  const hasMessages =
    db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mns_messages'")
      .get() !== undefined;
  const gone = hasMessages
    ? db.prepare(
        `DELETE FROM fc_trigger_failures WHERE NOT EXISTS (
           SELECT 1 FROM mns_messages m
           WHERE m.queue = fc_trigger_failures.queue AND m.message_id = fc_trigger_failures.message_id)`,
      )
    : undefined;
  const sweep = () => (gone ? gone.run().changes : 0);
  let recorded = 0;
  sweep();
  return {
    of: (queue, messageId) => get.get(queue, messageId) ?? 0,
    record(queue, messageId, now) {
      if (++recorded % 1000 === 0) sweep();
      return (upsert.get(queue, messageId, now) ?? 1) - 1;
    },
    clear(queue, messageIds) {
      store.transaction(() => {
        for (const id of messageIds) remove.run(queue, id);
      });
    },
    sweep,
  };
}
