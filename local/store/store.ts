import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { type Checkpointer, startCheckpointer } from './checkpointer';
import { DataFolderInUseError, type FolderLock, lockDataFolder } from './folder-lock';
import { privateFile, privateFolder } from './private-files';

/** Where the store keeps its data. */
export interface StoreOptions {
  /** Data folder; the database is `<dataDir>/queueflow.db`. Default `.queueflow`. */
  dataDir?: string;
  /** Keep everything in memory (tests). Overrides `dataDir`. */
  memory?: boolean;
  /**
   * `normal` (default) survives a process crash at any instant (WAL, synchronous=NORMAL);
   * `full` also survives power loss, at the cost of an fsync per commit.
   */
  durability?: 'normal' | 'full';
  /** WAL size (pages) past which the store checkpoints between its writes. Default 10,000 (~40 MB). */
  maxWalPages?: number;
  /** How often the background checkpoint runs while the WAL takes writes. Default 200 ms. */
  checkpointIntervalMs?: number;
}

/** The one SQLite database of the local stack. */
export interface Store {
  readonly db: Database.Database;
  /** Absolute path of the database file, or null in memory. */
  readonly file: string | null;
  /** Absolute path of the data folder, or null in memory. */
  readonly dataDir: string | null;
  /**
   * Applies a component's migrations in order, each once, each in its own
   * transaction. `component` namespaces the ids so services migrate independently.
   */
  migrate(component: string, migrations: readonly Migration[]): void;
  /**
   * Runs `fn` in one IMMEDIATE transaction; called inside another one, as a
   * savepoint of it (rolled back alone if `fn` throws).
   */
  transaction<T>(fn: () => T): T;
  /**
   * Inside a `transaction()`: runs `onCommit` right after the outermost one
   * commits, or `onRollback` if the work that registered it is rolled back
   * (its own savepoint or the whole transaction). Returns false, and registers
   * nothing, when no `transaction()` is open here (a bare statement or a raw
   * `db.transaction` commits on its own, at a moment the store does not see).
   * Hooks must not throw. Register only from code whose failure propagates out
   * of the enclosing `transaction()` call: a raw `db.transaction` savepoint
   * rolled back and caught inside it would leave its hook registered.
   */
  afterCommit(onCommit: () => void, onRollback?: () => void): boolean;
  close(): void;
}

/** One schema step. Never edit a shipped migration; add a new one. */
export interface Migration {
  /** Stable id, unique within its component, e.g. `001-queues`. */
  id: string;
  sql: string;
}

export const DEFAULT_DATA_DIR = '.queueflow';
export const DATABASE_FILE = 'queueflow.db';

/** Opens (creating if needed) the store in WAL mode. */
export function openStore(options: StoreOptions = {}): Store {
  let file: string | null = null;
  let dataDir: string | null = null;
  let lock: FolderLock | undefined;
  if (!options.memory) {
    if (options.dataDir === '')
      throw new Error('the data folder is empty: pass a folder, or --memory');
    dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
    file = join(dataDir, DATABASE_FILE);
    try {
      privateFolder(dataDir);
      // The database and the files SQLite keeps beside it (made with its mode).
      privateFile(file);
      for (const beside of ['-wal', '-shm']) privateFile(`${file}${beside}`, false);
    } catch (err) {
      throw unusable(dataDir, err);
    }
    try {
      lock = lockDataFolder(dataDir);
    } catch (err) {
      // Held by another stack: that error says by whom. Anything else (a
      // read-only folder, say) names the folder and what to do.
      if (err instanceof DataFolderInUseError) throw err;
      throw unusable(dataDir, err);
    }
  }
  try {
    return open(file, dataDir, options, lock);
  } catch (err) {
    lock?.release();
    throw dataDir ? unusable(dataDir, err) : err;
  }
}

/** Why a data folder cannot be used, with what to do instead. */
function unusable(dataDir: string, err: unknown): Error {
  const reason = err instanceof Error ? err.message : String(err);
  return new Error(
    `cannot use the data folder ${dataDir}: ${reason}. Pass another --data-dir (or QUEUEFLOW_DATA_DIR), or --memory`,
    { cause: err },
  );
}

/** PRAGMA application_id of a queueflow database ("QFLW"). */
const APPLICATION_ID = 0x51464c57;

