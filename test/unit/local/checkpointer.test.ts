import { existsSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../../local/store/checkpointer';
import { openStore } from '../../../local/store/store';
import { eventually } from '../../support/eventually';
import { useTempDirs } from '../../support/temp-dirs';

const temp = useTempDirs('qf-ckpt-');

const ROW = 'x'.repeat(1000);

describe('WAL checkpoints off the request thread', () => {
  it('never checkpoints inside a commit, and still copies the WAL into the database in the background', async () => {
    const dir = temp();
    const store = openStore({ dataDir: dir });
    try {
      expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      store.db.exec('CREATE TABLE t (x TEXT)');
      const before = statSync(store.file!).size;
      const insert = store.db.prepare('INSERT INTO t (x) VALUES (?)');
      // ~2 MB through the WAL in separate commits; with automatic checkpoints
      // off, only the worker can move these pages into the database file.
      for (let i = 0; i < 2000; i++) insert.run(ROW);
      await eventually(
        () => statSync(store.file!).size > before + 1_000_000,
        'the database file has the rows',
      );
    } finally {
      store.close();
    }
  });

  it('leaves no WAL behind on close, and every committed row is there on reopening', () => {
    const dir = temp();
    const first = openStore({ dataDir: dir });
    first.db.exec('CREATE TABLE t (x TEXT)');
    const insert = first.db.prepare('INSERT INTO t (x) VALUES (?)');
    for (let i = 0; i < 500; i++) insert.run(ROW);
    first.close();
    expect(existsSync(join(dir, 'queueflow.db-wal'))).toBe(false);
    const second = openStore({ dataDir: dir });
    expect(second.db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 500 });
    second.close();
  });

  it('keeps the WAL bounded while its owner writes without ever yielding', () => {
    const dir = temp();
    const store = openStore({ dataDir: dir, maxWalPages: 50, checkpointIntervalMs: 5 });
    try {
      // A WAL started over is cut back to this (0 here, so the file shows it).
      store.db.pragma('journal_size_limit = 0');
      store.db.exec('CREATE TABLE t (x TEXT)');
      const insert = store.db.prepare('INSERT INTO t (x) VALUES (?)');
      const wal = () => statSync(`${store.file}-wal`).size;
      // Synchronous writes only, as in a burst of in-process API calls: this
      // thread's loop never turns, so no message from the worker can reach it.
      const returning = store.db.prepare(
        '/* a comment first */ INSERT INTO t (x) VALUES (?) RETURNING rowid',
      );
      const writes = [
        () => store.transaction(() => insert.run(ROW)),
        () => insert.run(ROW), // a bare statement: its run() checks by itself
        // A nested transaction (a savepoint): the check comes once the outer one commits.
        () => store.transaction(() => store.transaction(() => insert.run(ROW))),
        () => returning.get(ROW), // a write SQLite calls a reader (RETURNING)
      ];
      const shrankWith = new Set<number>();
      for (const [kind, write] of writes.entries()) {
        let largest = wal();
        for (let i = 0; i < 20_000 && !shrankWith.has(kind); i++) {
          write();
          const size = wal();
          if (size < largest) shrankWith.add(kind);
          largest = Math.max(largest, size);
        }
      }
      expect([...shrankWith]).toEqual([0, 1, 2, 3]);
    } finally {
      store.close();
    }
  });

  it('says a checkpoint is due once per worker checkpoint while the WAL is past the cap', async () => {
    const dir = temp();
    const file = join(dir, 'a.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (x TEXT)');
    // A reader holding its snapshot keeps every checkpoint from copying past it:
    // the WAL only grows, and the owner is told again after each of the worker's tries.
    const reader = new Database(file);
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM t').get();
    const ckpt = startCheckpointer({
      file,
      synchronous: 'NORMAL',
      intervalMs: 10,
      maxWalPages: 20,
      onError: (err) => {
        throw err;
      },
    });
    try {
      expect(ckpt.due()).toBe(false);
      const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
      for (let i = 0; i < 200; i++) insert.run(ROW);
      await eventually(() => ckpt.due(), 'a checkpoint is due');
      expect(ckpt.due()).toBe(false); // not again before the worker's next checkpoint
      await eventually(() => ckpt.due(), 'due again after the next one');
    } finally {
      ckpt.close();
      reader.exec('COMMIT');
      reader.close();
      db.close();
    }
  });

  it('reports a worker that cannot open the database, so the owner can fall back', async () => {
    const dir = temp();
    let failure: Error | undefined;
    const ckpt = startCheckpointer({
      file: join(dir, 'missing.db'),
      synchronous: 'NORMAL',
      onError: (err) => {
        failure = err;
      },
    });
    try {
      const err = await eventually(() => failure, 'the failure was reported');
      expect(err.message).toMatch(/WAL checkpointer: .*(unable to open|does not exist)/i);
    } finally {
      ckpt.close();
    }
  });
  it.runIf(existsSync('/proc/self/fd'))(
    'closes its own connection after a failed checkpoint, since the owner falls back and never closes it',
    async () => {
      const dir = temp();
      // Opens fine (SQLite reads nothing yet); the first checkpoint then fails.
      const file = join(dir, 'not-a-database.db');
      writeFileSync(file, 'plain text, not SQLite '.repeat(500));
      const openHere = () =>
        readdirSync('/proc/self/fd').some((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`) === file;
          } catch {
            return false; // closed while listing
          }
        });
      let failure: Error | undefined;
      const ckpt = startCheckpointer({
        file,
        synchronous: 'NORMAL',
        intervalMs: 10,
        onError: (err) => {
          failure = err;
        },
      });
      try {
        const err = await eventually(() => failure, 'the failure was reported');
        expect(err.message).toMatch(/not a database/);
        // As the store does on error: no close() from the owner.
        await eventually(() => !openHere(), 'the worker closed its connection to the file');
      } finally {
        ckpt.close();
      }
    },
  );
});
