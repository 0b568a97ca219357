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

  it('asks its owner to catch up once the WAL is past the cap, and again while it keeps growing', async () => {
    const dir = temp();
    const file = join(dir, 'a.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (x TEXT)');
    // A reader holding its snapshot keeps the worker from copying past it, as
    // steady writes do: the WAL only grows.
    const reader = new Database(file);
    const hold = reader.prepare('SELECT count(*) FROM t');
    reader.exec('BEGIN');
    hold.get();
    let caughtUp = 0;
    const ckpt = startCheckpointer({
      file,
      synchronous: 'NORMAL',
      intervalMs: 10,
      maxWalPages: 20,
      catchUp: () => {
        caughtUp++;
      },
      onError: (err) => {
        throw err;
      },
    });
    try {
      const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
      for (let i = 0; i < 200; i++) insert.run(ROW);
      await eventually(() => caughtUp > 0, 'the owner was asked to catch up');
      // The catch-up could not finish (the reader still pins the WAL): once the
      // WAL has grown by another cap, the owner is asked again.
      for (let i = 0; i < 200; i++) insert.run(ROW);
      await eventually(() => caughtUp > 1, 'the owner was asked again');
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
      catchUp: () => {},
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
        catchUp: () => {},
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
