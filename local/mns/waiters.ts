import type { Clock } from '../clock';
import type { ClaimOptions, ReceivedMessage } from './types';

interface Waiter {
  max: number;
  how: ClaimOptions;
  /** False once the receiver can no longer be answered (its client hung up). */
  alive: (() => boolean) | undefined;
  /** Messages are being or were claimed for it and not yet handed over: skip it. */
  claimed: boolean;
  done(result: ReceivedMessage[] | Error): void;
}

interface WakeTimer {
  at: number;
  cancel(): void;
}

/** What the registry needs from the service. */
export interface WaiterDeps {
  clock: Clock;
  /** Claims up to `max` receivable messages (one transaction); [] when none. */
  claim(queue: string, max: number, how: ClaimOptions): ReceivedMessage[];
  /** The next time after now at which a message of `queue` becomes visible, or null. */
  nextVisible(queue: string): number | null;
}

/**
 * Long-poll receivers parked per queue, served first come first served.
 *
 * A waiter is served the moment a message may have become receivable: on a
 * send (`notify`), and when a delay or visibility window ends (one Clock timer
 * per queue at the earliest future `visible_at`, armed only while someone waits).
 * Nothing polls. The wait's own deadline is transport time (setTimeout), not the
 * injected Clock: it bounds an HTTP request, while message times are data that
 * a VirtualClock may skip.
 */
