import type { FlowClient } from '../clients/flow-client';
import { type QueueClient, QueueError, type ReceivedMessage } from '../clients/queue-client';
import { realSleep, type Sleep } from '../clients/retry';
import { classifyError } from './classify';
import { decodeTaskMessage } from './envelope';
import { RELEASE_SECONDS } from './limits';
import { isDone, processTask, type TaskResult } from './process-task';
import type { HandlerRegistry } from './registry';

/** One finished (or released) task, for progress output and metrics. */
export interface WorkerTaskEvent extends TaskResult {
  dequeueCount: number;
  /** True when shutdown gave the message back before the task finished. */
  released?: boolean;
}

/** How to build a long-polling worker. */
export interface LongPollWorkerOptions {
  queue: Pick<QueueClient, 'receive' | 'deleteBatch' | 'changeVisibility'>;
  queueName: string;
  registry: HandlerRegistry;
  flow: Pick<FlowClient, 'reportTaskSucceeded' | 'reportTaskFailed'>;
  /** Tasks run at once (default 4). */
  concurrency?: number;
  /** Messages per receive, 1–16 (default min(16, concurrency)). */
  batchSize?: number;
  /** Long-poll wait per receive, 0–30 s (default 10). */
  waitSeconds?: number;
  /**
   * The queue's VisibilityTimeout in whole seconds (default 30; rounded up). A task still running
   * after two thirds of it has its message's visibility extended by this much.
   */
  visibilityTimeout?: number;
  /**
   * Seconds a message stays hidden after a retryable failure, by delivery count
   * (default 2^(n-1) capped at 60; `null` leaves the queue's visibility timeout).
   */
  retryDelaySeconds?: ((dequeueCount: number) => number) | null;
  /** From this delivery on, a retryable failure is reported to the flow (default: no limit). */
  maxDeliveries?: number;
  /**
   * Finished tasks' messages are deleted in batches (BatchDeleteMessage, up to
   * 16): a batch goes when it is full or this long after its first handle
   * (default 50 ms; 0 deletes each message on its own turn). A late delete
   * is harmless: a redelivered task's report answers TaskAlreadyCompleted.
   */
  deleteDelayMs?: number;
  /** How long stop() lets in-flight tasks finish before releasing them (default 25 s). */
  graceSeconds?: number;
  onTask?: (event: WorkerTaskEvent) => void;
  /**
   * Trouble the worker survives (logged by the caller): queue and visibility
   * calls, and `process`, a task whose processing threw (it is retried).
   */
  onError?: (
    error: unknown,
    stage: 'receive' | 'delete' | 'extend' | 'release' | 'retry-delay' | 'process',
  ) => void;
  sleep?: Sleep;
}

/** A running long-polling worker. */
export interface LongPollWorker {
  /** Receives and runs tasks until stop(); resolves once shut down. */
  run(): Promise<void>;
  /**
   * Stops receiving, finishes in-flight tasks within the grace period, releases
   * the rest. `immediately` (say, on a second Ctrl-C) ends the grace period now:
   * the tasks still running are aborted and their messages handed back at once.
   */
  stop(options?: { immediately?: boolean }): Promise<void>;
  readonly inFlight: number;
}

interface InFlight {
  message: ReceivedMessage;
  handle: string;
  released: boolean;
  /** Set once the task's result is in: no more extensions. */
  settled: boolean;
  startedAt: number;
  controller: AbortController;
  extending?: Promise<void>;
  timer?: ReturnType<typeof setTimeout>;
  done: Promise<void>;
}

function taskTypeOf(m: ReceivedMessage): { taskType?: string } {
  try {
    const { taskType } = decodeTaskMessage(m.body);
    return taskType === undefined ? {} : { taskType };
  } catch {
    return {};
  }
}

const defaultRetryDelay = (n: number) => Math.min(60, 2 ** Math.max(0, n - 1));

/** MNS's batch limit. */
const MAX_BATCH = 16;

