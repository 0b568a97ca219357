/**
 * The mock workers of `env.handle()`: an in-process consumer per queue that runs
 * the test's task handlers side by side and reports back to the flow, as the
 * task worker does. Owns the workers and the queues that have one; the handler
 * calls they run are kept by the attempt tracker, which abandons a call whose
 * step ends.
 */

import type { ReceivedMessage } from '../local/mns/types';
import type { LocalStack } from '../local/stack';
import type { FlowClient } from '../shared/clients/flow-client';
import { isDone, processTask, type TaskResult } from '../shared/task/process-task';
import {
  createHandlerRegistry,
  type HandlerMap,
  type HandlerRegistry,
  isHandlerRegistry,
} from '../shared/task/registry';
import type { MockWorker } from './index';
import type { AttemptTracker, TaskCall } from './task-attempts';

/** Tasks one mock worker runs at once (a batch receive's most). */
const MOCK_WORKER_CONCURRENCY = 16;

/** What the mock workers need: the stack, a flow client to report with, the attempt tracker. */
export interface MockWorkersOptions {
  stack: LocalStack;
  flow: FlowClient;
  attempts: AttemptTracker;
  /** Whether the test environment is stopped (handle() then refuses). */
  isStopped: () => boolean;
}

/** The mock workers of one test environment. */
export function createMockWorkers({ stack, flow, attempts, isStopped }: MockWorkersOptions) {
  const workers = new Set<MockWorker>();
  /** Queues that have a mock worker: one per queue (two would take each other's tasks). */
  const handled = new Set<string>();

  const handle = (queue: string, handlers: HandlerMap | HandlerRegistry): MockWorker => {
    if (isStopped()) throw new Error('the test environment is stopped');
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
        execKey: attempts.execKeyOfMessage(m.messageId),
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
      if (attempts.hasEnded(m.messageId)) {
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
      attempts.addCall(call);
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
          attempts.deleteCall(call);
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
        await attempts.settleCalls((c) => mine.has(c));
        // The queue may have a mock worker again (a test's own, say).
        if (workers.delete(worker)) handled.delete(queue);
      },
    };
    workers.add(worker);
    return worker;
  };

  return {
    handle,
    /** Whether `queue` has a mock worker. */
    isHandled: (queue: string) => handled.has(queue),
    /** Stops every mock worker. */
    async stopAll(): Promise<void> {
      await Promise.all([...workers].map((w) => w.stop()));
    },
  };
}
