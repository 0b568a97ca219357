import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the thread that serves requests. SQLite's automatic
 * checkpoint runs inside the commit that pushes the WAL past 1,000 pages: that
 * request then copies ~4 MB into the database file and waits for two fsyncs
 * (milliseconds on a VM disk), once every hundred or so queue messages. Here a
 * worker thread with its own connection runs PASSIVE checkpoints instead, which
 * never block the writer. Under writes so steady that the worker never catches
 * up completely (the WAL restarts only once fully copied), the owner runs one
 * checkpoint itself, between two of its writes, when the WAL is past
 * `maxWalPages`: by then the worker has copied nearly all of it, so that one is
 * short, and the owner's next write starts the WAL over. The worker publishes
 * the WAL's size in shared memory after each checkpoint, and the owner reads it
 * after its writes (`due()`): no message to wait for, so this also works while
 * the owner writes without ever yielding (a synchronous burst of in-process
 * API calls), which a message never reached.
 */
export interface Checkpointer {
  /**
   * True when the WAL was past `maxWalPages` at the worker's last checkpoint
   * and the owner has not tried since then: the owner should run one now,
   * outside a transaction. One load from shared memory when not due.
   */
  due(): boolean;
  /** Stops the worker and closes its connection (waits up to 2 s). */
  close(): void;
}

/** How the store's owner is told to catch up a WAL the worker could not finish. */
export interface CheckpointerOptions {
  file: string;
  /** The connection's `synchronous` setting, so checkpoints sync as commits do. */
  synchronous: 'NORMAL' | 'FULL';
  /** Checkpoint attempts this often while the WAL takes writes (idle: backing off to 1 s). Default 200 ms. */
  intervalMs?: number;
  /** WAL size (pages) past which the owner checkpoints itself. Default 10,000 (~40 MB). */
  maxWalPages?: number;
  /** A worker failure: the owner should go back to automatic checkpoints. */
  onError: (err: Error) => void;
}

// Plain CommonJS, evaluated as the worker's script: it needs no file next to the
// CLI bundle. The driver is required by absolute path (resolved by the owner).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
// [0] the worker is done; [1] WAL frames at its last checkpoint; [2] checkpoints run.
const shared = new Int32Array(workerData.shared);
function signalDone() {
  Atomics.store(shared, 0, 1);
  Atomics.notify(shared, 0);
}
let db;
try {
  db = new Database(workerData.file, { fileMustExist: true });
  db.pragma('busy_timeout = 1000');
  db.pragma('synchronous = ' + workerData.synchronous);
} catch (err) {
  parentPort.postMessage({ type: 'error', message: String((err && err.message) || err) });
  signalDone();
}
if (db) run(db);
function run(db) {
  let timer;
  let last = -1;
  // Every intervalMs while the WAL takes writes; idle, the wait doubles up to a
  // second, so a quiet stack is not woken five times a second for nothing (and a
  // burst after a quiet spell waits at most a second for its first checkpoint).
  let wait = workerData.intervalMs;
  const tick = () => {
    try {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)');
      // log: the frames in the WAL now, for the owner's due().
      Atomics.store(shared, 1, r.log);
      Atomics.add(shared, 2, 1);
      const idle = r.log === last && r.checkpointed === r.log;
      last = r.log;
      wait = idle ? Math.min(wait * 2, Math.max(1000, workerData.intervalMs)) : workerData.intervalMs;
    } catch (err) {
      // SQLITE_BUSY: another checkpoint is running; the next tick tries again.
      if (!/busy|locked/i.test(String(err && err.message))) {
        parentPort.postMessage({ type: 'error', message: String((err && err.message) || err) });
        return;
      }
    }
    timer = setTimeout(tick, wait);
  };
  timer = setTimeout(tick, wait);
  parentPort.on('message', (m) => {
    if (m !== 'close') return;
    clearTimeout(timer);
    try {
      db.close();
    } catch {}
    signalDone();
    parentPort.close();
  });
}
`;

/** Starts the checkpoint worker for a WAL database file. */
export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  const shared = new SharedArrayBuffer(12);
  const state = new Int32Array(shared);
  const maxWalPages = options.maxWalPages ?? 10_000;
  // The worker's checkpoint count when the owner last tried: once per checkpoint
  // at most, so a WAL a reader pins is not checkpointed after every write.
  let triedAt = -1;
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file: options.file,
      driver,
      shared,
      synchronous: options.synchronous,
      intervalMs: options.intervalMs ?? 200,
      maxWalPages,
    },
  });
  // Never keeps the process alive; the owner's close() ends it.
  worker.unref();
  let closed = false;
  let failed = false;
  const fail = (err: Error) => {
    if (closed || failed) return;
    failed = true;
    // A worker that reported a failed checkpoint is still running, with its
    // connection open: the owner drops this checkpointer on error and never
    // closes it, so it closes itself now (a no-op if it has already exited).
    worker.postMessage('close');
    options.onError(err);
  };
  worker.on('message', (m: { type: string; message?: string }) => {
    if (!closed && m.type === 'error') fail(new Error(`WAL checkpointer: ${m.message}`));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (!closed) fail(new Error(`WAL checkpointer exited (code ${code})`));
  });
  return {
    due() {
      if (closed || failed || Atomics.load(state, 1) <= maxWalPages) return false;
      const tick = Atomics.load(state, 2);
      if (tick === triedAt) return false;
      triedAt = tick;
      return true;
    },
    close() {
      if (closed) return;
      closed = true;
      if (Atomics.load(state, 0) === 1) return;
      worker.postMessage('close');
      // Synchronous on purpose: the store's close() is, and the owner's own
      // close must come after the worker's, so it is the last connection (the
      // one that folds the WAL back into the database and removes it).
      if (Atomics.wait(state, 0, 0, 2_000) === 'timed-out') {
        // Stuck (a checkpoint waiting on a lock): end the thread; its connection
        // goes with it, and the WAL stays for the next open to fold back.
        void worker.terminate();
      }
    },
  };
}
