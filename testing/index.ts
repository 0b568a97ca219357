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
import { type FollowedExecution, FollowTimeoutError, followExecution } from '../local/demo/follow';
import type { HistoryEvent } from '../local/flow/types';
import { createLogger, type Logger, type LogLevel } from '../local/log';
import { staleBuildWarning } from '../local/project/stale-build';
import { type LocalStack, startLocalStack } from '../local/stack';
import type { Credentials } from '../shared/clients/config';
import { createFlowClient } from '../shared/clients/flow-client';
import type { TaskResult } from '../shared/task/process-task';
import type { HandlerMap, HandlerRegistry } from '../shared/task/registry';
import { createWaitExplainer } from './explain-wait';
import { createMockWorkers } from './mock-worker';
import { createAttemptTracker } from './task-attempts';
import { createTimeSkip } from './time-skip';

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

/** runExecution's default real-time limit: under vitest's and jest's 5 s test timeout. */
const RUN_TIMEOUT_MS = 4000;

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
  const attempts = createAttemptTracker({ engine: stack.engine });
  /** runExecution calls still waiting, failed by stop() so no test hangs on them. */
  const running = new Set<(err: Error) => void>();
  let stopped = false;
  const isStopped = () => stopped;
  const { handle, isHandled, stopAll } = createMockWorkers({ stack, flow, attempts, isStopped });
  const { inProgress, skipTime } = createTimeSkip({
    stack,
    calls: attempts.calls,
    isHandled,
    isStopped,
  });
  const { explainWait } = createWaitExplainer({ stack, clock, isHandled, inProgress });

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
      const execKey = attempts.execKeyOf(flowName, name);
      attempts.endExecution(execKey);
      const family = attempts.endedFamily(execKey);
      await attempts.settleCalls((c) => c.execKey !== undefined && family.has(c.execKey));
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
      await stopAll();
      attempts.unsubscribe();
      await stack.stop();
    },
  };
}
