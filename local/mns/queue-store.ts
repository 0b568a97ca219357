import type Database from 'better-sqlite3';
import { DEFAULT_ATTRIBUTES, type QueueAttributes } from './attributes';
import { PROCESS_BOUND_RECEIPT_GLOB } from './ids';
import type { PeekedMessage, QueueInfo, QueueStats, ReceivedMessage } from './types';

interface QueueRow {
  name: string;
  delay_seconds: number;
  maximum_message_size: number;
  message_retention_period: number;
  visibility_timeout: number;
  polling_wait_seconds: number;
  logging_enabled: number;
  dead_letter_queue: string | null;
  max_receive_count: number | null;
  dead_lettered: number;
  create_time: number;
  last_modify_time: number;
}

/** A message row as the service reads it. */
export interface MessageRow {
  seq: number;
  queue: string;
  message_id: string;
  body: string;
  body_md5: string;
  priority: number;
  enqueue_time: number;
  visible_at: number;
  expires_at: number;
  dequeue_count: number;
  first_dequeue_time: number;
  receipt: string | null;
}

/** Up to `limit` receivable messages of a queue (`?` the queue, `?` now), in receive order. */
export const readySql = (limit: number) =>
  `SELECT * FROM mns_messages INDEXED BY mns_messages_ready
   WHERE queue = ? AND visible_at = 0 AND expires_at > ?
   ORDER BY priority, seq LIMIT ${limit}`;

/** A queue as the service keeps it in memory between statements. */
export interface QueueRecord extends QueueInfo {
  deadLettered: number;
}

/**
 * Prepared statements over the mns_* tables. Plain synchronous calls; the
 * service decides the transaction boundaries.
 */
