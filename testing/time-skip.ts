/**
 * Time skipping for `runExecution(..., { skipTime: true })`: what is in progress
 * that a jump of the virtual clock could cut short, and the loop that moves the
 * clock to its next timer whenever nothing is. Owns no state of its own.
 */

import type { VirtualClock } from '../local/clock';
import type { LocalStack } from '../local/stack';
import type { TaskCall } from './task-attempts';

/** What time skipping looks at. */
export interface TimeSkipOptions {
  stack: LocalStack;
  /** The mock handler calls in flight (the attempt tracker's). */
  calls: ReadonlySet<TaskCall>;
  /** Whether `queue` has a mock worker. */
  isHandled: (queue: string) => boolean;
  /** Whether the test environment is stopped (skipping then ends). */
  isStopped: () => boolean;
}

/** Time skipping over one test environment's stack. */
export function createTimeSkip({ stack, calls, isHandled, isStopped }: TimeSkipOptions) {
  /**
   * What is in progress that time skipping could cut short, or undefined when
   * nothing is: a mock handler call (or its report) running, a message waiting
   * for a mock worker, a function running or queued, a message held or waiting
   * on a queue no mock worker consumes (a function or a worker of the test's
   * own may hold it).
   */
  const inProgress = (): string | undefined => {
    // An abandoned call (its step ended while its handler hung) holds nothing up.
    for (const call of calls) {
      if (!call.abandoned) return `a mock handler call (task message ${call.messageId}) is running`;
    }
    if (stack.functions.asyncPending() > 0) return 'an async function invocation is queued';
    const busy = stack.functions.list().find((f) => f.instances.some((i) => i.busy));
    if (busy) return `function ${busy.name} is running`;
    for (const queue of stack.queues.listQueues()) {
      const { active, inflight } = stack.queues.stats(queue);
      if (active > 0) {
        return `queue ${queue} has ${active} message(s) waiting${isHandled(queue) ? '' : ', and no mock worker consumes it'}`;
      }
      if (inflight > 0 && !isHandled(queue)) {
        return `queue ${queue} has ${inflight} message(s) received and not deleted, and no mock worker consumes it (a function or a worker of your own may hold them)`;
      }
    }
    return undefined;
  };

  /** Until `until` settles: whenever the stack stays idle for two looks, jump to the next timer. */
  const skipTime = async (virtual: VirtualClock, until: Promise<unknown>): Promise<void> => {
    let over = false;
    void until.then(
      () => {
        over = true;
      },
      () => {
        over = true;
      },
    );
    let idleLooks = 0;
    while (!over && !isStopped()) {
      await new Promise<void>((r) => setTimeout(r, 2));
      if (over || isStopped()) break;
      // Nothing to skip to: no need to look at what is in progress.
      const next = virtual.nextTimerAt();
      idleLooks = next !== undefined && inProgress() === undefined ? idleLooks + 1 : 0;
      if (idleLooks < 2 || next === undefined) continue;
      idleLooks = 0;
      await virtual.advanceTo(next);
    }
  };

  return { inProgress, skipTime };
}