export function createWaiterRegistry(deps: WaiterDeps) {
  const byQueue = new Map<string, Set<Waiter>>();
  const timers = new Map<string, WakeTimer>();
  const pending = new Set<string>();
  let closed = false;

  /**
   * Claims messages for the waiters in order, until one finds nothing; delivers
   * nothing yet. A waiter is marked claimed before its claim runs: a claim can
   * wake another queue's waiters at once (a dead-letter move), and through a
   * dead-letter cycle back to this queue, and that nested serve must skip it.
   */
  function take(queue: string): Array<[Waiter, ReceivedMessage[] | Error]> {
    const taken: Array<[Waiter, ReceivedMessage[] | Error]> = [];
    for (const w of byQueue.get(queue) ?? []) {
      if (w.claimed) continue;
      w.claimed = true;
      if (w.alive && !w.alive()) {
        // Gone before it heard of its hang-up: it takes nothing and ends.
        taken.push([w, []]);
        continue;
      }
      let got: ReceivedMessage[];
      try {
        got = deps.claim(queue, w.max, w.how);
      } catch (err) {
        taken.push([w, err as Error]);
        continue;
      }
      if (got.length === 0) {
        w.claimed = false;
        break;
      }
      taken.push([w, got]);
    }
    return taken;
  }

  // The wake timer needs no fresh look after a delivery: every claim reports
  // its new visibility window through visibleAt, so a timer still armed is
  // never later than the earliest future visible_at. Only a timer that fired
  // (or a first waiter) asks the store again.
  function deliver(taken: Array<[Waiter, ReceivedMessage[] | Error]>): void {
    for (const [w, result] of taken) w.done(result);
  }

  function serve(queue: string): void {
    if (byQueue.has(queue)) deliver(take(queue));
  }

  function rearm(queue: string): void {
    const at = deps.nextVisible(queue);
    const timer = timers.get(queue);
    if (at === null) {
      timer?.cancel();
      timers.delete(queue);
      return;
    }
    if (timer && timer.at === at) return;
    arm(queue, at);
  }

  function arm(queue: string, at: number): void {
    timers.get(queue)?.cancel();
    const cancel = deps.clock.setTimer(at, () => {
      if (timers.get(queue)?.cancel !== cancel) return;
      timers.delete(queue);
      serve(queue);
      if (byQueue.has(queue)) rearm(queue);
    });
    timers.set(queue, { at, cancel });
  }

  function remove(queue: string, w: Waiter): void {
    const set = byQueue.get(queue);
    if (!set) return;
    set.delete(w);
    if (set.size === 0) {
      byQueue.delete(queue);
      timers.get(queue)?.cancel();
      timers.delete(queue);
    }
  }

  function notify(queue: string, inTransaction: boolean): void {
    if (!byQueue.has(queue)) return;
    if (!inTransaction) {
      serve(queue);
      return;
    }
    if (pending.has(queue)) return;
    pending.add(queue);
    setImmediate(() => {
      pending.delete(queue);
      serve(queue);
    });
  }

  return {
    /** Parks a receiver until messages arrive, `waitMs` passes, or `signal` aborts. */
    wait(
      queue: string,
      opts: {
        max: number;
        how: ClaimOptions;
        waitMs: number;
        signal?: AbortSignal;
        /** Checked before messages are claimed for it: false skips it. */
        alive?: () => boolean;
        /** Called synchronously with the messages, before the promise settles (see notify). */
        onMessages?: (messages: ReceivedMessage[]) => void;
      },
    ): Promise<ReceivedMessage[]> {
      return new Promise((resolve, reject) => {
        if (closed || opts.signal?.aborted) {
          resolve([]);
          return;
        }
        let set = byQueue.get(queue);
        const first = set === undefined;
        if (!set) {
          set = new Set();
          byQueue.set(queue, set);
        }
        const onAbort = () => w.done([]);
        const deadline = setTimeout(() => w.done([]), opts.waitMs);
        let finished = false;
        const w: Waiter = {
          max: opts.max,
          how: opts.how,
          alive: opts.alive,
          claimed: false,
          // Once only: a waiter answers one receive (and writes one HTTP reply).
          done(result) {
            if (finished) return;
            finished = true;
            clearTimeout(deadline);
            opts.signal?.removeEventListener('abort', onAbort);
            remove(queue, w);
            if (result instanceof Error) {
              reject(result);
              return;
            }
            if (result.length > 0 && opts.onMessages) {
              // Runs inside someone else's send: a failure here must not fail that send.
              // Undelivered messages come back when their visibility ends.
              try {
                opts.onMessages(result);
              } catch (err) {
                reject(err as Error);
                return;
              }
            }
            resolve(result);
          },
        };
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        set.add(w);
        // Later waiters share the timer the first one armed (kept current by visibleAt).
        if (first) rearm(queue);
      });
    },

    /**
     * Something in `queue` may be receivable now. Outside a transaction the
     * waiters are served at once, inside the send: an HTTP long poll given
     * `onMessages` answers before the sender is even answered. Inside a
     * transaction they are served on the next turn, after the commit (a
     * rolled-back send just makes them re-query and find nothing).
     */
    notify,

    /**
     * Claims for the parked waiters of `queue` now, inside the caller's
     * transaction. The claimed waiters are set aside until `commit` hands them
     * their messages or `rollback` puts them back to waiting (the claim was
     * undone with the send). A message stored and claimed in one commit
     * reaches a parked receiver right after it, before the sender's answer.
     */
    claimPending(queue: string): { commit(): void; rollback(): void } {
      const taken = byQueue.has(queue) ? take(queue) : [];
      for (const [w] of taken) w.claimed = true;
      return {
        commit: () => deliver(taken),
        rollback: () => {
          for (const [w] of taken) w.claimed = false;
          // Whatever else became receivable meanwhile is still theirs to take.
          if (taken.length > 0) notify(queue, true);
        },
      };
    },

    /** A message of `queue` becomes visible at `at` (delay or visibility ending). */
    visibleAt(queue: string, at: number): void {
      if (!byQueue.has(queue)) return;
      const timer = timers.get(queue);
      if (timer && timer.at <= at) return;
      arm(queue, at);
    },

    /** How many receivers wait on `queue`. */
    count(queue: string): number {
      return byQueue.get(queue)?.size ?? 0;
    },

    /** Ends every wait on `queue` with `reason` (the queue was deleted), or empty-handed. */
    release(queue: string, reason?: Error): void {
      for (const w of [...(byQueue.get(queue) ?? [])]) w.done(reason ?? []);
    },

    /** Ends every wait and disarms every timer. */
    close(): void {
      closed = true;
      for (const q of [...byQueue.keys()]) {
        for (const w of [...(byQueue.get(q) ?? [])]) w.done([]);
      }
      for (const t of timers.values()) t.cancel();
      timers.clear();
    },
  };
}

/** The registry's handle. */
export type WaiterRegistry = ReturnType<typeof createWaiterRegistry>;