function open(
  file: string | null,
  dataDir: string | null,
  options: StoreOptions,
  lock: FolderLock | undefined,
): Store {
  const db = new Database(file ?? ':memory:');
  const synchronous = options.durability === 'full' ? 'FULL' : 'NORMAL';
  let appliedIds: Database.Statement;
  let record: Database.Statement;
  try {
    if (file) {
      // First, before anything is written to a file that may not be ours.
      checkOwnDatabase(db, file);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous}`);
      // Checkpoints run on a worker thread (below, and checkpointer.ts), not
      // inside a request's commit; a WAL grown large is cut back when it restarts.
      db.pragma('journal_size_limit = 67108864');
      db.pragma('wal_autocheckpoint = 0');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      component TEXT NOT NULL,
      id TEXT NOT NULL,
      applied_at INTEGER NOT NULL,
      PRIMARY KEY (component, id)
    )`);
    appliedIds = db.prepare('SELECT id FROM schema_migrations WHERE component = ?').pluck();
    record = db.prepare(
      'INSERT INTO schema_migrations (component, id, applied_at) VALUES (?, ?, ?)',
    );
  } catch (err) {
    db.close();
    throw err;
  }
  let checkpointer: Checkpointer | undefined;
  // After a write: the checkpoint the worker could not finish, when it is due
  // (a shared-memory load otherwise). On this connection, between two writes,
  // it copies the few frames left; the next write starts the WAL over.
  const catchUp = () => {
    // Inside a transaction nothing can be checkpointed: its commit checks once.
    if (db.inTransaction || !db.open || !checkpointer?.due()) return;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy: the worker is mid-checkpoint; due() again after its next one.
    }
  };
  if (file) {
    // Every writing statement checks after it runs, so no component can forget
    // to (a bare statement commits by itself, outside transaction()). SQLite
    // says which write (readonly false), RETURNING ones too, which run through
    // get() or all(). Not iterate(): its rows come later, while it holds the
    // connection, so a check right after the call could not checkpoint.
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      const statement = prepare(sql);
      if (!statement.readonly) {
        for (const method of ['run', 'get', 'all'] as const) {
          const call = statement[method] as (...args: unknown[]) => unknown;
          statement[method] = function (this: Database.Statement, ...args: unknown[]) {
            const result = call.apply(this, args);
            catchUp();
            return result;
          } as never;
        }
      }
      return statement;
    }) as typeof db.prepare;
    checkpointer = startCheckpointer({
      file,
      synchronous,
      ...(options.maxWalPages !== undefined ? { maxWalPages: options.maxWalPages } : {}),
      ...(options.checkpointIntervalMs !== undefined
        ? { intervalMs: options.checkpointIntervalMs }
        : {}),
      onError: (err) => {
        checkpointer = undefined;
        if (db.open) db.pragma('wal_autocheckpoint = 1000');
        process.emitWarning(`${err.message}; back to checkpoints in the commit`, 'QueueflowStore');
      },
    });
  }

  // Built once: better-sqlite3 makes a new wrapper per db.transaction() call, and
  // every engine transition and queue operation goes through here.
  const runImmediate = db.transaction((fn: () => unknown) => fn());

  // Hooks of the open transaction() calls, outermost first; a savepoint that
  // rolls back drops (and runs the rollback side of) the hooks it added.
  let depth = 0;
  const hooks: Array<{ onCommit: () => void; onRollback: (() => void) | undefined }> = [];
  const undo = (from: number) => {
    for (const h of hooks.splice(from).reverse()) h.onRollback?.();
  };

  return {
    db,
    file,
    dataDir,
    migrate(component, migrations) {
      const seen = new Set<string>();
      for (const m of migrations) {
        if (seen.has(m.id)) throw new Error(`duplicate migration id ${component}/${m.id}`);
        seen.add(m.id);
      }
      // A database a newer queueflow has migrated has tables this one does not know.
      const done = new Set(appliedIds.all(component) as string[]);
      const unknown = [...done].filter((id) => !seen.has(id));
      if (unknown.length > 0) {
        throw new Error(
          `${file ?? 'the database'} was written by a newer queueflow (migration ${component}/${unknown[0]} is unknown to this version): upgrade queueflow`,
        );
      }
      for (const m of migrations) {
        if (done.has(m.id)) continue;
        db.transaction(() => {
          db.exec(m.sql);
          record.run(component, m.id, Date.now());
        }).immediate();
      }
    },
    transaction(fn) {
      const mark = hooks.length;
      depth++;
      let result: ReturnType<typeof fn>;
      try {
        result = runImmediate.immediate(fn) as ReturnType<typeof fn>;
      } catch (err) {
        undo(mark);
        throw err;
      } finally {
        depth--;
      }
      if (depth === 0) {
        // Committed: run the hooks in registration order. One that throws cannot
        // undo the commit and must not starve the others: it becomes a warning.
        for (const h of hooks.splice(0)) {
          try {
            h.onCommit();
          } catch (err) {
            process.emitWarning(err instanceof Error ? err : String(err), 'QueueflowStoreHook');
          }
        }
        catchUp();
      }
      return result;
    },
    afterCommit(onCommit, onRollback) {
      if (depth === 0 || !db.inTransaction) return false;
      hooks.push({ onCommit, onRollback });
      return true;
    },
    close() {
      // The worker's connection closes first, so this one is the last: its close
      // folds the WAL back into the database file and removes it.
      try {
        checkpointer?.close();
        checkpointer = undefined;
        if (db.open) db.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/**
 * Refuses a database that is not queueflow's: another application's SQLite
 * file would get queueflow's tables added to it. A new or empty file is
 * stamped with queueflow's application_id; one from before the stamp is
 * recognised by its migrations table.
 */
function checkOwnDatabase(db: Database.Database, file: string): void {
  const problem = ownershipProblem(db, file);
  if (problem) throw new Error(problem);
  if ((db.pragma('application_id', { simple: true }) as number) !== APPLICATION_ID) {
    db.pragma(`application_id = ${APPLICATION_ID}`);
  }
}

/**
 * Why the database open on `db` is not queueflow's, or undefined when it is
 * (stamped, from before the stamp, or new and empty). Reads only.
 */
export function ownershipProblem(db: Database.Database, file: string): string | undefined {
  const id = db.pragma('application_id', { simple: true }) as number;
  if (id === APPLICATION_ID) return undefined;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{
    name: string;
  }>;
  const ours = tables.some((t) => t.name === 'schema_migrations');
  return id !== 0 || (tables.length > 0 && !ours)
    ? `${file} is a SQLite database of another application, not queueflow's`
    : undefined;
}
