import type { StackContext } from '../stack';
import {
  checkDeadLetterPair,
  checkQueueName,
  checkRange,
  DEFAULT_ATTRIBUTES,
  MESSAGE_LIMITS,
  type QueueAttributes,
  sameAttributes,
  validateAttributes,
} from './attributes';
import { MnsError, outOfRange, ownDeadLetterQueue, queueError } from './errors';
import { bodyMD5, createMessageIdFactory, newReceiptHandle, parseReceiptHandle } from './ids';
import {
  createQueueStore,
  type MessageRow,
  type QueueRecord,
  toPeeked,
  toReceived,
} from './queue-store';
import { createMnsRoute } from './route';
import { MNS_MIGRATIONS } from './schema';
import type { QueueService, ReceivedMessage, SentMessage } from './types';
import { createWaiterRegistry } from './waiters';

/** Internal extras the HTTP route uses on top of the public API. */
export interface QueueServiceInternals {
  /**
   * BatchSendMessage: one transaction, each message failing on its own (its
   * MnsError in its place), parked receivers claimed for once after the inserts.
   */
  sendMessages(
    queue: string,
    msgs: ReadonlyArray<{ body: string; delaySeconds?: number; priority?: number } | MnsError>,
  ): Array<SentMessage | MnsError>;
  /** CreateQueue over HTTP: 201 created, 204 same attributes, 409 different. */
  createQueueStrict(name: string, attributes: Partial<QueueAttributes>): 'created' | 'exists';
  /** A receive whose wait is given in ms (HTTP ends long polls just before the client's timeout). */
  receive(
    queue: string,
    opts: {
      max: number;
      waitMs: number | undefined;
      visibilityTimeout?: number;
      signal?: AbortSignal;
      /** While parked, checked before messages are claimed for it: false skips it. */
      alive?: () => boolean;
      /**
       * Called synchronously with the messages whenever some are taken (found at
       * once or woken), before the promise settles: a long poll answers from here.
       */
      onMessages?: (messages: ReceivedMessage[]) => void;
    },
  ): Promise<ReceivedMessage[]>;
  listQueuesPage(opts: { marker: string; prefix: string; limit: number }): string[];
  /**
   * Moves a received message (by its current receipt handle) to another queue in
   * one transaction: the EventBridge trigger's dead-letter step. Same row move as
   * MaxReceiveCount dead-lettering (id and body kept); the DLQ's retention applies. Throws
   * QueueNotExist, or ReceiptHandleError / MessageNotExist for a stale handle;
   * either way nothing moves.
   */
  moveMessage(fromQueue: string, receiptHandle: string, toQueue: string): void;
}

