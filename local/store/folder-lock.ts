import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The lock file in a data folder: one running stack per folder. */
export const LOCK_FILE = 'queueflow.lock';

/** Raised when another live process holds the data folder. */
export class DataFolderInUseError extends Error {
  override readonly name = 'DataFolderInUseError';
  readonly code = 'DataFolderInUse';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly since: string,
  ) {
    super(
      `the data folder ${dataDir} is in use by another queueflow (pid ${pid}, since ${since}); ` +
        'stop that one, or pass another --data-dir (two stacks on one folder would both run its executions and timers)',
    );
  }
}

/** A held lock; `release()` removes the file if it is still this process's. */
export interface FolderLock {
  release(): void;
}

interface LockContent {
  pid: number;
  since: string;
}

function read(file: string): LockContent | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
    return typeof v.pid === 'number' ? { pid: v.pid, since: String(v.since ?? '?') } : undefined;
  } catch {
    return undefined; // gone, or half-written by a process that died mid-write
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else; it is alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data folder for this process: creates `queueflow.lock` exclusively
 * with this pid. A lock left by a process that is gone (killed, crashed) is
 * taken over; one held by a live process, this one included (a second stack in
 * the same process), is refused with DataFolderInUseError. The SQLite file
 * itself would allow two writers; the engines on top would not, since both
 * would drive every execution and fire every timer.
 */
export function lockDataFolder(dataDir: string): FolderLock {
  const file = join(dataDir, LOCK_FILE);
  const mine: LockContent = { pid: process.pid, since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, JSON.stringify(mine));
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
      const holder = read(file);
      if (holder && alive(holder.pid)) {
        throw new DataFolderInUseError(dataDir, holder.pid, holder.since);
      }
      // Stale (its process is gone) or unreadable: remove it, unless it changed
      // since it was read (another starter took it over first), and try again.
      const now = read(file);
      if (now?.pid === holder?.pid && now?.since === holder?.since) rmSync(file, { force: true });
    }
  }
  return {
    release() {
      const holder = read(file);
      if (holder?.pid === mine.pid && holder.since === mine.since) rmSync(file, { force: true });
    },
  };
}
