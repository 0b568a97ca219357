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
import { type FollowedExecution, followExecution } from '../local/demo/follow';
import type { HistoryEvent } from '../local/flow/types';
import { createLogger, type Logger, type LogLevel } from '../local/log';
import type { ReceivedMessage } from '../local/mns/types';
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

/** How to start a test environment. */
export interface TestEnvironmentOptions {
  /** Path of s.yaml whose queues and flows are created (and functions run, see `functions`). */
  project?: string;
  /** Use a VirtualClock (`env.clock.advance(ms)`) for every stack timer. Default false. */
  virtualClock?: boolean;
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
  /** Stops consuming; a handler still running after 2 s (its signal aborted) is left behind. */
  stop(): Promise<void>;
}

/** What `runExecution` returns. */
export interface ExecutionResult {
  name: string;
  status: 'Succeeded' | 'Failed' | 'Stopped' | 'TimedOut' | string;
  /** The parsed output on success. */
  output: unknown;
  error?: string;
  cause?: string;
  /** The top-level steps in the order they ran. */
  steps: string[];
  history: HistoryEvent[];
}

/** A running test environment. */
export interface TestEnvironment {
  readonly stack: LocalStack;
  /** The MNS, FnF and FC endpoint of the stack. */
  readonly endpoint: string;
  readonly credentials: Credentials;
  /** Present with `virtualClock: true`. */
  readonly clock: VirtualClock | undefined;
  /** Runs `handlers` (keyed by `task_type`) for messages on `queue`, reporting back to the flow. */
  handle(queue: string, handlers: HandlerMap | HandlerRegistry): MockWorker;
  /** Starts an execution and waits (real time, default 30 s) for it to end. */
  runExecution(
    flowName: string,
    input?: unknown,
    options?: { name?: string; timeoutMs?: number },
  ): Promise<ExecutionResult>;
  stop(): Promise<void>;
}

let counter = 0;

// How long stop() and runExecution wait for handler calls still in flight: a
// handler that never settles must not hang a test's teardown.
const IN_FLIGHT_WAIT_MS = 2000;

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

/** Starts a local stack for a test: port 0, in memory, your project applied. */
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
  const credentials: Credentials = { ...stack.credentials };
  const flow = createFlowClient({ endpoint: stack.endpoint, credentials });
  const workers: MockWorker[] = [];
  /** Handler calls in flight across the mock workers. */
  const inFlight = new Set<Promise<void>>();
  /** Queues that have a mock worker: one per queue (two would take each other's tasks). */
  const handled = new Set<string>();
  /** runExecution calls still waiting, failed by stop() so no test hangs on them. */
  const running = new Set<(err: Error) => void>();
  let stopped = false;

  const handle = (queue: string, handlers: HandlerMap | HandlerRegistry): MockWorker => {
    if (handled.has(queue)) {
      throw new Error(
        `queue ${queue} already has a mock worker: pass all its task types to one handle() call (two workers would take each other's messages and answer UnknownTaskType)`,
      );
    }
    const registry = isHandlerRegistry(handlers) ? handlers : createHandlerRegistry(handlers);
    // Fail fast on a typo: an unknown queue throws QueueNotExist here, not in the loop.
    stack.queues.getQueue(queue);
    handled.add(queue);
    const abort = new AbortController();
    const results: TaskResult[] = [];
    const runTask = async (m: ReceivedMessage) => {
      const result = await processTask(
        { body: m.body, messageId: m.messageId, dequeueCount: m.dequeueCount },
        { registry, flow, signal: abort.signal },
      );
      results.push(result);
      // A retryable failure leaves the message to come back after its visibility timeout.
      if (isDone(result.outcome)) {
        try {
          stack.queues.deleteMessage(queue, m.receiptHandle);
        } catch {
          // The handle expired: the message comes back and the report dedups it.
        }
      }
    };
    const loop = (async () => {
      while (!abort.signal.aborted) {
        let messages: ReceivedMessage[];
        try {
          messages = await stack.queues.receiveMessages(queue, {
            max: 16,
            waitSeconds: 30,
            signal: abort.signal,
          });
        } catch (err) {
          if (abort.signal.aborted) return;
          throw err;
        }
        await Promise.all(
          messages.map((m) => {
            const task = runTask(m);
            inFlight.add(task);
            return task.finally(() => inFlight.delete(task));
          }),
        );
      }
    })();
    loop.catch((err) => stack.logger.error('mock worker stopped', { queue, error: String(err) }));
    const worker: MockWorker = {
      results,
      async stop() {
        abort.abort();
        await bounded(loop, IN_FLIGHT_WAIT_MS);
      },
    };
    workers.push(worker);
    return worker;
  };

  return {
    stack,
    endpoint: stack.endpoint,
    credentials,
    clock,
    handle,
    async runExecution(flowName, input, runOptions = {}) {
      if (stopped) throw new Error('the test environment is stopped');
      const name = runOptions.name ?? `test-${Date.now().toString(36)}-${++counter}`;
      let fail: (err: Error) => void = () => {};
      const interrupted = new Promise<never>((_, reject) => {
        fail = reject;
      });
      running.add(fail);
      const done = Promise.race([
        followExecution({
          engine: stack.engine,
          flowName,
          executionName: name,
          write: () => {},
          timeoutMs: runOptions.timeoutMs ?? 30_000,
        }),
        interrupted,
      ]).finally(() => running.delete(fail));
      done.catch(() => {});
      stack.engine.startExecution({
        FlowName: flowName,
        ExecutionName: name,
        ...(input === undefined ? {} : { Input: JSON.stringify(input) }),
      });
      const r: FollowedExecution = await done;
      // The report that ended it is still returning to its handler call.
      await bounded(Promise.all([...inFlight]), IN_FLIGHT_WAIT_MS);
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
      await Promise.all(workers.map((w) => w.stop()));
      await stack.stop();
    },
  };
}
