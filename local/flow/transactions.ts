import type { Logger } from '../log';
import type { Store } from '../store/store';
import type { createHistoryWriter } from './history-writer';

/**
 * The transaction helpers: `atomically` (one SQLite transaction, then its
 * effects), `batched` (group commit of API calls) and the follow-on queue of
 * transitions a commit sets off. Owns the nesting, deferred-effect, follow-on
 * and batch state.
 */
export function createTransactions(deps: {
  store: Store;
  history: ReturnType<typeof createHistoryWriter>;
  log: Logger;
}) {
  const { store, history, log } = deps;
  let inTxn = false;
  const deferred: Array<() => void> = [];
  // Transitions a commit sets off (a child flow's start, a parent's callback):
  // run in order once every effect of the commits before them has run, so
  // listeners see each execution's events in id order.
  const followOns: Array<() => void> = [];
  let drainingFollowOns = false;

  function runAfter(effects: Array<() => void>): void {
    for (const fn of effects) {
      try {
        fn();
      } catch (err) {
        log.error('post-commit effect failed', { error: String(err) });
      }
    }
  }

  /** Runs `fn` in one transaction, then its effects; nested calls are deferred until the outer one ends. */
  function atomically<R>(fn: (effects: Array<() => void>) => R): R {
    const effects: Array<() => void> = [];
    const outer = !inTxn;
    inTxn = true;
    let result: R;
    const deferredMark = deferred.length;
    try {
      const mark = history.mark();
      result = store.transaction(() => {
        try {
          const r = fn(effects);
          history.flush();
          return r;
        } catch (err) {
          // A rolled-back transaction must not leak its events into the next one.
          history.rollback(mark);
          throw err;
        }
      });
    } catch (err) {
      // Effects of nested transitions that were rolled back with this one never run.
      deferred.length = deferredMark;
      throw err;
    } finally {
      if (outer) inTxn = false;
    }
    if (outer) {
      // Only the outermost call drains the follow-ons: one made from inside an
      // effect (a listener calling the API) queues its own behind them.
      const drainer = !drainingFollowOns;
      drainingFollowOns = true;
      try {
        runAfter(effects);
        while (deferred.length > 0 && !inTxn) deferred.shift()?.();
        if (drainer) while (followOns.length > 0) runAfter(followOns.splice(0, 1));
      } finally {
        if (drainer) drainingFollowOns = false;
      }
    } else deferred.push(() => runAfter(effects));
    return result;
  }

  // Group commit: API calls queued in the same turn run as savepoints of one
  // transaction, so a burst of reports pays for one commit instead of one each.
  // Adaptive: the first call of a turn commits at once (a lone report waits for
  // nothing); only calls arriving after it in the same turn are deferred and share
  // the next commit. A burst of n then costs two commits instead of n.
  const batch: Array<{ fn: () => unknown; done: (r: { ok: boolean; value: unknown }) => void }> =
    [];
  let turnBusy = false;
  const endTurn = () => {
    turnBusy = false;
  };
  function batched<R>(fn: () => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      batch.push({
        fn,
        done: (r) => (r.ok ? resolve(r.value as R) : reject(r.value)),
      });
      if (!turnBusy) {
        turnBusy = true;
        setImmediate(endTurn);
        if (batch.length === 1) {
          flushBatch();
          return;
        }
      }
      if (batch.length === 1) setImmediate(flushBatch);
    });
  }
  function flushBatch(): void {
    const items = batch.splice(0);
    const only = items.length === 1 ? items[0] : undefined;
    if (only) {
      // Alone, the call's own transaction is the commit: no outer one, no savepoint.
      let r: { ok: boolean; value: unknown };
      try {
        r = { ok: true, value: only.fn() };
      } catch (err) {
        r = { ok: false, value: err };
      }
      only.done(r);
      return;
    }
    const results: Array<{ ok: boolean; value: unknown }> = [];
    try {
      atomically(() => {
        for (const item of items) {
          try {
            results.push({ ok: true, value: item.fn() });
          } catch (err) {
            results.push({ ok: false, value: err });
          }
        }
      });
    } catch (err) {
      for (const item of items) item.done({ ok: false, value: err });
      return;
    }
    for (const [i, item] of items.entries()) {
      item.done(results[i] ?? { ok: false, value: new Error('lost') });
    }
  }

  return {
    atomically,
    batched,
    /** Queues a transition a commit set off; call it from an effect. */
    followOn(fn: () => void): void {
      followOns.push(fn);
    },
  };
}
