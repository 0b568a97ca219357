/**
 * The tracking of task attempts for a test environment's mock workers: from the
 * flow's events, which task messages' attempts still run and which have ended,
 * which child executions each execution started and which executions ended,
 * and the mock handler calls in flight, abandoned when their attempt ends.
 * Owns all of that state; the mock workers add and remove their calls here.
 */

import { EXECUTION_END_EVENTS, type FlowEvent } from '../local/flow/types';
import { parseEventDetail } from '../local/flow/views';
import type { LocalStack } from '../local/stack';

// How long stop() (and a mock worker's stop()) lets a handler call whose step is
// still running settle once its signal is aborted, and how long runExecution
// waits for the report that ended the execution to return to its handler call.
// A bound, not a delay: a handler that never settles must not hang a test, and
// a call whose step has ended is not waited for at all.
const IN_FLIGHT_WAIT_MS = 2000;

/** The history events that end a task step (explain-wait.ts reads them too). */
export const TASK_ENDS = new Set(['TaskSucceeded', 'TaskFailed', 'TaskTimedOut']);

/** Resolves when `work` does or after `ms` (a real timer), whichever is first. */
function bounded(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    work.then(
      () => {},
      () => {},
    ),
    new Promise<void>((r) => {
      timer = setTimeout(r, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * How many ended task messages (so that a late redelivery is not run again) and
 * ended executions (for runExecution's wait on child flows) are remembered.
 */
const ENDED_REMEMBERED = 10_000;

/** Adds `value`, dropping the oldest entry once the set holds more than ENDED_REMEMBERED. */
function remember(set: Set<string>, value: string): void {
  set.add(value);
  if (set.size > ENDED_REMEMBERED) set.delete(set.values().next().value as string);
}

/** Adds `value` to the set `map` keeps under `key`, making the set on first use. */
function addUnder(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

/** One handler call of a mock worker. */
export interface TaskCall {
  messageId: string;
  /** `flow/execution` of its task, when known (for runExecution's wait). */
  execKey: string | undefined;
  /** Aborted when the worker stops or the call is abandoned. */
  controller: AbortController;
  /** True while the handler runs: false before it is called and once it has returned (its report follows). */
  inHandler: boolean;
  /** Its step ended while the handler ran: nothing waits for it any more. */
  abandoned: boolean;
  /** Resolves when the call has finished or been abandoned. */
  released: Promise<void>;
  release: () => void;
}

/** What the attempt tracker needs: the engine whose events it follows. */
export interface AttemptTrackerOptions {
  engine: LocalStack['engine'];
}

/** Starts following the engine's events (until `unsubscribe()`). */
export function createAttemptTracker({ engine }: AttemptTrackerOptions) {
  /** Handler calls in flight across the mock workers. */
  const calls = new Set<TaskCall>();
  // Task attempts still running, by the MNS message id the flow sent them as;
  // indexed by execution and by TaskScheduled event to be found when they end.
  const live = new Map<string, { execKey: string; scheduleKey: string }>();
  const liveByExec = new Map<string, Set<string>>();
  const liveBySchedule = new Map<string, string>();
  /** Messages whose attempt has ended (the latest ENDED_REMEMBERED, oldest first). */
  const ended = new Set<string>();
  const execKeyOf = (flowName: string, executionName: string) => `${flowName}/${executionName}`;
  // Child executions (a task step that starts a flow) by parent, and the
  // executions that have ended (the latest ENDED_REMEMBERED): the
  // report that ends a sync child ends its parent too, and runExecution waits
  // for that report's handler call as for one of the parent's own.
  const childrenOf = new Map<string, Set<string>>();
  const endedExecutions = new Set<string>();

  /** Aborts a call whose step has ended while its handler runs (a report on its way is waited for). */
  const abandon = (call: TaskCall) => {
    if (!call.inHandler || call.abandoned) return;
    call.abandoned = true;
    call.controller.abort(
      new Error(
        `the step of task message ${call.messageId} has ended (timed out, or its execution ended)`,
      ),
    );
    call.release();
  };
  /** The attempt of `messageId` has ended: forget it as live, remember it as ended, abandon its calls. */
  const endAttempt = (messageId: string) => {
    const a = live.get(messageId);
    if (a) {
      live.delete(messageId);
      liveBySchedule.delete(a.scheduleKey);
      liveByExec.get(a.execKey)?.delete(messageId);
    }
    remember(ended, messageId);
    for (const call of calls) if (call.messageId === messageId) abandon(call);
  };
  const endExecution = (execKey: string) => {
    for (const messageId of liveByExec.get(execKey) ?? []) endAttempt(messageId);
    liveByExec.delete(execKey);
  };
  const unsubscribe = engine.onEvent(({ flowName, executionName, event }: FlowEvent) => {
    const execKey = execKeyOf(flowName, executionName);
    const scheduleKey = `${execKey}#${event.ScheduleEventId}`;
    if (event.Type === 'TaskSubmitted') {
      const detail = parseEventDetail(event.EventDetail);
      const messageId = detail.MessageId;
      if (typeof detail.FlowName === 'string' && typeof detail.ExecutionName === 'string') {
        addUnder(childrenOf, execKey, execKeyOf(detail.FlowName, detail.ExecutionName));
      }
      if (typeof messageId === 'string') {
        live.set(messageId, { execKey, scheduleKey });
        liveBySchedule.set(scheduleKey, messageId);
        addUnder(liveByExec, execKey, messageId);
      }
    } else if (TASK_ENDS.has(event.Type)) {
      const messageId = liveBySchedule.get(scheduleKey);
      if (messageId !== undefined) endAttempt(messageId);
    } else if (EXECUTION_END_EVENTS.has(event.Type)) {
      endExecution(execKey);
      remember(endedExecutions, execKey);
    }
  });
  /**
   * An execution and its child executions that have ended, recursively; their
   * entries in childrenOf are dropped (runExecution asks once per execution).
   */
  const endedFamily = (execKey: string): Set<string> => {
    const family = new Set([execKey]);
    const visit = (key: string) => {
      const children = childrenOf.get(key);
      childrenOf.delete(key);
      for (const child of children ?? []) {
        if (family.has(child) || !endedExecutions.has(child)) continue;
        family.add(child);
        visit(child);
      }
    };
    visit(execKey);
    return family;
  };
  /** Waits (bounded) for the calls `which` selects that are neither finished nor abandoned. */
  const settleCalls = (which: (call: TaskCall) => boolean) =>
    bounded(
      Promise.all([...calls].filter((c) => which(c) && !c.abandoned).map((c) => c.released)),
      IN_FLIGHT_WAIT_MS,
    );

  return {
    /** Handler calls in flight across the mock workers (added and deleted with addCall, deleteCall). */
    calls: calls as ReadonlySet<TaskCall>,
    addCall: (call: TaskCall) => {
      calls.add(call);
    },
    deleteCall: (call: TaskCall) => {
      calls.delete(call);
    },
    /** `flow/execution` of the running attempt of task message `messageId`, when known. */
    execKeyOfMessage: (messageId: string) => live.get(messageId)?.execKey,
    /** Whether the attempt of task message `messageId` has ended (among the latest ENDED_REMEMBERED). */
    hasEnded: (messageId: string) => ended.has(messageId),
    execKeyOf,
    endExecution,
    endedFamily,
    settleCalls,
    /** Stops following the engine's events. */
    unsubscribe,
  };
}

/** The attempt tracker of a test environment. */
export type AttemptTracker = ReturnType<typeof createAttemptTracker>;
