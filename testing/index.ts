/**
 * `queueflow/testing`: a local stack for your own tests, modelled on Temporal's
 * TestWorkflowEnvironment. It starts the whole stack in-process on a free port
 * with an in-memory store, applies your s.yaml (queues and flows; functions only
 * when asked), lets you register in-process task handlers as mock workers, runs
 * executions and hands back their result and history.
 *
 * @example
 * const env = await createTestEnvironment({ project: 's.yaml' });
 * env.handle('queueflow-tasks', { extract: async () => ({ rows: 3 }), ... });
 * const run = await env.runExecution('queueflow-demo', { source: 'a.csv' });
 * expect(run.status).toBe('Succeeded');
 * await env.stop();
 */

import { VirtualClock } from '../local/clock';
import {
  type FollowedExecution,
  FollowTimeoutError,
  followExecution,
  readHistory,
} from '../local/demo/follow';
import { EXECUTION_END_EVENTS, type FlowEvent, type HistoryEvent } from '../local/flow/types';
import { parseEventDetail } from '../local/flow/views';
import { createLogger, type Logger, type LogLevel } from '../local/log';
import type { ReceivedMessage } from '../local/mns/types';
import { staleBuildWarning } from '../local/project/stale-build';
import { type LocalStack, startLocalStack } from '../local/stack';
import type { Credentials } from '../shared/clients/config';
import { createFlowClient } from '../shared/clients/flow-client';
import { isDone, processTask, type TaskResult } from '../shared/task/process-task';
import {
  createHandlerRegistry,
  type HandlerMap,
  type HandlerRegistry,
  isHandlerRegistry,
} from '../shared/task/registry';

export { VirtualClock } from '../local/clock';
export type { HistoryEvent } from '../local/flow/types';
export type { TaskResult } from '../shared/task/process-task';
export { TaskError } from '../shared/task/task-error';

/**
 * How to start a test environment. `VirtualClockOn` is inferred from the
 * `virtualClock` you pass, so that `env.clock` is typed to match.
 */
export interface TestEnvironmentOptions<VirtualClockOn extends boolean = boolean> {
  /** Path of s.yaml whose queues and flows are created (and functions run, see `functions`). */
  project?: string;
  /** Use a VirtualClock (`env.clock.advance(ms)`) for every stack timer. Default false. */
  virtualClock?: VirtualClockOn;
  /**
   * Run the project's functions from their BUILT bundles (dist/), with their
   * triggers. Default false: register mock workers with `handle()` instead.
   */
  functions?: boolean;
  /** Stack log level (default `warn`). */
  logLevel?: LogLevel;
  /** A logger of your own (overrides logLevel), e.g. to assert on what the stack logged. */
  logger?: Logger;
}

/** An in-process mock worker consuming one queue. */
export interface MockWorker {
  /**
   * Every task it processed, in order. When `runExecution` resolves, the tasks
   * of that execution are in it (the last report ends the execution before its
   * handler call returns; runExecution waits for that return).
   */
  readonly results: readonly TaskResult[];
  /**
   * Stops consuming and aborts the signals of its handler calls. A call whose
   * step is still running gets 2 s to settle (and report), then is left behind;
   * one whose step has ended (see `handle`) is not waited for.
   */
  stop(): Promise<void>;
}

/** Options of `runExecution`. */
export interface RunOptions {
  /** The execution's name (default: a fresh one). */
  name?: string;
  /** Real-time limit in ms (default 4,000). */
  timeoutMs?: number;
  /**
   * With `virtualClock: true`: whenever nothing is in progress (no handler call
   * running, no message waiting for a mock worker, no function running, no
   * message held by a worker of your own), move the clock to the next armed
   * timer, so waits, timeouts, retry backoff and visibility timeouts pass at
   * once, in order, as Temporal's time-skipping environment does. Default false:
   * the test moves `env.clock` itself.
   */
  skipTime?: boolean;
}

/** What `runExecution` returns. */
export interface ExecutionResult {
  name: string;
  status: 'Succeeded' | 'Failed' | 'Stopped' | 'TimedOut' | (string & {});
  /** The parsed output on success. */
  output: unknown;
  error?: string;
  cause?: string;
  /** The top-level steps in the order they ran (a step entered twice, twice; see docs/local.md). */
  steps: string[];
  history: HistoryEvent[];
}

/** `VirtualClock` when the option is `true`, `undefined` when it is `false` (or left out). */
type ClockOf<VirtualClockOn extends boolean> = VirtualClockOn extends true
  ? VirtualClock
  : undefined;

