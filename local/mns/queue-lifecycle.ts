import {
  checkDeadLetterPair,
  checkQueueName,
  DEFAULT_ATTRIBUTES,
  type QueueAttributes,
  sameAttributes,
  validateAttributes,
} from './attributes';
import { MnsError, queueError } from './errors';
import type { QueueServiceBase } from './parts';
import type { QueueRecord } from './queue-store';
import type { QueueServiceInternals } from './service';
import type { QueueService } from './types';

/**
 * Queues: create (the in-process ensure and HTTP's strict create), delete,
 * set attributes with the dead-letter pair checks, look up and list. Owns the
 * rule that a named dead-letter queue exists (made when the attribute is set,
 * and again at a move if it was deleted since); every other part looks queues
 * up through `requireQueue`.
 */
export function createQueueLifecycle(deps: QueueServiceBase) {
  const { store, q, clock, waiters } = deps;

  function requireQueue(name: string): QueueRecord {
    const rec = q.getQueue(name);
    if (!rec) throw queueError('QueueNotExist', name);
    return rec;
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

  const operations: Pick<QueueService, 'createQueue' | 'deleteQueue' | 'getQueue' | 'listQueues'> &
    Pick<QueueServiceInternals, 'listQueuesPage'> = {
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
    deleteQueue(name) {
      store.transaction(() => q.deleteQueue(name));
      // A poll parked on it learns what happened, as a new one would.
      waiters.release(name, queueError('QueueNotExist', name));
    },
    getQueue(name) {
      const { deadLettered: _, ...info } = requireQueue(name);
      return info;
    },
    listQueues() {
      return q.allQueueNames();
    },
    listQueuesPage(opts) {
      return q.listQueues(opts);
    },
  };

  return {
    requireQueue,
    ensureDeadLetterQueue,
    createQueueStrict,
    setQueueAttributes,
    ...operations,
  };
}

/** Drops undefined fields so a partial update never overwrites with undefined. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
