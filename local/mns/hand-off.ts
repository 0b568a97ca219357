import type { QueueServiceBase } from './parts';

/**
 * The hand-off to parked receivers around the store's commit: messages
 * claimed for them inside the open `store.transaction()` and handed over in
 * its commit hook (back to waiting on rollback), and wake-ups that wait for
 * the current work to commit. Owns no state: the parked receivers are the
 * waiter registry's, the transaction is the store's.
 */
export function createHandOff(deps: Pick<QueueServiceBase, 'store' | 'q' | 'waiters'>) {
  const { store, q, waiters } = deps;

  /** Serves `queue`'s parked receivers once the current work is committed. */
  function wakeAfterCommit(queue: string): void {
    if (!store.db.inTransaction) waiters.notify(queue, false);
    else if (!store.afterCommit(() => waiters.notify(queue, false))) waiters.notify(queue, true);
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

  return { wakeAfterCommit, insertForWaiters, claimAtCommit };
}
