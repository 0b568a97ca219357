/**
 * Whether an MNS trigger still runs: stopped (by stop(), or by a halt) and
 * halted (errorsTolerance NONE after an event ran out of retries), and the
 * abort signal that cuts its long polls short. Owns that state; the pollers,
 * the batch window, the delivery and the failure handling read it, and only
 * stop() and the failure handling's halt change it.
 */
export interface TriggerRunState {
  readonly stopped: boolean;
  readonly halted: boolean;
  /** Aborted on stop and on halt: a long poll in progress returns. */
  readonly signal: AbortSignal;
  stop(): void;
  /** Stops consumption for good: errorsTolerance NONE and an event out of retries. */
  halt(): void;
}

export function createTriggerRunState(): TriggerRunState {
  const abort = new AbortController();
  let stopped = false;
  let halted = false;
  return {
    get stopped() {
      return stopped;
    },
    get halted() {
      return halted;
    },
    signal: abort.signal,
    stop() {
      stopped = true;
      abort.abort();
    },
    halt() {
      halted = true;
      stopped = true;
      abort.abort();
    },
  };
}
