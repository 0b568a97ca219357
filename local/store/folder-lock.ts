import { closeSync, openSync, readFileSync, realpathSync, rmSync, writeSync } from 'node:fs';
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
        'stop that one, or pass another --data-dir (two stacks on one folder would both run its executions and timers); ' +
        `if pid ${pid} is not a queueflow, remove ${join(dataDir, LOCK_FILE)}`,
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
  /** Linux: the process's start time in clock ticks (/proc/<pid>/stat), to tell a reused pid. */
  started?: number;
}

// Folders this process holds now (by real path, so a symlink or another spelling
// of a held folder is still known): the same pid in a lock file is either one of
// these, or a previous process that had this pid (a restarted container's pid 1).
const heldHere = new Set<string>();

/** The start time of `pid` where /proc has it (Linux), else undefined. */
function startTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function read(file: string): LockContent | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
    if (typeof v.pid !== 'number') return undefined;
    return {
      pid: v.pid,
      since: String(v.since ?? '?'),
      ...(typeof v.started === 'number' ? { started: v.started } : {}),
    };
  } catch {
    return undefined; // gone, or half-written by a process that died mid-write
  }
}

/** Whether the process that wrote `holder` still runs (and is not a later one with its pid). */
function holderAlive(holder: LockContent, folder: string): boolean {
  if (holder.pid === process.pid) return heldHere.has(folder);
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else; it is alive.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTime(holder.pid);
  return holder.started === undefined || now === undefined || now === holder.started;
}

/**
 * Takes the data folder for this process: creates `queueflow.lock` exclusively
 * with this pid. A lock left by a process that is gone (killed, crashed) is
 * taken over, also when a new process got its pid (a restarted container's pid
 * 1; on Linux a reused pid is told by its start time); one held by a live
 * process, this one included (a second stack in the same process), is refused
 * with DataFolderInUseError. The SQLite file
 * itself would allow two writers; the engines on top would not, since both
 * would drive every execution and fire every timer.
 */
export function lockDataFolder(dataDir: string): FolderLock {
  const file = join(dataDir, LOCK_FILE);
  const folder = realpathSync.native(dataDir);
  const started = startTime(process.pid);
  const mine: LockContent = {
    pid: process.pid,
    since: new Date().toISOString(),
    ...(started === undefined ? {} : { started }),
  };
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
      if (holder && holderAlive(holder, folder)) {
        throw new DataFolderInUseError(dataDir, holder.pid, holder.since);
      }
      // Stale (its process is gone) or unreadable: remove it, unless it changed
      // since it was read (another starter took it over first), and try again.
      const now = read(file);
      if (now?.pid === holder?.pid && now?.since === holder?.since) rmSync(file, { force: true });
    }
  }
  heldHere.add(folder);
  return {
    release() {
      heldHere.delete(folder);
      const holder = read(file);
      if (holder?.pid === mine.pid && holder.since === mine.since) rmSync(file, { force: true });
    },
  };
}
