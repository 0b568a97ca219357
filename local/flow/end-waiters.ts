/**
 * Callers waiting for an execution to end (long polls, StartSyncExecution):
 * owns the waiters per execution and wakes them when it ends or the engine stops.
 */
export function createEndWaiters() {
  const waiters = new Map<number, Set<() => void>>();

  /**
   * Resolves when the execution ends, after `seconds`, or when `signal` aborts
   * (the caller hung up), whichever comes first.
   */
  function waitForEnd(execId: number, seconds: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      let set = waiters.get(execId);
      if (!set) {
        set = new Set();
        waiters.set(execId, set);
      }
      const s = set;
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        s.delete(done);
        if (s.size === 0) waiters.delete(execId);
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      s.add(done);
      signal?.addEventListener('abort', done, { once: true });
      // Transport time, not the stack clock: it bounds an HTTP request, and a
      // VirtualClock test should not have to advance time to end a long poll.
      timer = setTimeout(done, seconds * 1000);
    });
  }

  return {
    waitForEnd,
    /** Wakes the callers waiting for `execId` (after its end commits). */
    wake(execId: number): void {
      const set = waiters.get(execId);
      if (set) for (const w of set) w();
    },
    /** Wakes every waiting caller (the engine stops). */
    wakeAll(): void {
      for (const set of waiters.values()) for (const w of set) w();
    },
  };
}
