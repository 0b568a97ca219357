import type { Migration } from '../store/store';

/** The flow engine's tables (namespace `flow`). */
export const FLOW_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-flow',
    sql: `
CREATE TABLE flow_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE flow_flows (
  name TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  definition TEXT NOT NULL,
  description TEXT NOT NULL,
  role_arn TEXT NOT NULL,
  execution_mode TEXT NOT NULL,
  environment TEXT,
  created_ms INTEGER NOT NULL,
  modified_ms INTEGER NOT NULL
);
CREATE TABLE flow_executions (
  id INTEGER PRIMARY KEY,
  flow_id TEXT NOT NULL,
  flow_name TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  definition TEXT NOT NULL,
  input TEXT NOT NULL,
  output TEXT,
  error TEXT,
  cause TEXT,
  state TEXT,
  callback_token TEXT,
  started_ms INTEGER NOT NULL,
  stopped_ms INTEGER,
  UNIQUE (flow_id, name)
);
CREATE INDEX flow_executions_running ON flow_executions (status) WHERE status = 'Running';
CREATE INDEX flow_executions_by_name ON flow_executions (flow_name, name);
CREATE TABLE flow_events (
  exec_id INTEGER NOT NULL,
  event_id INTEGER NOT NULL,
  schedule_event_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  step_name TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY (exec_id, event_id)
) WITHOUT ROWID;
CREATE TABLE flow_timers (
  exec_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  PRIMARY KEY (exec_id, key)
) WITHOUT ROWID;
CREATE TABLE flow_inbox (
  id INTEGER PRIMARY KEY,
  exec_id INTEGER NOT NULL,
  event_id INTEGER NOT NULL,
  outcome TEXT NOT NULL
);
`,
  },
  {
    // The mutable state moves to its own small row: updating it no longer
    // rewrites the execution row with its definition and input (overflow pages).
    id: '002-flow-states',
    sql: `
CREATE TABLE flow_states (exec_id INTEGER PRIMARY KEY, state TEXT NOT NULL);
INSERT INTO flow_states (exec_id, state)
  SELECT id, state FROM flow_executions WHERE state IS NOT NULL;
UPDATE flow_executions SET state = NULL WHERE state IS NOT NULL;
`,
  },
  {
    // v1 tokens name their execution, not its row: one is accepted only for the
    // executions that existed when this build first opened the folder (a v1
    // token can be in flight for those), never for one started since under
    // reused names (after DeleteFlow and CreateFlow).
    id: '003-v1-token-horizon',
    sql: `
INSERT OR REPLACE INTO flow_meta (key, value)
  SELECT 'v1-token-max-exec', CAST(COALESCE(MAX(id), 0) AS TEXT) FROM flow_executions;
`,
  },
  {
    // ListExecutions pages newest first within a flow: without this index every
    // page sorted all of the flow's executions (paging through N was O(N^2)).
    id: '004-executions-by-flow',
    sql: `
CREATE INDEX flow_executions_by_flow ON flow_executions (flow_id, id);
`,
  },
  {
    // A definition once, not once per execution: it was most of an execution's
    // row (1.9 KB of the demo's ~7 KB per execution, history included). New
    // executions keep '' in \`definition\` and point at their definition's row;
    // those from before keep their text (reads take whichever is there).
    id: '005-shared-definitions',
    sql: `
CREATE TABLE flow_definitions (id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, definition TEXT NOT NULL);
ALTER TABLE flow_executions ADD COLUMN definition_id INTEGER;
`,
  },
  {
    // Ended executions by end time, for pruning (pruneEnded, --retain-days):
    // one entry per execution, written once when it ends.
    id: '006-ended-index',
    sql: `
CREATE INDEX flow_executions_ended ON flow_executions (stopped_ms) WHERE status != 'Running';
`,
  },
  {
    // Whether any execution still points at a definition, for pruning the ones
    // none does (pruneEnded).
    id: '007-executions-by-definition',
    sql: `
CREATE INDEX flow_executions_by_definition ON flow_executions (definition_id)
  WHERE definition_id IS NOT NULL;
`,
  },
  {
    // Executions pruned whose history is longer than one pruning call deletes:
    // the row goes at once (the execution answers ExecutionNotExists), its
    // events over the calls after. And the definitions earlier pruning left
    // with no execution.
    id: '008-prune-pending',
    sql: `
CREATE TABLE flow_prune_pending (exec_id INTEGER PRIMARY KEY);
DELETE FROM flow_definitions WHERE id NOT IN
  (SELECT definition_id FROM flow_executions WHERE definition_id IS NOT NULL);
`,
  },
];
