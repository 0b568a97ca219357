import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { createSecretLookup } from '../../../local/credentials';
import { createFlowCore } from '../../../local/flow/core';
import { silentLogger } from '../../../local/log';
import { openStore } from '../../../local/store/store';

function coreOnMemory() {
  const store = openStore({ memory: true });
  const core = createFlowCore(
    {
      store,
      clock: new VirtualClock(0),
      logger: silentLogger,
      accountId: '1',
      region: 'cn-hangzhou',
      secrets: createSecretLookup(),
      relaxLimits: false,
    },
    {
      queues: {
        sendMessage: () => {
          throw new Error('no queue in this test');
        },
      },
    },
  );
  store.db.exec('CREATE TABLE commits (n INTEGER)');
  const commitsSeen = () =>
    store.db.prepare('SELECT COUNT(*) AS c FROM commits').get() as { c: number };
  return { store, core, commitsSeen };
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe('group commit of reports', () => {
  it('runs a lone call at once, on its own, without waiting for the next turn', async () => {
    const { store, core } = coreOnMemory();
    let ran = false;
    const done = core.batched(() => {
      ran = true;
      // No outer transaction: the call's own transition is the commit.
      return store.db.inTransaction;
    });
    expect(ran).toBe(true);
    await expect(done).resolves.toBe(false);
    store.close();
  });

  it('runs the calls that follow in the same turn together in one later transaction', async () => {
    const { store, core } = coreOnMemory();
    const order: string[] = [];
    const inTxn: boolean[] = [];
    const call = (name: string) =>
      core.batched(() => {
        order.push(name);
        inTxn.push(store.db.inTransaction);
        return name;
      });
    const first = call('a');
    expect(order).toEqual(['a']);
    const rest = [call('b'), call('c'), call('d')];
    expect(order).toEqual(['a']);
    await nextTurn();
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    await expect(Promise.all([first, ...rest])).resolves.toEqual(['a', 'b', 'c', 'd']);
    expect(inTxn).toEqual([false, true, true, true]);
    store.close();
  });

  it('rejects only the refused call of a deferred group and keeps the others', async () => {
    const { store, core, commitsSeen } = coreOnMemory();
    const write = (n: number) => () => {
      store.db.prepare('INSERT INTO commits (n) VALUES (?)').run(n);
      return n;
    };
    const first = core.batched(write(1));
    const ok = core.batched(write(2));
    // Each report is its own transition (a savepoint inside the group), as in the engine.
    const refused = core.batched(() =>
      core.atomically(() => {
        store.db.prepare('INSERT INTO commits (n) VALUES (?)').run(99);
        throw new Error('refused');
      }),
    );
    const last = core.batched(write(3));
    const results = await Promise.allSettled([first, ok, refused, last]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(commitsSeen().c).toBe(3);
    store.close();
  });

  it('starts a new group in the next turn: its first call commits at once again', async () => {
    const { store, core } = coreOnMemory();
    await core.batched(() => 1);
    await Promise.all([core.batched(() => 2), core.batched(() => 3)]);
    await nextTurn();
    let ran = false;
    const p = core.batched(() => {
      ran = true;
    });
    expect(ran).toBe(true);
    await p;
    store.close();
  });
});
