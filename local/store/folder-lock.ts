import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { privateFile, UnsafeFileError, writePrivateFile } from './private-files';

/** The lock in a data folder (a tiny SQLite file held exclusively): one running stack per folder. */
export const LOCK_FILE = 'queueflow.lock';
/** Who holds the lock, for the refusal's message (plain JSON, informational only). */
export const LOCK_INFO_FILE = 'queueflow.lock.json';

/** Raised when another stack (in this process or another) holds the data folder. */
export class DataFolderInUseError extends Error {
  override readonly name = 'DataFolderInUseError';
  readonly code = 'DataFolderInUse';
  readonly retryable = false;
  constructor(
    readonly dataDir: string,
    readonly holder: { pid: number; since: string } | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `the data folder ${dataDir} is in use by another queueflow` +
        (holder ? ` (pid ${holder.pid}, since ${holder.since})` : '') +
        '; stop that one, or pass another --data-dir (two stacks on one folder would both run its executions and timers)',
      options,
    );
  }
}

/** A held lock; `release()` lets the folder go. */
export interface FolderLock {
  release(): void;
}

function readHolder(dataDir: string): { pid: number; since: string } | undefined {
  try {
    const v = JSON.parse(readFileSync(join(dataDir, LOCK_INFO_FILE), 'utf8')) as {
      pid?: unknown;
      since?: unknown;
    };
    return typeof v.pid === 'number' ? { pid: v.pid, since: String(v.since ?? '?') } : undefined;
  } catch {
    return undefined;
  }
}

const codeOf = (err: unknown) => String((err as { code?: unknown }).code ?? '');

/**
 * Takes the data folder for this process. The lock is a lock the operating
 * system holds: `queueflow.lock` is a SQLite file opened in exclusive locking
 * mode and written once, so its lock stays with this connection until it
 * closes, or the process dies (crash, SIGKILL, a restarted container) and the
 * OS drops it. Nothing is stale to clean up, no pid is guessed at, and two
 * starters racing for the folder cannot both win. A second stack, in this
 * process too, is refused with DataFolderInUseError. The database file itself
 * would allow two writers; the engines on top would not, since both would
 * drive every execution and fire every timer.
 */
export function lockDataFolder(dataDir: string): FolderLock {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    privateFile(file);
    privateFile(`${file}-journal`, false); // left by a stack killed mid-write
    const db = new Database(file, { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec(
        'CREATE TABLE IF NOT EXISTS holder (pid INTEGER, since TEXT); DELETE FROM holder; ' +
          `INSERT INTO holder VALUES (${process.pid}, '${new Date().toISOString()}')`,
      );
    } catch (err) {
      db.close();
      const code = codeOf(err);
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        throw new DataFolderInUseError(dataDir, readHolder(dataDir), { cause: err });
      }
      // Not a database (a lock file from an older queueflow, or garbage): it
      // holds no lock, so it can go.
      if (code === 'SQLITE_NOTADB' && attempt === 0) {
        rmSync(file, { force: true });
        continue;
      }
      throw err;
    }
    const since = new Date().toISOString();
    try {
      writePrivateFile(join(dataDir, LOCK_INFO_FILE), JSON.stringify({ pid: process.pid, since }));
    } catch (err) {
      // Informational only; the lock holds without it. But a file planted there is refused.
      if (err instanceof UnsafeFileError) {
        db.close();
        throw err;
      }
    }
    return {
      release() {
        if (!db.open) return;
        const holder = readHolder(dataDir);
        if (holder?.pid === process.pid && holder.since === since) {
          rmSync(join(dataDir, LOCK_INFO_FILE), { force: true });
        }
        db.close();
      },
    };
  }
}
