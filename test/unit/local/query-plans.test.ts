import { describe, expect, it } from 'vitest';
import { listExecutionsSql } from '../../../local/flow/repo';
import { FLOW_MIGRATIONS } from '../../../local/flow/schema';
import { readySql } from '../../../local/mns/queue-store';
import { MNS_MIGRATIONS } from '../../../local/mns/schema';
import { openStore, type Store } from '../../../local/store/store';
import { useTempDirs } from '../../support/temp-dirs';

// The statements whose cost must not grow with data the caller did not ask
// for: a page of executions, a receive stepping over messages, the queue's counts.
const temp = useTempDirs('qf-plans-');

function migrated(): Store {
  const store = openStore({ memory: true });
  store.migrate('mns', MNS_MIGRATIONS);
  store.migrate('flow', FLOW_MIGRATIONS);
  return store;
}

const plan = (store: Store, sql: string, args: unknown[]) =>
  (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>)
    .map((r) => r.detail)
    .join(' | ');

describe('query plans and row layout', () => {
  it('pages ListExecutions from an index, without sorting all of the flow', () => {
    const store = migrated();
    for (const [where, args] of [
      ['e.flow_id = ?', ['f']],
      ['e.flow_id = ? AND e.id <= ?', ['f', 10]],
      ['e.flow_id = ? AND e.id <= ? AND e.status = ?', ['f', 10, 'Succeeded']],
    ] as const) {
      const detail = plan(store, listExecutionsSql(where), [...args, 61]);
      expect(detail).toContain('flow_executions_by_flow');
      expect(detail).not.toContain('TEMP B-TREE');
    }
    store.close();
  });

  it('receives from an index of receivable messages alone, never stepping over delayed or in-flight ones', () => {
    const store = migrated();
    const detail = plan(store, readySql(16), ['q', 0]);
    expect(detail).toContain('USING INDEX mns_messages_ready (queue=?)');
    expect(detail).not.toContain('TEMP B-TREE');
    // The index holds only rows stored as receivable (visible_at 0).
    const sql = store.db
      .prepare("SELECT sql FROM sqlite_master WHERE name = 'mns_messages_ready'")
      .pluck()
      .get() as string;
    expect(sql).toMatch(/WHERE visible_at = 0$/);
    store.close();
  });

  it('keeps a message body as the last column, so filters on the others never read it', () => {
    const store = migrated();
    const columns = store.db.pragma('table_info(mns_messages)') as Array<{ name: string }>;
    expect(columns.at(-1)?.name).toBe('body');
    // A 64 KB body spills into overflow pages; the columns a receive filters on do not.
    store.close();
  });

  it('moves an older queue table to the new layout, keeping every message and the sequence', () => {
    const dir = temp();
    const old = openStore({ dataDir: dir });
    old.migrate('mns', MNS_MIGRATIONS.slice(0, 2));
    const insert = old.db.prepare(
      `INSERT INTO mns_messages (queue, message_id, body, body_md5, priority, enqueue_time,
         visible_at, expires_at, dequeue_count, first_dequeue_time, receipt)
       VALUES (?, ?, ?, 'md5', ?, 1, ?, 9e12, ?, ?, ?)`,
    );
    insert.run('q', 'm1', 'first <&>', 8, 5, 0, 0, null);
    insert.run('q', 'm2', 'x'.repeat(65_536), 1, 7, 2, 3, 'handle-2');
    insert.run('q', 'm3', 'deleted later', 8, 5, 0, 0, null);
    // The highest number is gone: the next message must not get it again (it is
    // in receipt handles a client may still hold).
    old.db.prepare("DELETE FROM mns_messages WHERE message_id = 'm3'").run();
    const before = old.db.prepare('SELECT * FROM mns_messages ORDER BY seq').all();
    old.close();

    const store = openStore({ dataDir: dir });
    store.migrate('mns', MNS_MIGRATIONS);
    expect(store.db.prepare('SELECT * FROM mns_messages ORDER BY seq').all()).toEqual(before);
    const next = store.db
      .prepare(
        `INSERT INTO mns_messages (queue, message_id, body, body_md5, priority, enqueue_time,
           visible_at, expires_at) VALUES ('q', 'm4', 'b', 'md5', 8, 1, 1, 9e12)`,
      )
      .run();
    expect(Number(next.lastInsertRowid)).toBe(4);
    const indexes = (
      store.db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'mns_messages'",
        )
        .all() as Array<{ name: string }>
    ).map((r) => r.name);
    expect(indexes.sort()).toEqual(['mns_messages_ready', 'mns_messages_visible']);
    store.close();
  });

  it('drops, on upgrade, the definitions an earlier pruning left without an execution', () => {
    const dir = temp();
    const old = openStore({ dataDir: dir });
    const upTo006 = FLOW_MIGRATIONS.slice(
      0,
      FLOW_MIGRATIONS.findIndex((m) => m.id === '007-executions-by-definition'),
    );
    old.migrate('flow', upTo006);
    old.db
      .prepare(
        "INSERT INTO flow_definitions (id, hash, definition) VALUES (1, 'a', 'used'), (2, 'b', 'orphan')",
      )
      .run();
    old.db
      .prepare(
        `INSERT INTO flow_executions (flow_id, flow_name, name, status, definition, definition_id, input, started_ms)
         VALUES ('f', 'f', 'e', 'Succeeded', '', 1, '{}', 0)`,
      )
      .run();
    old.close();
    const store = openStore({ dataDir: dir });
    store.migrate('flow', FLOW_MIGRATIONS);
    expect(store.db.prepare('SELECT definition FROM flow_definitions').all()).toEqual([
      { definition: 'used' },
    ]);
    store.close();
  });
});