/** A running test environment whose `clock` has the type `Clock`. */
export interface TestEnvironmentWithClock<Clock extends VirtualClock | undefined> {
  readonly stack: LocalStack;
  /** The MNS, FnF and FC endpoint of the stack. */
  readonly endpoint: string;
  readonly credentials: Credentials;
  /** A VirtualClock with `virtualClock: true`, else undefined. */
  readonly clock: Clock;
  /**
   * Runs `handlers` (keyed by `task_type`) for messages on `queue`, reporting back
   * to the flow. When a task's step ends while its handler is still running (the
   * step timed out, the execution ended or was stopped), the handler's
   * `ctx.signal` is aborted and nothing waits for the handler any more.
   */
  handle(queue: string, handlers: HandlerMap | HandlerRegistry): MockWorker;
  /**
   * Starts an execution and waits for it to end: at most `timeoutMs` of real
   * time (default 4 s, under the 5 s a vitest or jest test gets by default, so
   * that a stuck execution fails with this method's explanation of what it
   * waits for rather than the test runner's bare timeout).
   */
  runExecution(
    flowName: string,
    /** The execution's Input: a JSON object, as StartExecution takes it. */
    input?: object,
    options?: RunOptions,
  ): Promise<ExecutionResult>;
  stop(): Promise<void>;
}

/**
 * A running test environment. `TestEnvironment<VirtualClock>` is one made with
 * `virtualClock: true`; plain `TestEnvironment` is either kind (a union, so a
 * `let env: TestEnvironment` assigned from `createTestEnvironment({ virtualClock: true })`
 * narrows to the one with a clock).
 */
export type TestEnvironment<Clock extends VirtualClock | undefined = VirtualClock | undefined> =
  Clock extends unknown ? TestEnvironmentWithClock<Clock> : never;

let counter = 0;

/**
 * An execution input as JSON text. JSON.stringify writes Infinity and NaN as
 * null, a value the test never passed: refused, as StartExecution refuses 1e400.
 */
function inputText(input: object): string {
  if (Array.isArray(input) || input === null || typeof input !== 'object') {
    throw new TypeError('runExecution: the input must be a JSON object (StartExecution takes one)');
  }
  return JSON.stringify(input, (key, value) => {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TypeError(
        `runExecution: the input holds ${value}${key ? ` at "${key}"` : ''}, which JSON cannot carry`,
      );
    }
    return value;
  });
}

/** Tasks one mock worker runs at once (a batch receive's most). */
const MOCK_WORKER_CONCURRENCY = 16;

// How long stop() (and a mock worker's stop()) lets a handler call whose step is
// still running settle once its signal is aborted, and how long runExecution
// waits for the report that ended the execution to return to its handler call.
// A bound, not a delay: a handler that never settles must not hang a test, and
// a call whose step has ended is not waited for at all.
const IN_FLIGHT_WAIT_MS = 2000;

/** runExecution's default real-time limit: under vitest's and jest's 5 s test timeout. */
const RUN_TIMEOUT_MS = 4000;