/**
 * Collects receipt handles and deletes them with BatchDeleteMessage: when 16
 * are waiting, `delayMs` after the first, or on flush(). Each delete() settles
 * once its batch is done; a refused handle or a failed call goes to onError.
 */
function createBatchDeleter(options: {
  queue: Pick<QueueClient, 'deleteBatch'>;
  queueName: string;
  delayMs: number;
  onError: (error: unknown) => void;
}) {
  const { queue, queueName, delayMs, onError } = options;
  const waiting: Array<{ handle: string; done: () => void }> = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let eager = false;

  async function send(batch: Array<{ handle: string; done: () => void }>) {
    try {
      const refused = await queue.deleteBatch(
        queueName,
        batch.map((b) => b.handle),
      );
      for (const r of refused) {
        onError(
          new QueueError({
            code: r.code,
            message: `BatchDeleteMessage: ${r.code}: ${r.message} (receipt handle ${r.receiptHandle})`,
            retryable: false,
          }),
        );
      }
    } catch (err) {
      onError(err);
    } finally {
      for (const b of batch) b.done();
    }
  }

  function flush() {
    if (timer) clearTimeout(timer);
    timer = undefined;
    while (waiting.length > 0) void send(waiting.splice(0, MAX_BATCH));
  }

  return {
    delete(handle: string): Promise<void> {
      return new Promise<void>((done) => {
        waiting.push({ handle, done });
        if (eager || waiting.length >= MAX_BATCH) flush();
        else if (!timer) timer = setTimeout(flush, delayMs);
      });
    },
    /** From now on (shutting down), delete at once; and send what waits. */
    eager() {
      eager = true;
      flush();
    },
  };
}

/**
 * The long-polling task worker for ECS, containers and on-prem machines:
 * batch receive with bounded concurrency, visibility extension for long
 * tasks, delete after the report, redelivery for retryable failures, and a
 * graceful stop.
 * @example const worker = createLongPollWorker({ queue, queueName: 'queueflow-tasks', registry, flow });
 *          process.once('SIGTERM', () => void worker.stop());
 *          await worker.run();
 */
