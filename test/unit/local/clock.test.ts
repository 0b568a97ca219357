import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';

describe('VirtualClock', () => {
  it('fires due timers in time order and sets now() to each timer time', async () => {
    const clock = new VirtualClock(1_000);
    const fired: Array<[string, number]> = [];
    clock.setTimer(1_500, () => fired.push(['b', clock.now()]));
    clock.setTimer(1_200, () => fired.push(['a', clock.now()]));
    clock.setTimer(9_000, () => fired.push(['late', clock.now()]));
    await clock.advance(1_000);
    expect(fired).toEqual([
      ['a', 1_200],
      ['b', 1_500],
    ]);
    expect(clock.now()).toBe(2_000);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('fires timers armed by earlier timers within the same jump', async () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    clock.setTimer(10, () => {
      fired.push(clock.now());
      clock.setTimer(clock.now() + 10, () => fired.push(clock.now()));
    });
    await clock.advance(100);
    expect(fired).toEqual([10, 20]);
  });

  it('does not fire cancelled timers', async () => {
    const clock = new VirtualClock(0);
    let fired = false;
    const cancel = clock.setTimer(5, () => {
      fired = true;
    });
    cancel();
    await clock.advance(10);
    expect(fired).toBe(false);
  });
});
