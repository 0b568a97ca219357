import type { Store } from '../store/store';

const COLUMNS = 7;
const MAX_ROWS = 64;

/**
 * Buffers a transaction's history rows and writes them with one multi-row
 * INSERT at the end (fewer statements per transition than one per event).
 */
export function createHistoryWriter(store: Store) {
  const pending: unknown[] = [];
  const statements = new Map<number, { run(...a: unknown[]): unknown }>();
  return {
    /** Queues one row: exec_id, event_id, schedule_event_id, type, step_name, time_ms, detail. */
    add(...row: [number, number, number, string, string, number, string]): void {
      pending.push(...row);
    },
    /** Where the buffer is now, to roll back to on a failed transaction. */
    mark: () => pending.length,
    rollback(mark: number): void {
      pending.length = mark;
    },
    /** Writes every queued row (inside the caller's transaction). */
    flush(): void {
      while (pending.length > 0) {
        const rows = Math.min(pending.length / COLUMNS, MAX_ROWS);
        let st = statements.get(rows);
        if (!st) {
          const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
          st = store.db.prepare(
            `INSERT INTO flow_events (exec_id, event_id, schedule_event_id, type, step_name, time_ms, detail) VALUES ${values}`,
          );
          statements.set(rows, st);
        }
        st.run(...pending.splice(0, rows * COLUMNS));
      }
    },
  };
}
