import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import type { createQueueService } from '../../../local/mns';
import { MNS_MIGRATIONS } from '../../../local/mns/schema';
import { openStore, type Store } from '../../../local/store/store';
import { buildQueueService } from '../../support/queue-service';
import { useTempDirs } from '../../support/temp-dirs';

// Receivable messages are stored with visible_at 0 and walked through an index of
// those alone (MNS_MIGRATIONS 004); a message whose delay or visibility window
// ends is marked so by the next receive or peek of its queue. These tests hold
// the receive order and the marking to MNS's rules: priority, then send order,
// among the messages visible now.
const temp = useTempDirs('qf-ready-');
let store: Store;
let clock: VirtualClock;
let queues: ReturnType<typeof createQueueService>;

const build = () => buildQueueService(store, clock);

beforeEach(() => {
  store = openStore({ memory: true });
  clock = new VirtualClock();
  queues = build();
  queues.createQueue('q', { VisibilityTimeout: 30 });
});
afterEach(() => {
  queues.stop();
  store.close();
});

const receive = async (max: number) =>
  (await queues.receiveMessages('q', { max, waitSeconds: 0 })).map((m) => m.body);

describe('receive order across delays and visibility windows', () => {
  it('puts a message whose delay ended ahead of older ones of a lower priority', async () => {
    queues.sendMessage('q', { body: 'now-p8', priority: 8 });
    queues.sendMessage('q', { body: 'delayed-p1', priority: 1, delaySeconds: 10 });
    expect(await receive(16)).toEqual(['now-p8']);
    await clock.advance(30_000);
    // now-p8's window ended too: both are back, priority first.
    expect(await receive(16)).toEqual(['delayed-p1', 'now-p8']);
  });

  it('gives a message back after its visibility window in send order, before newer ones', async () => {
    queues.sendMessage('q', { body: 'first' });
    expect(await receive(1)).toEqual(['first']);
    queues.sendMessage('q', { body: 'second' });
    await clock.advance(30_000);
    expect(await receive(16)).toEqual(['first', 'second']);
  });

  it('peeks a message whose delay ended, and a receive then takes it', async () => {
    queues.sendMessage('q', { body: 'later', delaySeconds: 5 });
    expect(queues.peekMessages('q', 16)).toEqual([]);
    await clock.advance(5_000);
    expect(queues.peekMessages('q', 16).map((m) => m.body)).toEqual(['later']);
    expect(await receive(16)).toEqual(['later']);
  });

  it('still finds a message whose marking was rolled back with the transaction around it', async () => {
    queues.sendMessage('q', { body: 'delayed', delaySeconds: 5 });
    await clock.advance(5_000);
    expect(() =>
      store.transaction(() => {
        expect(queues.peekMessages('q', 1).map((m) => m.body)).toEqual(['delayed']);
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(await receive(1)).toEqual(['delayed']);
  });

  it('still finds a message after two looks inside a transaction that rolled back', async () => {
    queues.sendMessage('q', { body: 'delayed', delaySeconds: 5 });
    await clock.advance(5_000);
    expect(() =>
      store.transaction(() => {
        queues.peekMessages('q', 1);
        queues.peekMessages('q', 1);
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(await receive(1)).toEqual(['delayed']);
  });

  it('gives back a message whose delete inside a transaction rolled back, when its window ends', async () => {
    // m0's short window leaves the service a bound that is due by the look below.
    queues.sendMessage('q', { body: 'm0' });
    const [m0] = await queues.receiveMessages('q', {
      max: 1,
      waitSeconds: 0,
      visibilityTimeout: 1,
    });
    queues.deleteMessage('q', m0?.receiptHandle ?? '');
    queues.sendMessage('q', { body: 'm1' });
    const [m1] = await queues.receiveMessages('q', { max: 1, waitSeconds: 0 });
    await clock.advance(2_000);
    expect(() =>
      store.transaction(() => {
        queues.deleteMessage('q', m1?.receiptHandle ?? '');
        queues.peekMessages('q', 1);
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    await clock.advance(30_000);
    expect(await receive(1)).toEqual(['m1']);
  });

  it('counts messages as active, in flight and delayed whatever their marking', async () => {
    queues.sendMessage('q', { body: 'a' });
    queues.sendMessage('q', { body: 'b' });
    queues.sendMessage('q', { body: 'c', delaySeconds: 60 });
    await receive(1);
    const counts = () => {
      const c = queues.stats('q');
      return [c.active, c.inflight, c.delayed];
    };
    expect(counts()).toEqual([1, 1, 1]);
    // a's window ended, not yet marked by a receive: active all the same.
    await clock.advance(30_000);
    expect(counts()).toEqual([2, 0, 1]);
  });
});

describe('a queue table from before the receivable index', () => {
  it('receives the messages it held in priority order once migrated', async () => {
    const dir = temp();
    const old = openStore({ dataDir: dir });
    old.migrate(
      'mns',
      MNS_MIGRATIONS.filter((m) => m.id !== '004-ready-index'),
    );
    old.db
      .prepare(
        `INSERT INTO mns_queues (name, delay_seconds, maximum_message_size, message_retention_period,
           visibility_timeout, polling_wait_seconds, logging_enabled, create_time, last_modify_time)
         VALUES ('old', 0, 65536, 345600, 30, 0, 0, 1, 1)`,
      )
      .run();
    const insert = old.db.prepare(
      `INSERT INTO mns_messages (queue, message_id, body, body_md5, priority, enqueue_time,
         visible_at, expires_at) VALUES ('old', ?, ?, 'md5', ?, 1, ?, 9e15)`,
    );
    // Stored as that version stored them: visible from their send time on.
    insert.run('m1', 'sent-p8', 8, clock.now() - 2_000);
    insert.run('m2', 'sent-p2', 2, clock.now() - 1_000);
    insert.run('m3', 'future', 1, clock.now() + 60_000);
    old.close();

    queues.stop();
    store.close();
    store = openStore({ dataDir: dir });
    queues = build();
    const got = await queues.receiveMessages('old', { max: 16, waitSeconds: 0 });
    expect(got.map((m) => m.body)).toEqual(['sent-p2', 'sent-p8']);
  });
});
