import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../local/store/store';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('openStore', () => {
  it('applies each migration once, even across reopenings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-store-'));
    dirs.push(dir);
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
