/**
 * Why an execution has not ended, for the error of a `runExecution` that timed
 * out: its open task steps and where each waits (a queue with or without a mock
 * worker, a function, a child execution), the virtual clock and its next timer,
 * and the execution's last event. Owns no state of its own.
 */

import type { VirtualClock } from '../local/clock';
import { readHistory } from '../local/demo/follow';
import type { HistoryEvent } from '../local/flow/types';
import { parseEventDetail } from '../local/flow/views';
import type { LocalStack } from '../local/stack';
import { TASK_ENDS } from './task-attempts';

/** What explaining a wait looks at. */
export interface WaitExplainerOptions {
  stack: LocalStack;
  /** The environment's VirtualClock, if it has one. */
  clock: VirtualClock | undefined;
  /** Whether `queue` has a mock worker. */
  isHandled: (queue: string) => boolean;
  /** What holds time skipping up, if anything (see time-skip.ts). */
  inProgress: () => string | undefined;
}

/** Explains the waits of one test environment's executions. */
export function createWaitExplainer({ stack, clock, isHandled, inProgress }: WaitExplainerOptions) {
  /** Why an execution has not ended: its open task steps and where they wait. */
  const explainWait = (flowName: string, executionName: string, skipping: boolean): string => {
    let history: HistoryEvent[];
    try {
      history = readHistory(stack.engine, flowName, executionName);
    } catch {
      return 'its history could not be read';
    }
    const open = new Map<number, { step: string; detail: Record<string, unknown> }>();
    for (const e of history) {
      if (e.Type === 'TaskSubmitted') {
        open.set(e.ScheduleEventId, { step: e.StepName, detail: parseEventDetail(e.EventDetail) });
      } else if (TASK_ENDS.has(e.Type)) open.delete(e.ScheduleEventId);
    }
    const reasons = [...open.values()].map(({ step, detail }) => {
      if (typeof detail.queue === 'string') {
        const q = detail.queue;
        let stats = '';
        try {
          const { active, inflight } = stack.queues.stats(q);
          stats = ` (${active} waiting, ${inflight} received and not deleted)`;
        } catch {
          stats = ' (the queue does not exist any more)';
        }
        return isHandled(q)
          ? `step ${step} waits for a report; its message went to queue ${q}${stats}, which has a mock worker`
          : `step ${step} waits for a report; its message went to queue ${q}${stats}, which no mock worker consumes: call env.handle('${q}', { ... }) before runExecution`;
      }
      if (typeof detail.functionName === 'string') {
        return `step ${step} waits for function ${detail.functionName}`;
      }
      if (typeof detail.ExecutionName === 'string') {
        return `step ${step} waits for child execution ${String(detail.FlowName)}/${detail.ExecutionName}`;
      }
      return `step ${step} waits for its task`;
    });
    if (clock) {
      const next = clock.nextTimerAt();
      const busy = skipping ? inProgress() : undefined;
      reasons.push(
        next === undefined
          ? 'no timer is armed on the virtual clock'
          : `the virtual clock is at ${new Date(clock.now()).toISOString()} and its next timer is due at ${new Date(next).toISOString()}${
              !skipping
                ? ': advance env.clock, or pass { skipTime: true }'
                : busy
                  ? `, and time skipping waits because ${busy}`
                  : ''
            }`,
      );
    }
    const last = history.at(-1);
    if (last)
      reasons.push(
        `its last event is ${last.Type}${last.StepName ? ` of step ${last.StepName}` : ''}`,
      );
    return reasons.join('; ');
  };

  return { explainWait };
}
