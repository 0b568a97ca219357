import type { Migration } from '../store/store';

/**
 * The queue service's tables. One row per message; its state follows from
 * `visible_at` and `dequeue_count`: delayed (never received, not yet visible),
 * active (visible now: visible_at 0, or a past time not yet promoted to 0, see
 * 004), inactive (received, inside its visibility window).
 */
export const MNS_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-queues-and-messages',
    sql: `
      CREATE TABLE mns_queues (
        name TEXT PRIMARY KEY,
        delay_seconds INTEGER NOT NULL,
        maximum_message_size INTEGER NOT NULL,
        message_retention_period INTEGER NOT NULL,
        visibility_timeout INTEGER NOT NULL,
        polling_wait_seconds INTEGER NOT NULL,
        logging_enabled INTEGER NOT NULL,
        dead_letter_queue TEXT,
        max_receive_count INTEGER,
        dead_lettered INTEGER NOT NULL DEFAULT 0,
        create_time INTEGER NOT NULL,
        last_modify_time INTEGER NOT NULL
      );
      CREATE TABLE mns_messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        queue TEXT NOT NULL,
        message_id TEXT NOT NULL,
        body TEXT NOT NULL,
        body_md5 TEXT NOT NULL,
        priority INTEGER NOT NULL,
        enqueue_time INTEGER NOT NULL,
        visible_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        dequeue_count INTEGER NOT NULL DEFAULT 0,
        first_dequeue_time INTEGER NOT NULL DEFAULT 0,
        receipt TEXT
      );
      -- Receive order: priority, then enqueue order.
      CREATE INDEX mns_messages_order ON mns_messages (queue, priority, seq, visible_at);
      -- The next moment a message becomes visible (long-poll wake timers).
      CREATE INDEX mns_messages_visible ON mns_messages (queue, visible_at);
      CREATE INDEX mns_messages_expiry ON mns_messages (expires_at);
    `,
  },
  {
    // Fewer pages touched per write (every page is a WAL frame to write):
    // receive order no longer carries visible_at (so a receive leaves that index
    // alone), and the retention purge, rare and batched, scans instead of
    // keeping an index current on every send and delete.
    id: '002-lighter-indexes',
    sql: `
      DROP INDEX mns_messages_expiry;
      DROP INDEX mns_messages_order;
      CREATE INDEX mns_messages_by_priority ON mns_messages (queue, priority, seq);
    `,
  },
  {
    // The body last. SQLite stores a row's columns in order, and a column after a
    // body too big for its page lives in that body's overflow pages: every scan
    // that filters on visible_at or expires_at (a receive stepping over delayed or
    // in-flight messages, the retention purge, GetQueueAttributes' counts) read
    // each 64 KB body to get there. Sequence numbers are in receipt handles, so
    // the counter carries over: a deleted message's number is never reused.
    id: '003-body-last',
    sql: `
      CREATE TABLE mns_messages_next (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        queue TEXT NOT NULL,
        message_id TEXT NOT NULL,
        body_md5 TEXT NOT NULL,
        priority INTEGER NOT NULL,
        enqueue_time INTEGER NOT NULL,
        visible_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        dequeue_count INTEGER NOT NULL DEFAULT 0,
        first_dequeue_time INTEGER NOT NULL DEFAULT 0,
        receipt TEXT,
        body TEXT NOT NULL
      );
      INSERT INTO mns_messages_next (seq, queue, message_id, body_md5, priority, enqueue_time,
          visible_at, expires_at, dequeue_count, first_dequeue_time, receipt, body)
        SELECT seq, queue, message_id, body_md5, priority, enqueue_time,
          visible_at, expires_at, dequeue_count, first_dequeue_time, receipt, body
        FROM mns_messages;
      DELETE FROM sqlite_sequence WHERE name = 'mns_messages_next';
      INSERT INTO sqlite_sequence (name, seq)
        SELECT 'mns_messages_next', seq FROM sqlite_sequence WHERE name = 'mns_messages';
      DROP TABLE mns_messages;
      ALTER TABLE mns_messages_next RENAME TO mns_messages;
      CREATE INDEX mns_messages_visible ON mns_messages (queue, visible_at);
      CREATE INDEX mns_messages_by_priority ON mns_messages (queue, priority, seq);
    `,
  },
  {
    // A receive walks only the messages it can take. A message that can be
    // received now is stored with visible_at = 0 (sent without a delay, moved to
    // a dead-letter queue, or made so when its delay or visibility window has
    // ended: promoteDue), and receive order is an index of those rows alone.
    // Before, the walk in priority order stepped over every delayed and
    // in-flight message ahead of the first receivable one: 30 ms a receive
    // behind 100,000 delayed messages. Rows left with a past visible_at are
    // promoted by the first receive or peek of their queue.
    id: '004-ready-index',
    sql: `
      DROP INDEX mns_messages_by_priority;
      CREATE INDEX mns_messages_ready ON mns_messages (queue, priority, seq) WHERE visible_at = 0;
    `,
  },
];