const TASK_ENDS = new Set(['TaskSucceeded', 'TaskFailed', 'TaskTimedOut']);

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
interface TaskCall {
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

/** Starts a local stack for a test: port 0, in memory, your project applied. */
export function createTestEnvironment<VirtualClockOn extends boolean = false>(
  options?: TestEnvironmentOptions<VirtualClockOn>,
): Promise<TestEnvironment<ClockOf<VirtualClockOn>>>;
export async function createTestEnvironment(
  options: TestEnvironmentOptions = {},
): Promise<TestEnvironment> {
  const clock = options.virtualClock ? new VirtualClock(Date.now()) : undefined;
  const stack = await startLocalStack({
    port: 0,
    memory: true,
    logger: options.logger ?? createLogger({ level: options.logLevel ?? 'warn' }),
    ...(clock ? { clock } : {}),
    ...(options.project ? { project: options.project } : {}),
    startFunctions: options.functions ?? false,
  });
  // Functions run their built bundles: a test of a handler edited since would
  // test its old code.
  const stale = options.functions && stack.project ? staleBuildWarning(stack.project) : undefined;
  if (stale) stack.logger.warn(stale);
  const credentials: Credentials = { ...stack.credentials };
  const flow = createFlowClient({ endpoint: stack.endpoint, credentials });
  const workers = new Set<MockWorker>();
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
  /** Queues that have a mock worker: one per queue (two would take each other's tasks). */
  const handled = new Set<string>();
  // Child executions (a task step that starts a flow) by parent, and the
  // executions that have ended (the latest ENDED_REMEMBERED): the
  // report that ends a sync child ends its parent too, and runExecution waits
  // for that report's handler call as for one of the parent's own.
  const childrenOf = new Map<string, Set<string>>();
  const endedExecutions = new Set<string>();
  /** runExecution calls still waiting, failed by stop() so no test hangs on them. */
  const running = new Set<(err: Error) => void>();
  let stopped = false;

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
  const unsubscribe = stack.engine.onEvent(({ flowName, executionName, event }: FlowEvent) => {
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

  const handle = (queue: string, handlers: HandlerMap | HandlerRegistry): MockWorker => {
    if (stopped) throw new Error('the test environment is stopped');
    if (handled.has(queue)) {
      throw new Error(
        `queue ${queue} already has a mock worker: pass all its task types to one handle() call (two workers would take each other's messages and answer UnknownTaskType)`,
      );
    }
    const registry = isHandlerRegistry(handlers) ? handlers : createHandlerRegistry(handlers);
    // Fail fast on a typo: an unknown queue throws QueueNotExist here, not in the loop.
    stack.queues.getQueue(queue);
    const consumer = stack.functions
      .list()
      .find((f) => f.triggers.some((t) => t.kind === 'mns-queue' && t.queueName === queue));
    if (consumer) {
      throw new Error(
        `queue ${queue} is consumed by function ${consumer.name} (its MNS trigger runs, functions: true): a mock worker would take some of its messages and the function the rest. Mock the queue with functions: false, or let the function handle it`,
      );
    }
    handled.add(queue);
    const abort = new AbortController();
    const results: TaskResult[] = [];
    const mine = new Set<TaskCall>();
    // Stopping the worker aborts the signals of its handler calls (one listener
    // for all of them: one per call would pass EventTarget's leak warning at 10).
    abort.signal.addEventListener(
      'abort',
      () => {
        for (const call of mine) call.controller.abort(abort.signal.reason);
      },
      { once: true },
    );
    // Messages whose handler is running, with their latest receipt handle.
    const inHand = new Map<string, { receiptHandle: string; call: TaskCall }>();
    const runTask = (m: ReceivedMessage): TaskCall => {
      const controller = new AbortController();
      let release: () => void = () => {};
      const call: TaskCall = {
        messageId: m.messageId,
        execKey: live.get(m.messageId)?.execKey,
        controller,
        inHandler: false,
        abandoned: false,
        released: new Promise<void>((r) => {
          release = r;
        }),
        release: () => release(),
      };
      // Tells the handler apart from the report that follows it: only a handler
      // still running is abandoned when its step ends.
      const tracked: HandlerRegistry = {
        types: () => registry.types(),
        get: (taskType) => {
          const handler = registry.get(taskType);
          if (!handler) return undefined;
          return async (input, ctx) => {
            call.inHandler = true;
            try {
              return await handler(input, ctx);
            } finally {
              call.inHandler = false;
            }
          };
        },
      };
      // A message whose step is over, back after its visibility timeout (its
      // handler call hung): not run again, just taken off the queue.
      if (ended.has(m.messageId)) {
        try {
          stack.queues.deleteMessage(queue, m.receiptHandle);
        } catch {
          // Gone already, or its handle went stale: nothing to do.
        }
        call.release();
        return call;
      }
      // Back after its visibility timeout while its handler still runs: not run
      // twice (the long-poll worker extends the visibility of such a message);
      // the call that runs it deletes it with this newer handle.
      const running = inHand.get(m.messageId);
      if (running && !running.call.abandoned) {
        running.receiptHandle = m.receiptHandle;
        call.release();
        return call;
      }
      const held = { receiptHandle: m.receiptHandle, call };
      inHand.set(m.messageId, held);
      calls.add(call);
      mine.add(call);
      void (async () => {
        try {
          const result = await processTask(
            { body: m.body, messageId: m.messageId, dequeueCount: m.dequeueCount },
            { registry: tracked, flow, signal: controller.signal },
          );
          results.push(result);
          // A retryable failure leaves the message to come back after its visibility timeout.
          if (isDone(result.outcome)) {
            try {
              stack.queues.deleteMessage(queue, held.receiptHandle);
            } catch {
              // The handle expired: the message comes back and the report dedups it.
            }
          }
        } finally {
          if (inHand.get(m.messageId) === held) inHand.delete(m.messageId);
          calls.delete(call);
          mine.delete(call);
          call.release();
        }
      })();
      return call;
    };
    // Tasks run side by side, as the task worker runs them: a slow handler does
    // not hold back the other tasks of its queue (an abandoned call counts no more).
    const inFlight = new Set<Promise<void>>();
    const loop = (async () => {
      while (!abort.signal.aborted) {
        while (inFlight.size >= MOCK_WORKER_CONCURRENCY) await Promise.race(inFlight);
        // Stopped while it waited for a free slot: it takes nothing more.
        if (abort.signal.aborted) return;
        let messages: ReceivedMessage[];
        try {
          messages = await stack.queues.receiveMessages(queue, {
            max: MOCK_WORKER_CONCURRENCY - inFlight.size,
            waitSeconds: 30,
            signal: abort.signal,
          });
        } catch (err) {
          if (abort.signal.aborted) return;
          throw err;
        }
        for (const m of messages) {
          const released = runTask(m).released;
          inFlight.add(released);
          void released.then(() => inFlight.delete(released));
        }
      }
    })();
    loop.catch((err) => stack.logger.error('mock worker stopped', { queue, error: String(err) }));
    const worker: MockWorker = {
      results,
      async stop() {
        abort.abort(new Error('the mock worker was stopped'));
        await settleCalls((c) => mine.has(c));
        // The queue may have a mock worker again (a test's own, say).
        if (workers.delete(worker)) handled.delete(queue);
      },
    };
    workers.add(worker);
    return worker;
  };

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
        return `queue ${queue} has ${active} message(s) waiting${handled.has(queue) ? '' : ', and no mock worker consumes it'}`;
      }
      if (inflight > 0 && !handled.has(queue)) {
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
    while (!over && !stopped) {
      await new Promise<void>((r) => setTimeout(r, 2));
      if (over || stopped) break;
      // Nothing to skip to: no need to look at what is in progress.
      const next = virtual.nextTimerAt();
      idleLooks = next !== undefined && inProgress() === undefined ? idleLooks + 1 : 0;
      if (idleLooks < 2 || next === undefined) continue;
      idleLooks = 0;
      await virtual.advanceTo(next);
    }
  };

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
        return handled.has(q)
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

  return {
    stack,
    endpoint: stack.endpoint,
    credentials,
    clock,
    handle,
    async runExecution(flowName, input, runOptions = {}) {
      if (stopped) throw new Error('the test environment is stopped');
      if (runOptions.skipTime && !clock) {
        throw new TypeError(
          'runExecution: skipTime needs an environment made with virtualClock: true',
        );
      }
      // Refused before anything starts following the execution.
      const inputJson = input === undefined ? undefined : inputText(input);
      const name = runOptions.name ?? `test-${Date.now().toString(36)}-${++counter}`;
      const timeoutMs = runOptions.timeoutMs ?? RUN_TIMEOUT_MS;
      let fail: (err: Error) => void = () => {};
      const interrupted = new Promise<never>((_, reject) => {
        fail = reject;
      });
      running.add(fail);
      const follow = new AbortController();
      const done = Promise.race([
        followExecution({
          engine: stack.engine,
          flowName,
          executionName: name,
          write: () => {},
          timeoutMs,
          signal: follow.signal,
        }),
        interrupted,
      ]).finally(() => running.delete(fail));
      done.catch(() => {});
      try {
        // An Express flow too: this follows the execution itself (the API would
        // refuse it, as the cloud does, and point to StartSyncExecution).
        stack.engine.startExecution(
          {
            FlowName: flowName,
            ExecutionName: name,
            ...(inputJson === undefined ? {} : { Input: inputJson }),
          },
          { express: true },
        );
      } catch (err) {
        follow.abort(err);
        throw err;
      }
      const skipping = runOptions.skipTime && clock ? skipTime(clock, done) : undefined;
      let r: FollowedExecution;
      try {
        r = await done;
      } catch (err) {
        if (stopped || !(err instanceof FollowTimeoutError)) throw err;
        throw new Error(`${err.message}: ${explainWait(flowName, name, skipping !== undefined)}`, {
          cause: err,
        });
      } finally {
        await skipping;
      }
      // Every step of it has ended: its handler calls still running are abandoned
      // (the event listener has done so already; this is for certain), and the
      // report that ended it (or ended a child flow it waited for) is still
      // returning to its handler call.
      const execKey = execKeyOf(flowName, name);
      endExecution(execKey);
      const family = endedFamily(execKey);
      await settleCalls((c) => c.execKey !== undefined && family.has(c.execKey));
      return {
        name,
        status: r.status,
        output: r.output,
        ...(r.error ? { error: r.error } : {}),
        ...(r.cause ? { cause: r.cause } : {}),
        steps: r.steps,
        history: r.history,
      };
    },
    async stop() {
      stopped = true;
      for (const fail of running) {
        fail(new Error('the test environment was stopped while this execution was running'));
      }
      await Promise.all([...workers].map((w) => w.stop()));
      unsubscribe();
      await stack.stop();
    },
  };
}
