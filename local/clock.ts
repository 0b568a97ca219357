/**
 * Time for the local stack. Every timer the queue service and the flow engine
 * arm (delays, visibility timeouts, waits, task and flow timeouts, retry
 * backoff) goes through a Clock, so a test can swap in a VirtualClock and jump
 * time forward: the same engine fires the same timers, at once and in order.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once `now() >= atMs`. Returns a function that cancels it. */
  setTimer(atMs: number, fn: () => void): () => void;
}

/** The wall clock, with `setTimeout` underneath (re-armed past the 2^31 ms limit). */
export function createSystemClock(): Clock {
  const MAX_DELAY = 2_147_483_647;
  return {
    now: () => Date.now(),
    setTimer(atMs, fn) {
      let handle: NodeJS.Timeout | undefined;
      let cancelled = false;
      const arm = () => {
        const delay = Math.max(0, atMs - Date.now());
        handle = setTimeout(
          () => {
            if (cancelled) return;
            if (Date.now() < atMs) arm();
            else fn();
          },
          Math.min(delay, MAX_DELAY),
        );
        handle.unref?.();
      };
      arm();
      return () => {
        cancelled = true;
        if (handle) clearTimeout(handle);
      };
    },
  };
}

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. `advance(ms)` fires every timer due in
 * the window in time order, setting `now()` to each timer's time as it fires,
 * and lets promise callbacks settle between timers so the work a timer starts
 * (and the timers that work arms) happens inside the same jump.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: PendingTimer[] = [];

  constructor(startMs: number = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(atMs: number, fn: () => void): () => void {
    const timer: PendingTimer = { at: atMs, seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Number of timers still armed. */
  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** When the earliest armed timer is due (ms since the epoch), or undefined when none is. */
  nextTimerAt(): number | undefined {
    let next: number | undefined;
    for (const t of this.timers)
      if (!t.cancelled && (next === undefined || t.at < next)) next = t.at;
    return next;
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  /** Moves time to `targetMs` (never backwards), firing due timers in order. */
  async advanceTo(targetMs: number): Promise<void> {
    await settle();
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      const due = this.timers
        .filter((t) => t.at <= targetMs)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers.splice(this.timers.indexOf(due), 1);
      if (due.at > this.current) this.current = due.at;
      due.fn();
      await settle();
    }
    if (targetMs > this.current) this.current = targetMs;
    await settle();
  }
}

/** Lets queued promise callbacks and immediate callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
