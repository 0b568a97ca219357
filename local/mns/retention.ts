import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { createQueueStore } from './queue-store';

/**
 * Retention: one Clock timer at the earliest expiry; expired rows are also
 * filtered out of every read, so the purge only reclaims space. Owns that
 * timer; a send and a dead-letter step of the trigger move it earlier.
 */
export function createRetention(deps: {
  q: ReturnType<typeof createQueueStore>;
  clock: Clock;
  log: Logger;
  /** True once the service stopped: no timer is armed after that. */
  isStopped: () => boolean;
}) {
  const { q, clock, log, isStopped } = deps;
  let expiryTimer: { at: number; cancel(): void } | undefined;

  function scheduleExpiry(at: number): void {
    if (isStopped() || (expiryTimer && expiryTimer.at <= at)) return;
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

  return {
    scheduleExpiry,
    /** Arms the timer for the messages already stored. */
    start(): void {
      const next = q.nextExpiry();
      if (next !== null) scheduleExpiry(next);
    },
    /** Disarms the timer. */
    stop(): void {
      expiryTimer?.cancel();
      expiryTimer = undefined;
    },
  };
}