/** Builds the queue service over the stack's store and clock. */
export function createQueueService(ctx: StackContext): QueueService & QueueServiceInternals {
  const { store, clock } = ctx;
  store.migrate('mns', MNS_MIGRATIONS);
  const q = createQueueStore(store.db);
  const newMessageId = createMessageIdFactory();
  const log = ctx.logger.child('mns');

  const waiters = createWaiterRegistry({
    clock,
    claim: (queue, max, vt) => claim(queue, max, vt),
    nextVisible: (queue) => q.nextVisible(queue, clock.now()),
  });

  let expiryTimer: { at: number; cancel(): void } | undefined;
  let stopped = false;

  function requireQueue(name: string): QueueRecord {
    const rec = q.getQueue(name);
    if (!rec) throw queueError('QueueNotExist', name);
    return rec;
  }

  // Retention: one Clock timer at the earliest expiry; expired rows are also
  // filtered out of every read, so the purge only reclaims space.
  function scheduleExpiry(at: number): void {
    if (stopped || (expiryTimer && expiryTimer.at <= at)) return;
    expiryTimer?.cancel();
    const cancel = clock.setTimer(at, () => {
      expiryTimer = undefined;
      const purged = q.purgeExpired(clock.now());
      if (purged > 0) log.debug('retention expired messages', { purged });
      // At most one purge a second: expired rows are invisible to reads anyway.
      const next = q.nextExpiry();
      if (next !== null) scheduleExpiry(Math.max(next, clock.now() + 1000));
    });
    expiryTimer = { at, cancel };
  }

  // Through the store's transaction, as every other write: a savepoint inside a
  // caller's transaction, and the store's WAL check after it commits.
  const claimFound = (...args: Parameters<typeof claimRows>) =>
    store.transaction(() => claimRows(...args));

  // Look before locking: a receive that finds nothing (every long poll parks
  // after one, and a send wakes a waiter only after a second finds nothing
  // left) then costs one SELECT, not BEGIN IMMEDIATE + SELECT + COMMIT. Safe
  // because this process is the store's only writer and JS runs one statement
  // at a time: the rows read are still there when the transaction begins.
  function claim(queue: string, max: number, vt: number | undefined): ReceivedMessage[] {
    requireQueue(queue);
    const now = clock.now();
    q.promoteDue(queue, now);
    const first = q.ready(queue, now, max);
    if (first.length === 0) return [];
    const { received, deadLettered } = claimFound(queue, max, vt, first, now);
    if (deadLettered !== undefined) wakeAfterCommit(deadLettered);
    return received;
  }

  /** Serves `queue`'s parked receivers once the current work is committed. */
  function wakeAfterCommit(queue: string): void {
    if (!store.db.inTransaction) waiters.notify(queue, false);
    else if (!store.afterCommit(() => waiters.notify(queue, false))) waiters.notify(queue, true);
  }

  function claimRows(
    queue: string,
    max: number,
    vt: number | undefined,
    first: MessageRow[],
    now: number,
  ): { received: ReceivedMessage[]; deadLettered?: string } {
    const rec = requireQueue(queue);
    const visibility = (vt ?? rec.attributes.VisibilityTimeout) * 1000;
    const { DeadLetterQueue: dlq, MaxReceiveCount: maxReceives } = rec.attributes;
    let dlqReady = false;
    const out: ReceivedMessage[] = [];
    let moved = 0;
    let rows = first;
    for (;;) {
      let movedNow = 0;
      for (const row of rows) {
        if (dlq !== null && maxReceives !== null && row.dequeue_count >= maxReceives) {
          // Deleted since it was named: made again, as setting the attribute does.
          if (!dlqReady) ensureDeadLetterQueue(rec.attributes);
          dlqReady = true;
          q.moveTo(row.seq, dlq);
          movedNow++;
          continue;
        }
        const receipt = newReceiptHandle(row.seq);
        q.markReceived(queue, row.seq, now + visibility, receipt, now);
        out.push(toReceived(row, receipt, now + visibility, now));
      }
      moved += movedNow;
      // Only a dead-letter move can leave room for more; otherwise one query is enough.
      if (movedNow === 0 || out.length >= max) break;
      rows = q.ready(queue, now, max - out.length);
    }
    if (out.length > 0) waiters.visibleAt(queue, now + visibility);
    if (moved === 0) return { received: out };
    q.countDeadLettered(queue, moved);
    return { received: out, deadLettered: dlq! };
  }

  /**
   * Stores a message for parked receivers and claims it for them in the commit
   * of the open `store.transaction()`; they get it right after that commit (a
   * rollback puts them back to waiting). False, with nothing stored, when no
   * such transaction is open (a raw db.transaction commits unseen).
   */
  function insertForWaiters(row: Parameters<typeof q.insertMessage>[0]): boolean {
    return claimAtCommit(row.queue, () => q.insertMessage(row));
  }

  /**
   * Claims for `queue`'s parked receivers inside the open `store.transaction()`
   * (after `storeRows`, if given, writes the rows), handing the messages over in its
   * commit hook and putting the receivers back to waiting on rollback. False,
   * with nothing done, when no such transaction is open.
   */
  function claimAtCommit(queue: string, storeRows?: () => void): boolean {
    let pending: ReturnType<typeof waiters.claimPending> | undefined;
    const registered = store.afterCommit(
      () => pending?.commit(),
      () => pending?.rollback(),
    );
    if (!registered) return false;
    storeRows?.();
    pending = waiters.claimPending(queue);
    return true;
  }

  // The common case is one statement (its own transaction); only a refused
  // delete reads the row to say why.
  function deleteMessage(queue: string, handle: string): void {
    requireQueue(queue);
    const seq = parseReceiptHandle(handle);
    if (seq === undefined) throw new MnsError('ReceiptHandleError');
    if (q.deleteByHandle(seq, queue, handle, clock.now())) return;
    findHandle(queue, handle);
    throw new MnsError('ReceiptHandleError');
  }

  function findHandle(queue: string, handle: string) {
    requireQueue(queue);
    const seq = parseReceiptHandle(handle);
    if (seq === undefined) throw new MnsError('ReceiptHandleError');
    const row = q.bySeq(seq);
    // Gone (deleted, expired): the message no longer exists.
    if (!row || row.expires_at <= clock.now()) throw new MnsError('MessageNotExist');
    if (row.queue !== queue) {
      // Another queue's live handle is not one this queue issued; this queue's
      // handle of a message it dead-lettered (its receipt cleared) is gone.
      throw new MnsError(row.receipt === handle ? 'ReceiptHandleError' : 'MessageNotExist');
    }
    // Superseded by a newer receive, or its visibility window is over: stale.
    if (row.receipt !== handle || row.visible_at <= clock.now()) {
      throw new MnsError('ReceiptHandleError');
    }
    return row;
  }

  type NewMessage = Parameters<typeof q.insertMessage>[0];

  /** Checks one message against its queue and builds its row; throws MnsError. */
  function prepareSend(
    queue: string,
    msg: { body: string; delaySeconds?: number; priority?: number },
  ): { row: NewMessage; delay: number } {
    const rec = requireQueue(queue);
    const delay = msg.delaySeconds ?? rec.attributes.DelaySeconds;
    checkRange('DelaySeconds', delay);
    const priority = msg.priority ?? MESSAGE_LIMITS.defaultPriority;
    const [minPriority, maxPriority] = MESSAGE_LIMITS.priority;
    if (!Number.isInteger(priority) || priority < minPriority || priority > maxPriority) {
      throw outOfRange('Priority', minPriority, maxPriority, '');
    }
    const size = Buffer.byteLength(msg.body, 'utf8');
    const maxSize = ctx.relaxLimits ? Number.MAX_SAFE_INTEGER : rec.attributes.MaximumMessageSize;
    if (size < 1 || size > maxSize) {
      throw new MnsError(
        'InvalidArgument',
        `The length of message should between 1 and ${rec.attributes.MaximumMessageSize} bytes.`,
      );
    }
    const now = clock.now();
    const expiresAt = now + rec.attributes.MessageRetentionPeriod * 1000;
    scheduleExpiry(expiresAt);
    return {
      delay,
      row: {
        queue,
        messageId: newMessageId(now),
        body: msg.body,
        bodyMD5: bodyMD5(msg.body),
        priority,
        enqueueTime: now,
        // 0: receivable at once (see MNS_MIGRATIONS 004).
        visibleAt: delay > 0 ? now + delay * 1000 : 0,
        expiresAt,
        receipt: null,
      },
    };
  }

  /** Stores a delayed message: it answers with a handle (as the cloud does), valid until the delay ends. */
  function storeDelayed(row: NewMessage): SentMessage {
    const seq = q.insertMessage(row);
    const receiptHandle = newReceiptHandle(seq);
    q.setVisibility(row.queue, seq, row.visibleAt, receiptHandle);
    waiters.visibleAt(row.queue, row.visibleAt);
    return { messageId: row.messageId, bodyMD5: row.bodyMD5, receiptHandle };
  }

  function sendMessage(
    queue: string,
    msg: { body: string; delaySeconds?: number; priority?: number },
  ): SentMessage {
    const { row, delay } = prepareSend(queue, msg);
    if (delay > 0) return storeDelayed(row);
    const sent = { messageId: row.messageId, bodyMD5: row.bodyMD5 };
    if (waiters.count(queue) > 0) {
      // Someone is parked: the message is stored and claimed for them in one
      // commit (the caller's, inside the engine's outbox) and handed over right
      // after it, before the sender hears back.
      const stored = store.db.inTransaction
        ? insertForWaiters(row)
        : store.transaction(() => insertForWaiters(row));
      if (stored) return sent;
    }
    q.insertMessage(row);
    waiters.notify(queue, store.db.inTransaction);
    return sent;
  }

  /**
   * BatchSendMessage: every message stored in one transaction, each failing on
   * its own (an MnsError in its place), and the parked receivers claimed for
   * once, after the last insert: a batch receive waiting gets up to its
   * numOfMessages of the batch, not the first message alone.
   */
  function sendMessages(
    queue: string,
    msgs: ReadonlyArray<{ body: string; delaySeconds?: number; priority?: number } | MnsError>,
  ): Array<SentMessage | MnsError> {
    return store.transaction(() => {
      let immediate = 0;
      const results = msgs.map((msg): SentMessage | MnsError => {
        try {
          if (msg instanceof MnsError) throw msg;
          const { row, delay } = prepareSend(queue, msg);
          if (delay > 0) return storeDelayed(row);
          q.insertMessage(row);
          immediate++;
          return { messageId: row.messageId, bodyMD5: row.bodyMD5 };
        } catch (err) {
          if (!(err instanceof MnsError) || err.code === 'QueueNotExist') throw err;
          return err;
        }
      });
      if (immediate > 0 && waiters.count(queue) > 0) claimAtCommit(queue);
      return results;
    });
  }

  function createQueueStrict(name: string, attributes: Partial<QueueAttributes>) {
    checkQueueName(name);
    validateAttributes(attributes, name);
    return store.transaction(() => {
      const existing = q.getQueue(name);
      const full = checkDeadLetterPair(
        { ...DEFAULT_ATTRIBUTES, ...defined(attributes) },
        attributes,
      );
      if (existing) {
        if (!sameAttributes(existing.attributes, full)) throw new MnsError('QueueAlreadyExist');
        return 'exists' as const;
      }
      ensureDeadLetterQueue(full);
      q.insertQueue(name, full, Math.floor(clock.now() / 1000));
      return 'created' as const;
    });
  }

  function ensureDeadLetterQueue(attrs: QueueAttributes): void {
    const dlq = attrs.DeadLetterQueue;
    if (dlq && !q.getQueue(dlq)) {
      q.insertQueue(dlq, { ...DEFAULT_ATTRIBUTES }, Math.floor(clock.now() / 1000));
    }
  }

  function setQueueAttributes(name: string, attributes: Partial<QueueAttributes>): void {
    validateAttributes(attributes, name);
    store.transaction(() => {
      const rec = requireQueue(name);
      const next = checkDeadLetterPair({ ...rec.attributes, ...defined(attributes) }, attributes);
      if (sameAttributes(rec.attributes, next)) return;
      // Created when the attribute is set, not when another one changes (a DLQ
      // deleted since is created again at the next move).
      if (attributes.DeadLetterQueue) ensureDeadLetterQueue(next);
      q.updateQueue(name, next, Math.floor(clock.now() / 1000));
    });
  }

  async function receive(
    queue: string,
    opts: {
      max: number;
      waitMs: number | undefined;
      visibilityTimeout?: number;
      signal?: AbortSignal;
      alive?: () => boolean;
      onMessages?: (messages: ReceivedMessage[]) => void;
    },
  ): Promise<ReceivedMessage[]> {
    if (!Number.isInteger(opts.max) || opts.max < 1 || opts.max > MESSAGE_LIMITS.batch) {
      throw outOfRange('numOfMessages', 1, MESSAGE_LIMITS.batch, '');
    }
    if (opts.visibilityTimeout !== undefined)
      checkRange('VisibilityTimeout', opts.visibilityTimeout);
    // A receive given up before it starts takes nothing (a stopped worker's last turn).
    if (opts.signal?.aborted) return [];
    const got = claim(queue, opts.max, opts.visibilityTimeout);
    if (got.length > 0) {
      // Found at once: onMessages hears of them as it would from a wake-up.
      opts.onMessages?.(got);
      return got;
    }
    if (stopped) return got;
    const waitMs = opts.waitMs ?? requireQueue(queue).attributes.PollingWaitSeconds * 1000;
    if (waitMs <= 0) return got;
    return waiters.wait(queue, {
      max: opts.max,
      waitMs,
      ...(opts.visibilityTimeout !== undefined
        ? { visibilityTimeout: opts.visibilityTimeout }
        : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.alive ? { alive: opts.alive } : {}),
      ...(opts.onMessages ? { onMessages: opts.onMessages } : {}),
    });
  }

  const service: QueueService & QueueServiceInternals = {
    name: 'mns',
    routes: [],
    start() {
      const next = q.nextExpiry();
      if (next !== null) scheduleExpiry(next);
    },
    stop() {
      stopped = true;
      waiters.close();
      expiryTimer?.cancel();
      expiryTimer = undefined;
    },
    createQueue(name, attributes = {}) {
      checkQueueName(name);
      validateAttributes(attributes, name);
      store.transaction(() => {
        const existing = q.getQueue(name);
        if (existing) {
          setQueueAttributes(name, attributes);
          return;
        }
        const full = { ...DEFAULT_ATTRIBUTES, ...defined(attributes) };
        ensureDeadLetterQueue(full);
        q.insertQueue(name, full, Math.floor(clock.now() / 1000));
      });
    },
    createQueueStrict,
    deleteQueue(name) {
      store.transaction(() => q.deleteQueue(name));
      // A poll parked on it learns what happened, as a new one would.
      waiters.release(name, queueError('QueueNotExist', name));
    },
    getQueue(name) {
      const { deadLettered: _, ...info } = requireQueue(name);
      return info;
    },
    setQueueAttributes,
    sendMessage,
    sendMessages,
    receiveMessages(queue, opts) {
      if (!Number.isFinite(opts.waitSeconds) || opts.waitSeconds < 0) {
        return Promise.reject(outOfRange('waitSeconds', 0, 30, 'seconds'));
      }
      // In process a longer wait is clamped to the cloud's 30 s rather than refused:
      // internal pollers (trigger batch windows) compute it. HTTP refuses it.
      return receive(queue, {
        max: opts.max,
        waitMs: Math.min(opts.waitSeconds, MESSAGE_LIMITS.waitSeconds) * 1000,
        ...(opts.visibilityTimeout !== undefined
          ? { visibilityTimeout: opts.visibilityTimeout }
          : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onMessages ? { onMessages: opts.onMessages } : {}),
      });
    },
    receive,
    deleteMessage,
    moveMessage(fromQueue, receiptHandle, toQueue) {
      if (fromQueue === toQueue) throw ownDeadLetterQueue();
      store.transaction(() => {
        const dlq = requireQueue(toQueue);
        const row = findHandle(fromQueue, receiptHandle);
        const now = clock.now();
        q.moveTo(row.seq, toQueue);
        // EventBridge sends a new message to the DLQ, which keeps it for the
        // DLQ's own retention period, not what was left of the source's.
        const expiresAt = now + dlq.attributes.MessageRetentionPeriod * 1000;
        q.setExpiry(row.seq, expiresAt);
        scheduleExpiry(expiresAt);
      });
      wakeAfterCommit(toQueue);
    },
    changeVisibility(queue, receiptHandle, seconds) {
      checkRange('VisibilityTimeout', seconds);
      const result = store.transaction(() => {
        const row = findHandle(queue, receiptHandle);
        const next = clock.now() + seconds * 1000;
        const handle = newReceiptHandle(row.seq);
        q.setVisibility(queue, row.seq, next, handle);
        return { receiptHandle: handle, nextVisibleTime: next };
      });
      waiters.visibleAt(queue, result.nextVisibleTime);
      return result;
    },
    peekMessages(queue, max) {
      if (!Number.isInteger(max) || max < 1 || max > MESSAGE_LIMITS.batch) {
        throw outOfRange('numOfMessages', 1, MESSAGE_LIMITS.batch, '');
      }
      requireQueue(queue);
      const now = clock.now();
      q.promoteDue(queue, now);
      return q.ready(queue, now, max).map(toPeeked);
    },
    listQueues() {
      return q.allQueueNames();
    },
    listQueuesPage(opts) {
      return q.listQueues(opts);
    },
    stats(queue) {
      const rec = requireQueue(queue);
      const counts = { ...q.stats(queue, clock.now()), waiting: waiters.count(queue) };
      const dlq = rec.attributes.DeadLetterQueue;
      return dlq ? { ...counts, deadLettered: rec.deadLettered, deadLetterQueue: dlq } : counts;
    },
  };
  (service as { routes: unknown }).routes = [createMnsRoute({ service, ctx })];
  return service;
}

/** Drops undefined fields so a partial update never overwrites with undefined. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
