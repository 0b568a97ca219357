import type { Store } from '../store/store';

/** A flow row. */
export interface FlowRow {
  name: string;
  id: string;
  type: string;
  definition: string;
  description: string;
  role_arn: string;
  execution_mode: string;
  environment: string | null;
  created_ms: number;
  modified_ms: number;
}

/** An execution row. `state` is unused since 002 (the state lives in flow_states). */
export interface ExecRow {
  id: number;
  flow_id: string;
  flow_name: string;
  name: string;
  status: string;
  definition: string;
  input: string;
  output: string | null;
  error: string | null;
  cause: string | null;
  state: string | null;
  callback_token: string | null;
  started_ms: number;
  stopped_ms: number | null;
}

/** The columns a transition needs (not the definition or input). */
export type ExecHead = Pick<
  ExecRow,
  'id' | 'flow_id' | 'flow_name' | 'name' | 'status' | 'callback_token' | 'started_ms'
>;

/** A history event row. */
export interface EventRow {
  exec_id: number;
  event_id: number;
  schedule_event_id: number;
  type: string;
  step_name: string;
  time_ms: number;
  detail: string;
}

// An execution row with its definition, wherever that is kept (005).
const EXEC_COLUMNS = `e.id, e.flow_id, e.flow_name, e.name, e.status,
  COALESCE(d.definition, e.definition) AS definition, e.input, e.output, e.error, e.cause,
  e.state, e.callback_token, e.started_ms, e.stopped_ms`;
const EXEC_FROM = 'flow_executions e LEFT JOIN flow_definitions d ON d.id = e.definition_id';

/**
 * ListExecutions' query; `where` names columns as `e.<column>`.
 * @example db.prepare(listExecutionsSql('e.flow_id = ?'))
 */
export const listExecutionsSql = (where: string) =>
  `SELECT ${EXEC_COLUMNS} FROM ${EXEC_FROM} WHERE ${where} ORDER BY e.id DESC LIMIT ?`;

/** The engine's prepared statements (createRepo's result). */
export type Repo = ReturnType<typeof createRepo>;

