import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../local/store/store';
import { useTempDirs } from '../../support/temp-dirs';

const temp = useTempDirs('qf-store-');

describe('openStore', () => {
  it('applies each migration once, even across reopenings', () => {
    const dir = temp();
    const migrations = [
      { id: '001', sql: 'CREATE TABLE t (x INTEGER)' },
      { id: '002', sql: 'ALTER TABLE t ADD COLUMN y TEXT' },
    ];
    const first = openStore({ dataDir: dir });
    first.migrate('demo', migrations);
    first.db.prepare('INSERT INTO t (x, y) VALUES (1, ?)').run('a');
    first.close();

    const second = openStore({ dataDir: dir });
    second.migrate('demo', migrations);
    expect(second.db.prepare('SELECT x, y FROM t').all()).toEqual([{ x: 1, y: 'a' }]);
    expect(second.db.pragma('journal_mode', { simple: true })).toBe('wal');
    second.close();
  });

  it('refuses a database a newer queueflow has migrated, and leaves it as it was', () => {
    const dir = temp();
    const newer = openStore({ dataDir: dir });
    newer.migrate('demo', [
      { id: '001', sql: 'CREATE TABLE t (x INTEGER)' },
      { id: '002', sql: 'ALTER TABLE t ADD COLUMN y TEXT NOT NULL DEFAULT 1' },
    ]);
    newer.close();
    const older = openStore({ dataDir: dir });
    expect(() => older.migrate('demo', [{ id: '001', sql: 'CREATE TABLE t (x INTEGER)' }])).toThrow(
      /was written by a newer queueflow \(migration demo\/002 is unknown to this version\)/,
    );
    older.close();
  });

  it("refuses another application's SQLite file, a file that is not a database, and a data folder that is a file", async () => {
    const { default: Database } = await import('better-sqlite3');
    const foreign = temp();
    const other = new Database(join(foreign, 'queueflow.db'));
    other.exec('CREATE TABLE users (id INTEGER)');
    other.close();
    expect(() => openStore({ dataDir: foreign })).toThrow(
      /cannot use the data folder .*: .*queueflow\.db is a SQLite database of another application/,
    );
    const db = new Database(join(foreign, 'queueflow.db'), { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([
      { name: 'users' },
    ]);
    db.close();

    const garbage = temp();
    writeFileSync(join(garbage, 'queueflow.db'), 'not a database at all, just bytes '.repeat(200));
    expect(() => openStore({ dataDir: garbage })).toThrow(
      /cannot use the data folder .*: file is not a database\. Pass another --data-dir/,
    );

    const file = join(temp(), 'a-file');
    writeFileSync(file, 'x');
    expect(() => openStore({ dataDir: file })).toThrow(
      /cannot use the data folder .*a-file: it is a file, not a folder/,
    );
    expect(() => openStore({ dataDir: '' })).toThrow(/the data folder is empty/);

    // The lock cannot be made (a read-only folder for most users; here its file is a folder).
    const unlockable = temp();
    mkdirSync(join(unlockable, 'queueflow.lock'));
    expect(() => openStore({ dataDir: unlockable })).toThrow(
      /cannot use the data folder .*: .*queueflow\.lock is not a plain file\. Pass another --data-dir/,
    );
  });

  it('rolls back a migration that fails and records nothing', () => {
    const store = openStore({ memory: true });
    expect(() =>
      store.migrate('demo', [{ id: '001', sql: 'CREATE TABLE a (x); CREATE TABLE a (x);' }]),
    ).toThrow(/already exists/);
    expect(store.db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: 0 });
    store.close();
  });

  it('rejects duplicate migration ids', () => {
    const store = openStore({ memory: true });
    expect(() =>
      store.migrate('demo', [
        { id: '001', sql: 'SELECT 1' },
        { id: '001', sql: 'SELECT 2' },
      ]),
    ).toThrow(/duplicate migration id demo\/001/);
    store.close();
  });
});

describe('store.afterCommit', () => {
  const open = () => {
    const store = openStore({ memory: true });
    store.db.exec('CREATE TABLE t (x INTEGER)');
    return store;
  };

  it('runs hooks after the outermost transaction commits, in order, and only then', () => {
    const store = open();
    const seen: string[] = [];
    store.transaction(() => {
      store.db.prepare('INSERT INTO t VALUES (1)').run();
      expect(store.afterCommit(() => seen.push(`a ${store.db.inTransaction}`))).toBe(true);
      store.transaction(() => {
        store.afterCommit(() => seen.push('b'));
      });
      seen.push('body done');
    });
    expect(seen).toEqual(['body done', 'a false', 'b']);
    store.close();
  });

  it('drops the hooks of a rolled-back savepoint (running their rollback side) and keeps the rest', () => {
    const store = open();
    const seen: string[] = [];
    store.transaction(() => {
      store.afterCommit(() => seen.push('kept'));
      expect(() =>
        store.transaction(() => {
          store.afterCommit(
            () => seen.push('dropped ran'),
            () => seen.push('dropped rolled back'),
          );
          throw new Error('inner fails');
        }),
      ).toThrow('inner fails');
    });
    expect(seen).toEqual(['dropped rolled back', 'kept']);
    store.close();
  });

  it('runs no commit hook when the whole transaction rolls back', () => {
    const store = open();
    const seen: string[] = [];
    expect(() =>
      store.transaction(() => {
        store.afterCommit(
          () => seen.push('ran'),
          () => seen.push('rolled back'),
        );
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(seen).toEqual(['rolled back']);
    // The next transaction starts clean.
    store.transaction(() => store.afterCommit(() => seen.push('next')));
    expect(seen).toEqual(['rolled back', 'next']);
    store.close();
  });

  it('registers nothing outside a transaction() (a raw db.transaction commits unseen)', () => {
    const store = open();
    expect(store.afterCommit(() => {})).toBe(false);
    const inRaw = store.db.transaction(() => store.afterCommit(() => {}));
    expect(inRaw()).toBe(false);
    store.close();
  });

  it('turns a throwing hook into a warning and still runs the others', async () => {
    const store = open();
    const seen: string[] = [];
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      store.transaction(() => {
        store.afterCommit(() => {
          throw new Error('hook bug');
        });
        store.afterCommit(() => seen.push('second'));
      });
      expect(seen).toEqual(['second']);
      // process.emitWarning delivers on a later tick.
      await new Promise((r) => setImmediate(r));
      expect(warnings).toContain('hook bug');
    } finally {
      process.off('warning', onWarning);
      store.close();
    }
  });
});
