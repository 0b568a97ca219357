import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE, openStore, ownershipProblem } from './store';

/** Sizes before and after a compaction, in bytes. */
export interface CompactResult {
  /** The database file and its WAL before. */
  beforeBytes: number;
  /** Of those, pages SQLite kept free for reuse (deleted rows' pages). */
  freeBytes: number;
  /** The database file after (the WAL is folded in and removed). */
  afterBytes: number;
}

/** Raised when the folder holds no queueflow database to compact. */
export class NoDatabaseError extends Error {
  override readonly name = 'NoDatabaseError';
  readonly code = 'NoDatabase';
  readonly retryable = false;
  constructor(readonly dataDir: string) {
    super(`there is no queueflow database in ${dataDir} (no ${DATABASE_FILE}): nothing to compact`);
  }
}

const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/**
 * Why `file` is not a queueflow database, or undefined when it is one. Read
 * only, before the folder is taken: a stranger's file is left as it was.
 */
function notOurs(file: string): string | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return ownershipProblem(db, file);
  } catch (err) {
    return `${file} cannot be read as a database (${err instanceof Error ? err.message : String(err)})`;
  } finally {
    db?.close();
  }
}

/**
 * Rewrites the database of a stopped stack's data folder without its free
 * pages (SQLite's VACUUM), so the file shrinks after `--retain-days` or
 * DeleteFlow freed space. Takes the folder's lock like a stack does: a running
 * stack's folder is refused with DataFolderInUseError, and a file that is not
 * queueflow's is left untouched. Needs free disk space of up to twice the
 * database while it runs (SQLite's copy, then the WAL that carries it back); a
 * crash midway leaves the old file whole (VACUUM is one transaction).
 */
export function compactDataFolder(dataDir: string): CompactResult {
  const dir = resolve(dataDir);
  const file = join(dir, DATABASE_FILE);
  const dbBytes = sizeOf(file);
  if (dbBytes === 0) throw new NoDatabaseError(dir);
  const stranger = notOurs(file);
  if (stranger) throw new Error(`${stranger}: nothing compacted`);
  const beforeBytes = dbBytes + sizeOf(`${file}-wal`);
  const store = openStore({ dataDir: dir });
  let freeBytes: number;
  try {
    const pageSize = store.db.pragma('page_size', { simple: true }) as number;
    freeBytes = (store.db.pragma('freelist_count', { simple: true }) as number) * pageSize;
    store.db.exec('VACUUM');
  } finally {
    store.close();
  }
  return { beforeBytes, freeBytes, afterBytes: sizeOf(file) + sizeOf(`${file}-wal`) };
}
