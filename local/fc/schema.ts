import type { Migration } from '../store/store';

/** The function runtime's tables: async invocations and queue-trigger push failures. */
export const FC_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-async-invocations',
    sql: `
      CREATE TABLE fc_async_invocations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        function_name TEXT NOT NULL,
        qualifier TEXT,
        request_id TEXT NOT NULL,
        body BLOB NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        accepted_at INTEGER NOT NULL
      );
      CREATE INDEX fc_async_by_function ON fc_async_invocations (function_name, id);
    `,
  },
  {
    // Failed pushes per queue-trigger message: a push cut off by a stop or a
    // crash, or a receive held in a batch window, is not a retry; DequeueCount
    // counts those too.
    id: '002-trigger-push-failures',
    sql: `
      CREATE TABLE fc_trigger_failures (
        queue TEXT NOT NULL,
        message_id TEXT NOT NULL,
        failures INTEGER NOT NULL,
        first_failed_at INTEGER NOT NULL,
        PRIMARY KEY (queue, message_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    // An async call made for a caller that may make it again (an FDL task whose
    // acceptance a crash cut off) is stored once per caller key.
    id: '003-async-caller-key',
    sql: `
      ALTER TABLE fc_async_invocations ADD COLUMN caller_key TEXT;
      CREATE UNIQUE INDEX fc_async_by_caller ON fc_async_invocations (caller_key)
        WHERE caller_key IS NOT NULL;
    `,
  },
];
