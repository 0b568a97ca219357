import { type Clock, createSystemClock } from '../../local/clock';

/**
 * The wall clock, `aheadMs` ahead: a stack restarted on it sees that much time
 * as passed while it was down (its timers fall due at once), without a test
 * waiting for it.
 */
export function shiftedSystemClock(aheadMs: number): Clock {
  const system = createSystemClock();
  return {
    now: () => system.now() + aheadMs,
    setTimer: (atMs, fn) => system.setTimer(atMs - aheadMs, fn),
  };
}