/** Prepared statements over the flow tables. */
export function createRepo(store: Store) {
  const db = store.db;
  const q = <T>(sql: string) => {
    const st = db.prepare(sql);
    return {
      get: (...a: unknown[]) => st.get(...a) as T | undefined,
      all: (...a: unknown[]) => st.all(...a) as T[],
      iterate: (...a: unknown[]) => st.iterate(...a) as IterableIterator<T>,
      run: (...a: unknown[]) => st.run(...a),
    };
  };
  return {
    flow: q<FlowRow>('SELECT * FROM flow_flows WHERE name = ?'),
    flowsFrom: q<FlowRow>('SELECT * FROM flow_flows WHERE name >= ? ORDER BY name LIMIT ?'),
    insertFlow: q(
      `INSERT INTO flow_flows (name, id, type, definition, description, role_arn, execution_mode, environment, created_ms, modified_ms)
       VALUES (@name, @id, @type, @definition, @description, @role_arn, @execution_mode, @environment, @created_ms, @modified_ms)`,
    ),
    updateFlow: q(
      `UPDATE flow_flows SET definition = @definition, description = @description, role_arn = @role_arn,
       environment = @environment, modified_ms = @modified_ms WHERE name = @name`,
    ),
    deleteFlow: q('DELETE FROM flow_flows WHERE name = ?'),
    exec: q<ExecRow>(`SELECT ${EXEC_COLUMNS} FROM ${EXEC_FROM} WHERE e.id = ?`),
    execByName: q<ExecRow>(
      `SELECT ${EXEC_COLUMNS} FROM ${EXEC_FROM} WHERE e.flow_id = ? AND e.name = ?`,
    ),
    // The report path needs only the id: a covering read of the name index, no row fetch.
    latestExecId: q<{ id: number }>(
      'SELECT id FROM flow_executions WHERE flow_name = ? AND name = ? ORDER BY id DESC LIMIT 1',
    ),
    setCallbackToken: q('UPDATE flow_executions SET callback_token = ? WHERE id = ?'),
    execNames: q<{ flow_name: string; name: string }>(
      'SELECT flow_name, name FROM flow_executions WHERE id = ?',
    ),
    running: q<{ id: number }>("SELECT id FROM flow_executions WHERE status = 'Running'"),
    runningOfFlow: q<{ id: number }>(
      "SELECT id FROM flow_executions WHERE flow_id = ? AND status = 'Running'",
    ),
    insertExec: q(
      `INSERT INTO flow_executions (flow_id, flow_name, name, status, definition, definition_id, input, callback_token, started_ms)
       VALUES (@flow_id, @flow_name, @name, 'Running', '', @definition_id, @input, @callback_token, @started_ms)`,
    ),
    definitionByHash: q<{ id: number }>('SELECT id FROM flow_definitions WHERE hash = ?'),
    // Never the newest row: SQLite gives a new row the highest id + 1, and a
    // task token names its execution by id, so that id must not come back.
    endedBefore: q<{ id: number; definition_id: number | null }>(
      `SELECT id, definition_id FROM flow_executions INDEXED BY flow_executions_ended
       WHERE status != 'Running' AND stopped_ms < ?
         AND id < (SELECT MAX(id) FROM flow_executions)
       ORDER BY stopped_ms LIMIT ?`,
    ),
    deleteEvents: q('DELETE FROM flow_events WHERE exec_id = ?'),
    eventSpan: q<{ first: number | null; last: number | null }>(
      'SELECT MIN(event_id) AS first, MAX(event_id) AS last FROM flow_events WHERE exec_id = ?',
    ),
    deleteFirstEvents: q(
      `DELETE FROM flow_events WHERE exec_id = @id AND event_id <
         (SELECT MIN(event_id) FROM flow_events WHERE exec_id = @id) + @n`,
    ),
    prunePending: q<{ exec_id: number }>('SELECT exec_id FROM flow_prune_pending ORDER BY exec_id'),
    addPrunePending: q('INSERT OR IGNORE INTO flow_prune_pending (exec_id) VALUES (?)'),
    donePrunePending: q('DELETE FROM flow_prune_pending WHERE exec_id = ?'),
    deleteExec: q('DELETE FROM flow_executions WHERE id = ?'),
    deleteDefinitionIfUnused: q(
      `DELETE FROM flow_definitions WHERE id = @id AND NOT EXISTS
         (SELECT 1 FROM flow_executions WHERE definition_id = @id)`,
    ),
    insertDefinition: q('INSERT INTO flow_definitions (hash, definition) VALUES (?, ?)'),
    execHead: q<ExecHead & { state: string | null }>(
      `SELECT e.id, e.flow_id, e.flow_name, e.name, e.status, e.callback_token, e.started_ms, s.state
       FROM flow_executions e LEFT JOIN flow_states s ON s.exec_id = e.id WHERE e.id = ?`,
    ),
    definitionOf: q<{ definition: string }>(
      `SELECT COALESCE(d.definition, e.definition) AS definition FROM ${EXEC_FROM} WHERE e.id = ?`,
    ),
    state: q<{ state: string }>('SELECT state FROM flow_states WHERE exec_id = ?'),
    saveState: q('INSERT OR REPLACE INTO flow_states (exec_id, state) VALUES (?, ?)'),
    deleteState: q('DELETE FROM flow_states WHERE exec_id = ?'),
    endExec: q(
      `UPDATE flow_executions SET status = @status, output = @output, error = @error, cause = @cause,
       stopped_ms = @stopped_ms WHERE id = @id`,
    ),
    events: q<EventRow>(
      'SELECT * FROM flow_events WHERE exec_id = ? AND event_id >= ? ORDER BY event_id LIMIT ?',
    ),
    // In due order: timers that fell due while the stack was down are re-armed
    // overdue, and fire in the order they are armed.
    timers: q<{ exec_id: number; key: string; at_ms: number }>(
      'SELECT * FROM flow_timers ORDER BY at_ms, exec_id, key',
    ),
    insertTimer: q('INSERT OR REPLACE INTO flow_timers (exec_id, key, at_ms) VALUES (?, ?, ?)'),
    deleteTimer: q('DELETE FROM flow_timers WHERE exec_id = ? AND key = ?'),
    execTimers: q<{ key: string }>('SELECT key FROM flow_timers WHERE exec_id = ?'),
    insertInbox: q('INSERT INTO flow_inbox (exec_id, event_id, outcome) VALUES (?, ?, ?)'),
    inbox: q<{ id: number; exec_id: number; event_id: number; outcome: string }>(
      'SELECT * FROM flow_inbox ORDER BY id',
    ),
    inboxItem: q<{ id: number; exec_id: number; event_id: number; outcome: string }>(
      'SELECT * FROM flow_inbox WHERE id = ?',
    ),
    deleteInbox: q('DELETE FROM flow_inbox WHERE id = ?'),
  };
}