export function createQueueStore(db: Database.Database) {
  const s = {
    getQueue: db.prepare<[string], QueueRow>('SELECT * FROM mns_queues WHERE name = ?'),
    insertQueue: db.prepare(
      `INSERT INTO mns_queues (name, delay_seconds, maximum_message_size, message_retention_period,
         visibility_timeout, polling_wait_seconds, logging_enabled, dead_letter_queue,
         max_receive_count, create_time, last_modify_time)
       VALUES (@name, @DelaySeconds, @MaximumMessageSize, @MessageRetentionPeriod, @VisibilityTimeout,
         @PollingWaitSeconds, @LoggingEnabled, @DeadLetterQueue, @MaxReceiveCount, @now, @now)`,
    ),
    updateQueue: db.prepare(
      `UPDATE mns_queues SET delay_seconds = @DelaySeconds, maximum_message_size = @MaximumMessageSize,
         message_retention_period = @MessageRetentionPeriod, visibility_timeout = @VisibilityTimeout,
         polling_wait_seconds = @PollingWaitSeconds, logging_enabled = @LoggingEnabled,
         dead_letter_queue = @DeadLetterQueue, max_receive_count = @MaxReceiveCount,
         last_modify_time = @now
       WHERE name = @name`,
    ),
    deleteQueue: db.prepare<[string]>('DELETE FROM mns_queues WHERE name = ?'),
    deleteQueueMessages: db.prepare<[string]>('DELETE FROM mns_messages WHERE queue = ?'),
    // substr, not LIKE: LIKE ignores ASCII case, and queue names are case-sensitive.
    listQueues: db.prepare<[string, string, string, number], { name: string }>(
      `SELECT name FROM mns_queues WHERE name >= ? AND substr(name, 1, length(?)) = ?
       ORDER BY name LIMIT ?`,
    ),
    allQueueNames: db.prepare<[], { name: string }>('SELECT name FROM mns_queues ORDER BY name'),
    countDeadLettered: db.prepare<[number, string]>(
      'UPDATE mns_queues SET dead_lettered = dead_lettered + ? WHERE name = ?',
    ),
    insertMessage: db.prepare<
      [string, string, string, string, number, number, number, number, string | null]
    >(
      `INSERT INTO mns_messages (queue, message_id, body, body_md5, priority, enqueue_time,
         visible_at, expires_at, receipt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // Stored receipts of claims bound to a process (ids.ts): only those have `-p`.
    // In flight: a window that has not ended (an ended one keeps its handle, as
    // any), of a message still within its retention (the purge takes the rest).
    // One pass over the table: the rows it changes name their queues.
    releaseProcessBound: db.prepare<[number, number, string], { queue: string }>(
      `UPDATE mns_messages SET visible_at = 0, receipt = NULL
       WHERE visible_at > ? AND expires_at > ? AND receipt GLOB ? RETURNING queue`,
    ),
    markReceived: db.prepare<[number, string, number, number]>(
      `UPDATE mns_messages SET visible_at = ?, receipt = ?, dequeue_count = dequeue_count + 1,
         first_dequeue_time = CASE first_dequeue_time WHEN 0 THEN ? ELSE first_dequeue_time END
       WHERE seq = ?`,
    ),
    moveTo: db.prepare<[string, number, number]>(
      `UPDATE mns_messages SET queue = ?, visible_at = ?, receipt = NULL, dequeue_count = 0,
         first_dequeue_time = 0 WHERE seq = ?`,
    ),
    setExpiry: db.prepare<[number, number]>('UPDATE mns_messages SET expires_at = ? WHERE seq = ?'),
    bySeq: db.prepare<[number], MessageRow>('SELECT * FROM mns_messages WHERE seq = ?'),
    deleteByHandle: db.prepare<[number, string, string, number, number]>(
      `DELETE FROM mns_messages
       WHERE seq = ? AND queue = ? AND receipt = ? AND visible_at > ? AND expires_at > ?`,
    ),
    setVisibility: db.prepare<[number, string, number]>(
      'UPDATE mns_messages SET visible_at = ?, receipt = ? WHERE seq = ?',
    ),
    promote: db.prepare<[string, number]>(
      `UPDATE mns_messages SET visible_at = 0
       WHERE queue = ? AND visible_at > 0 AND visible_at <= ?`,
    ),
    nextVisible: db.prepare<[string, number], { at: number | null }>(
      'SELECT MIN(visible_at) AS at FROM mns_messages WHERE queue = ? AND visible_at > ?',
    ),
    nextExpiry: db.prepare<[], { at: number | null }>(
      'SELECT MIN(expires_at) AS at FROM mns_messages',
    ),
    purgeExpired: db.prepare<[number]>('DELETE FROM mns_messages WHERE expires_at <= ?'),
    stats: db.prepare<
      [number, number, number, number, string],
      { active: number | null; inflight: number | null; delayed: number | null }
    >(
      `SELECT SUM(visible_at <= ?) AS active,
              SUM(visible_at > ? AND dequeue_count > 0) AS inflight,
              SUM(visible_at > ? AND dequeue_count = 0) AS delayed
       FROM mns_messages WHERE expires_at > ? AND queue = ?`,
    ),
  };

  // Walk the receivable messages (visible_at 0, an index of those alone) in
  // delivery order and stop after `max` hits: O(max), whatever the backlog and
  // however many delayed or in-flight messages the queue holds; only expired
  // messages not yet purged are stepped over. The LIMIT is a literal, one
  // statement per batch size: with `LIMIT ?` the same SELECT cost 18 us a run
  // instead of 2.4 us (SQLite 3.53, measured), on the hottest statement there is.
  const readyBy: Array<Database.Statement<[string, number], MessageRow>> = [];
  const readyStatement = (max: number) => {
    // Callers check max (1 to 16), so at most 16 statements are ever prepared.
    const limit = Math.max(1, Math.trunc(max));
    readyBy[limit] ??= db.prepare<[string, number], MessageRow>(readySql(limit));
    return readyBy[limit];
  };

  // Per queue, a time before which none of its messages becomes receivable (a
  // lower bound on its smallest visible_at above 0, Infinity for none): a claim
  // before it skips the probe. Absent means unknown (after a start, or a promote
  // inside a transaction that may still roll back). Every write that sets a
  // future visible_at lowers it; one rolled back only costs a probe.
  const pendingFrom = new Map<string, number>();
  const notePending = (queue: string, at: number) => {
    const from = pendingFrom.get(queue);
    if (from !== undefined && at < from) pendingFrom.set(queue, at);
  };

  // Queue rows are read on every operation and written rarely, always through
  // here, so they are cached. A queue write inside a transaction (which may
  // still roll back) stops caching until that transaction is over.
  const cache = new Map<string, QueueRecord>();
  let dirty = false;
  const invalidate = (name: string) => {
    cache.delete(name);
    if (db.inTransaction) {
      dirty = true;
      cache.clear();
    }
  };

  return {
    getQueue(name: string): QueueRecord | undefined {
      if (dirty && !db.inTransaction) {
        cache.clear();
        dirty = false;
      }
      const hit = dirty ? undefined : cache.get(name);
      if (hit) return hit;
      const row = s.getQueue.get(name);
      if (!row) return undefined;
      const rec = toQueueRecord(row);
      if (!dirty) cache.set(name, rec);
      return rec;
    },
    insertQueue(name: string, attrs: QueueAttributes, nowSeconds: number): void {
      invalidate(name);
      s.insertQueue.run({ name, ...toParams(attrs), now: nowSeconds });
    },
    updateQueue(name: string, attrs: QueueAttributes, nowSeconds: number): void {
      invalidate(name);
      s.updateQueue.run({ name, ...toParams(attrs), now: nowSeconds });
    },
    deleteQueue(name: string): void {
      invalidate(name);
      pendingFrom.delete(name);
      s.deleteQueueMessages.run(name);
      s.deleteQueue.run(name);
    },
    listQueues(opts: { marker: string; prefix: string; limit: number }): string[] {
      return s.listQueues.all(opts.marker, opts.prefix, opts.prefix, opts.limit).map((r) => r.name);
    },
    allQueueNames(): string[] {
      return s.allQueueNames.all().map((r) => r.name);
    },
    countDeadLettered(queue: string, n: number): void {
      invalidate(queue);
      s.countDeadLettered.run(n, queue);
    },
    insertMessage(m: {
      queue: string;
      messageId: string;
      body: string;
      bodyMD5: string;
      priority: number;
      enqueueTime: number;
      visibleAt: number;
      expiresAt: number;
      receipt: string | null;
    }): number {
      if (m.visibleAt > 0) notePending(m.queue, m.visibleAt);
      const info = s.insertMessage.run(
        m.queue,
        m.messageId,
        m.body,
        m.bodyMD5,
        m.priority,
        m.enqueueTime,
        m.visibleAt,
        m.expiresAt,
        m.receipt,
      );
      return Number(info.lastInsertRowid);
    },
    /**
     * Makes receivable at once the messages still in flight under a claim bound
     * to a process (ReceiveOptions.processBound): call only at the service's
     * start, when the process that claimed them is gone. Returns the counts per queue.
     */
    releaseProcessBound(now: number): Array<{ queue: string; count: number }> {
      const counts = new Map<string, number>();
      for (const { queue } of s.releaseProcessBound.all(now, now, PROCESS_BOUND_RECEIPT_GLOB)) {
        counts.set(queue, (counts.get(queue) ?? 0) + 1);
      }
      return [...counts]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([queue, count]) => ({ queue, count }));
    },
    /**
     * Marks receivable (visible_at 0) the messages of `queue` whose delay or
     * visibility window ended by `now`; a probe, and a write only when some did.
     * Call before `ready`, which sees only marked messages.
     */
    promoteDue(queue: string, now: number): void {
      const from = pendingFrom.get(queue);
      if (from !== undefined && now < from) return;
      // nextVisible after 0: the first time a delayed or in-flight message of the
      // queue becomes receivable (one probe of the visible_at index).
      const firstPending = () => s.nextVisible.get(queue, 0)?.at ?? Number.POSITIVE_INFINITY;
      let first = firstPending();
      if (first <= now) s.promote.run(queue, now);
      // Inside a transaction, what it read or promoted may still roll back (a
      // message it deleted or received comes back with its earlier time): it
      // learns nothing there, and the next probe outside one looks again.
      if (db.inTransaction) {
        pendingFrom.delete(queue);
        return;
      }
      if (first <= now) first = firstPending();
      pendingFrom.set(queue, first);
    },
    /** Up to `max` receivable messages in delivery order (after `promoteDue`). */
    ready(queue: string, now: number, max: number): MessageRow[] {
      return readyStatement(max).all(queue, now);
    },
    markReceived(
      queue: string,
      seq: number,
      visibleAt: number,
      receipt: string,
      now: number,
    ): void {
      notePending(queue, visibleAt);
      s.markReceived.run(visibleAt, receipt, now, seq);
    },
    /** Moves a message to `queue`, receivable there at once. */
    moveTo(seq: number, queue: string): void {
      s.moveTo.run(queue, 0, seq);
    },
    setExpiry(seq: number, at: number): void {
      s.setExpiry.run(at, seq);
    },
    bySeq(seq: number): MessageRow | undefined {
      return s.bySeq.get(seq);
    },
    /** Deletes the message if `receipt` is its current, unexpired handle; false otherwise. */
    deleteByHandle(seq: number, queue: string, receipt: string, now: number): boolean {
      return s.deleteByHandle.run(seq, queue, receipt, now, now).changes === 1;
    },
    setVisibility(queue: string, seq: number, visibleAt: number, receipt: string): void {
      if (visibleAt > 0) notePending(queue, visibleAt);
      s.setVisibility.run(visibleAt, receipt, seq);
    },
    nextVisible(queue: string, now: number): number | null {
      return s.nextVisible.get(queue, now)?.at ?? null;
    },
    nextExpiry(): number | null {
      return s.nextExpiry.get()?.at ?? null;
    },
    purgeExpired(now: number): number {
      return s.purgeExpired.run(now).changes;
    },
    stats(queue: string, now: number): Pick<QueueStats, 'active' | 'inflight' | 'delayed'> {
      const r = s.stats.get(now, now, now, now, queue);
      return { active: r?.active ?? 0, inflight: r?.inflight ?? 0, delayed: r?.delayed ?? 0 };
    },
  };
}

function toParams(a: QueueAttributes) {
  return {
    DelaySeconds: a.DelaySeconds,
    MaximumMessageSize: a.MaximumMessageSize,
    MessageRetentionPeriod: a.MessageRetentionPeriod,
    VisibilityTimeout: a.VisibilityTimeout,
    PollingWaitSeconds: a.PollingWaitSeconds,
    LoggingEnabled: a.LoggingEnabled ? 1 : 0,
    DeadLetterQueue: a.DeadLetterQueue,
    MaxReceiveCount: a.MaxReceiveCount,
  };
}

function toQueueRecord(r: QueueRow): QueueRecord {
  return {
    name: r.name,
    attributes: {
      ...DEFAULT_ATTRIBUTES,
      DelaySeconds: r.delay_seconds,
      MaximumMessageSize: r.maximum_message_size,
      MessageRetentionPeriod: r.message_retention_period,
      VisibilityTimeout: r.visibility_timeout,
      PollingWaitSeconds: r.polling_wait_seconds,
      LoggingEnabled: r.logging_enabled === 1,
      DeadLetterQueue: r.dead_letter_queue,
      MaxReceiveCount: r.max_receive_count,
    },
    createTime: r.create_time,
    lastModifyTime: r.last_modify_time,
    deadLettered: r.dead_lettered,
  };
}

/** The fields a peek shows. */
export function toPeeked(r: MessageRow): PeekedMessage {
  return {
    messageId: r.message_id,
    body: r.body,
    bodyMD5: r.body_md5,
    enqueueTime: r.enqueue_time,
    firstDequeueTime: r.first_dequeue_time,
    dequeueCount: r.dequeue_count,
    priority: r.priority,
  };
}

/** The fields a receive shows, after the row was marked received. */
export function toReceived(
  r: MessageRow,
  receipt: string,
  nextVisibleTime: number,
  now: number,
): ReceivedMessage {
  return {
    ...toPeeked(r),
    dequeueCount: r.dequeue_count + 1,
    firstDequeueTime: r.first_dequeue_time === 0 ? now : r.first_dequeue_time,
    receiptHandle: receipt,
    nextVisibleTime,
  };
}