export function createLongPollWorker(options: LongPollWorkerOptions): LongPollWorker {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const batchSize = Math.max(
    1,
    Math.min(16, Math.floor(options.batchSize ?? Math.min(16, concurrency))),
  );
  const waitSeconds = Math.max(0, Math.min(30, options.waitSeconds ?? 10));
  // MNS takes whole seconds, 1 to 43200.
  const visibility = Math.min(43_200, Math.max(1, Math.ceil(options.visibilityTimeout ?? 30)));
  const retryDelay =
    options.retryDelaySeconds === undefined ? defaultRetryDelay : options.retryDelaySeconds;
  const graceMs = Math.max(0, (options.graceSeconds ?? 25) * 1000);
  const sleep = options.sleep ?? realSleep;
  // The callbacks are the caller's code (a log line, a metrics sink): one that
  // throws must not take the worker down with an unhandled rejection.
  const onError: NonNullable<LongPollWorkerOptions['onError']> = (err, stage) => {
    try {
      options.onError?.(err, stage);
    } catch {
      // Nowhere left to report it.
    }
  };
  const onTask = (event: WorkerTaskEvent) => {
    try {
      options.onTask?.(event);
    } catch {
      // A failing listener changes nothing about the task, which is settled.
    }
  };
  const { queue, queueName } = options;
  const deleter = createBatchDeleter({
    queue,
    queueName,
    delayMs: Math.max(0, options.deleteDelayMs ?? 50),
    onError: (err) => onError(err, 'delete'),
  });

  const tasks = new Set<InFlight>();
  /** Settles of reported tasks (their message's delete or retry delay) still under way. */
  const finishing = new Set<Promise<void>>();
  let stopping = false;
  let running: Promise<void> | undefined;
  const slotWaiters = new Set<() => void>();
  // stop({ immediately: true }) cuts the grace period short, before or during drain().
  let cutGrace: () => void = () => {};
  const graceCut = new Promise<void>((resolve) => {
    cutGrace = resolve;
  });
  let stopWaiter: (() => void) | undefined;
  const stopSignal = new Promise<void>((resolve) => {
    stopWaiter = resolve;
  });

  const wakeSlot = () => {
    const waiting = [...slotWaiters];
    slotWaiters.clear();
    for (const w of waiting) w();
  };

  // Extend at two thirds of the window: a full third left absorbs a slow call,
  // and a failed call is tried again within it.
  const extendEveryMs = Math.max(300, Math.floor((visibility * 1000 * 2) / 3));
  const extendRetryMs = Math.max(100, Math.min(1000, Math.floor((visibility * 1000) / 6)));

  function scheduleExtension(t: InFlight, delayMs = extendEveryMs) {
    t.timer = setTimeout(() => {
      t.extending = (async () => {
        try {
          const r = await queue.changeVisibility(queueName, t.handle, visibility);
          t.handle = r.receiptHandle;
          if (!t.released && !t.settled) scheduleExtension(t);
        } catch (err) {
          onError(err, 'extend');
          // A transient failure (network, throttling, 5xx) is tried again soon,
          // while the window still holds; giving up would hand a running task to
          // another consumer. A stale handle (the message slipped back or was
          // taken) ends the extensions: the report stays idempotent.
          const retryable = (err as { retryable?: unknown } | null)?.retryable === true;
          if (retryable && !t.released && !t.settled) scheduleExtension(t, extendRetryMs);
        }
      })();
    }, delayMs);
  }

  async function settle(t: InFlight, result: TaskResult) {
    t.settled = true;
    if (t.timer) clearTimeout(t.timer);
    await t.extending;
    // A released task was already announced by release(); its late result is moot.
    if (t.released) return;
    const event: WorkerTaskEvent = { ...result, dequeueCount: t.message.dequeueCount };
    if (isDone(result.outcome)) {
      // Errors go to onError inside the deleter; this only waits for the batch.
      await deleter.delete(t.handle);
    } else if (retryDelay) {
      try {
        const seconds = Math.max(
          RELEASE_SECONDS,
          Math.min(43_200, Math.round(retryDelay(t.message.dequeueCount))),
        );
        await queue.changeVisibility(queueName, t.handle, seconds);
      } catch (err) {
        onError(err, 'retry-delay');
      }
    }
    onTask(event);
  }

  function start(message: ReceivedMessage) {
    const t = {
      message,
      handle: message.receiptHandle,
      released: false,
      settled: false,
      startedAt: Date.now(),
      controller: new AbortController(),
    } as InFlight;
    scheduleExtension(t);
    t.done = (async () => {
      let result: TaskResult;
      try {
        result = await processTask(
          { body: message.body, messageId: message.messageId, dequeueCount: message.dequeueCount },
          {
            registry: options.registry,
            flow: options.flow,
            signal: t.controller.signal,
            ...(options.maxDeliveries ? { maxDeliveries: options.maxDeliveries } : {}),
          },
        ).catch((err: unknown): TaskResult => {
          // processTask does not throw for a task problem; a bug that makes it
          // throw must not kill the worker and every task in flight with it.
          onError(err, 'process');
          return {
            outcome: 'retry',
            durationMs: Date.now() - t.startedAt,
            // classifyError's text never throws, whatever was thrown.
            error: { ...classifyError(err), code: 'WorkerError', retryable: true },
          };
        });
      } finally {
        // The slot is free once the task is reported; its message's delete
        // (batched) finishes in the background, and stop() still waits for it.
        // settle() stops the extensions too, but a throw never gets there.
        if (t.timer) clearTimeout(t.timer);
        tasks.delete(t);
        wakeSlot();
      }
      const settling = settle(t, result);
      finishing.add(settling);
      try {
        await settling;
      } finally {
        finishing.delete(settling);
      }
    })();
    tasks.add(t);
  }

  async function release(t: InFlight) {
    t.released = true;
    if (t.timer) clearTimeout(t.timer);
    t.controller.abort();
    await t.extending;
    await releaseHandle(t.handle);
    onTask({
      outcome: 'retry',
      released: true,
      messageId: t.message.messageId,
      dequeueCount: t.message.dequeueCount,
      durationMs: Date.now() - t.startedAt,
      ...taskTypeOf(t.message),
    });
  }

  async function releaseHandle(handle: string) {
    try {
      await queue.changeVisibility(queueName, handle, RELEASE_SECONDS);
    } catch (err) {
      onError(err, 'release');
    }
  }

  // Receives in flight, and how many messages they may bring back.
  let polling = 0;
  let reserved = 0;
  // Did the main poll come back with fewer messages than it asked for? Then the
  // queue is drained, and a worker using at most half its slots keeps a second,
  // standby poll (one message) parked: while a task reports, the flow's next
  // message already has a receiver (the local stack hands it over in the
  // report's own commit), and re-polling never delays a report. A backlogged
  // queue answers full batches, which one poll at a time takes.
  let drained = true;

  /** Messages the next receive may ask for (0: none now), given the slots and the other poll. */
  function nextReceiveSize(): number {
    const free = concurrency - tasks.size - reserved;
    const standby = drained && tasks.size <= concurrency / 2;
    if (polling === 0) return Math.min(batchSize, free - (standby && free > 1 ? 1 : 0));
    if (polling === 1 && standby) return Math.min(1, free);
    return 0;
  }

  async function loop() {
    let failures = 0;
    while (!stopping) {
      const max = nextReceiveSize();
      if (max < 1) {
        await Promise.race([new Promise<void>((r) => slotWaiters.add(r)), stopSignal]);
        continue;
      }
      // Only the main poll tells whether the queue is backlogged.
      const standby = polling > 0;
      polling++;
      reserved += max;
      let messages: ReceivedMessage[] | undefined;
      try {
        messages = await queue.receive(queueName, { max, waitSeconds });
      } catch (err) {
        onError(err, 'receive');
      } finally {
        polling--;
        reserved -= max;
      }
      if (!messages) {
        failures++;
        await Promise.race([sleep(Math.min(10_000, 250 * 2 ** Math.min(6, failures))), stopSignal]);
        continue;
      }
      failures = 0;
      if (!standby) drained = messages.length < max;
      // Without a long-poll wait an empty queue would be polled in a tight loop.
      if (messages.length === 0 && waitSeconds === 0) {
        await Promise.race([sleep(500), stopSignal]);
      }
      for (const m of messages) {
        // Received while shutting down: hand it straight back.
        if (stopping) await releaseHandle(m.receiptHandle);
        else start(m);
      }
      if (messages.length > 0) {
        // The other poller may poll now; the tasks just started get their
        // reports on the wire first.
        wakeSlot();
        await new Promise<void>((r) => setImmediate(r));
      }
    }
  }

  async function drain() {
    deleter.eager();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all([...tasks].map((t) => t.done)), graceOver, graceCut]);
    clearTimeout(timer);
    const unfinished = [...tasks];
    await Promise.all([...unfinished.map(release), ...finishing]);
  }

  return {
    get inFlight() {
      return tasks.size;
    },
    run() {
      running ??= (async () => {
        // Two pollers when there is room for a standby poll (see nextReceiveSize).
        const loops = Promise.all(Array.from({ length: concurrency > 1 ? 2 : 1 }, () => loop()));
        // The grace period runs from stop(), not from the end of a long poll still
        // under way (the SDK cannot cut one short): shutdown takes the longer of
        // the two, not their sum, and stays inside a container's stop timeout.
        await Promise.race([loops, stopSignal]);
        await Promise.all([loops, drain()]);
      })();
      return running;
    },
    async stop(stopOptions) {
      if (stopOptions?.immediately) cutGrace();
      stopping = true;
      stopWaiter?.();
      wakeSlot();
      await (running ?? Promise.resolve());
    },
  };
}
