import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { ProjectTrigger } from '../project/model';
import { defaultPushRetryPolicy } from '../project/run-options';
import { buildMnsCloudEvent, type MnsCloudEvent } from './cloud-event';
import type { PushFailures } from './push-failures';
import { decidePushRetry } from './push-retry';
import { newFcRequestId } from './request-id';
import type { InvokeOptions, InvokeOutcome } from './types';

/** A received message, as far as the trigger reads it. */
export interface TriggerMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  enqueueTime?: number;
  /** Epoch ms of the first receive: when EventBridge first pushed the event. */
  firstDequeueTime?: number;
  /** Epoch ms when this receive's handle expires and the message shows again. */
  nextVisibleTime?: number;
  dequeueCount?: number;
}

/** The slice of the in-process queue service the trigger uses. */
export interface TriggerQueueApi {
  receiveMessages(
    queue: string,
    options: {
      max: number;
      waitSeconds: number;
      signal?: AbortSignal;
      /** Called synchronously with the claimed messages (inside the sender's commit after a wait). */
      onMessages?: (messages: readonly TriggerMessage[]) => void;
    },
  ): Promise<readonly TriggerMessage[]>;
  deleteMessage(queue: string, receiptHandle: string): unknown;
  /** Keeps a failed message invisible until its retry is due. */
  changeVisibility(queue: string, receiptHandle: string, seconds: number): unknown;
  /**
   * Moves an exhausted message to the dead-letter queue in one step (a crash
   * leaves it in one queue or the other, never both); throws QueueNotExist if
   * either queue is missing, and ReceiptHandleError or MessageNotExist for a
   * stale handle.
   */
  moveMessage(fromQueue: string, receiptHandle: string, toQueue: string): unknown;
}

type MnsTrigger = Extract<ProjectTrigger, { kind: 'mns-queue' }>;

/** A running trigger: consumers polling the queue and invoking the function. */
export interface MnsTriggerConsumer {
  readonly functionName: string;
  readonly trigger: MnsTrigger;
  /** True once errorsTolerance NONE stopped consumption after an event ran out of retries. */
  readonly halted: boolean;
  stop(): Promise<void>;
}

// EventBridge's MNS source long-polls; 10 s keeps a stopped stack quick to exit
// even where the queue cannot be woken by an abort signal.
const POLL_SECONDS = 10;

/**
 * The EventBridge MNS queue source, locally: long-poll the queue, wrap each
 * message in a CloudEvents envelope (one event, or an array per batch window in
 * event-streaming mode), invoke the function synchronously, delete the messages
 * on success. On failure the trigger's retry strategy applies: each message is
 * kept invisible until its retry is due (ChangeMessageVisibility, so the pending
 * retry lives in the queue store and survives a stack crash) and comes back to a
 * poller then; its failed pushes are counted in the store (not by DequeueCount,
 * which a push cut off by a stop also raises). Once a message is out of
 * retries, errorsTolerance ALL moves it to the dead-letter queue (if any: send
 * and delete in one store transaction, so a crash cannot leave it in both) or
 * deletes it; NONE stops this trigger. The function never sees a receipt handle.
 */
export function startMnsTrigger(options: {
  functionName: string;
  trigger: MnsTrigger;
  queues: TriggerQueueApi;
  invoke: (event: Buffer, opts: InvokeOptions) => Promise<InvokeOutcome>;
  /** Failed pushes per message: the retry count and budget. */
  failures: PushFailures;
  clock: Clock;
  logger: Logger;
  accountId: string;
  region: string;
  /** Parallel pollers; each runs one invocation at a time. */
  concurrency: number;
  /** For BACKOFF_RETRY's random interval; Math.random by default. */
  random?: () => number;
}): MnsTriggerConsumer {
  const { trigger, queues, logger, clock, failures } = options;
  const policy = trigger.retry ?? defaultPushRetryPolicy();
  const abort = new AbortController();
  let stopped = false;
  let halted = false;
  const batched = trigger.mode === 'event-streaming' || trigger.batchSize > 1;
  const batchSize = Math.max(1, trigger.batchSize);

  const receive = (
    max: number,
    waitSeconds: number,
    onMessages?: (messages: readonly TriggerMessage[]) => void,
  ) =>
    queues.receiveMessages(trigger.queueName, {
      max: Math.min(16, max),
      waitSeconds,
      signal: abort.signal,
      ...(onMessages ? { onMessages } : {}),
    });

  // Fills a batch until it holds batchSize messages or the window closes. The
  // window also closes before a held message's handle would expire (a window
  // longer than the queue's visibility timeout): waiting on would receive that
  // message again, with a new handle and a DequeueCount that reads as a retry.
  const collect = async (first: readonly TriggerMessage[]): Promise<TriggerMessage[]> => {
    const batch = [...first];
    if (!batched || trigger.batchWindowSeconds <= 0) return batch;
    const held = (ms: readonly TriggerMessage[]) =>
      Math.min(...ms.map((m) => m.nextVisibleTime ?? Number.POSITIVE_INFINITY));
    let deadline = Math.min(clock.now() + trigger.batchWindowSeconds * 1000, held(batch) - 1000);
    while (!stopped && batch.length < batchSize) {
      const left = deadline - clock.now();
      if (left <= 0) break;
      let more: readonly TriggerMessage[];
      try {
        more = await receive(batchSize - batch.length, Math.max(1, Math.ceil(left / 1000)));
      } catch (err) {
        // The window closes on what it holds: those messages are claimed already.
        if (!stopped) {
          logger.warn('receive failed while filling a batch; sending what it holds', {
            queue: trigger.queueName,
            messages: batch.length,
            error: err instanceof Error ? err.message : String(err),
          });
        }
        break;
      }
      if (more.length === 0) break;
      // Defensive: one message is in a batch once.
      for (const m of more) if (!batch.some((b) => b.messageId === m.messageId)) batch.push(m);
      deadline = Math.min(deadline, held(more) - 1000);
    }
    return batch;
  };

  const toEvent = (m: TriggerMessage): MnsCloudEvent =>
    buildMnsCloudEvent({
      message: m,
      queueName: trigger.queueName,
      functionName: options.functionName,
      triggerName: trigger.triggerName,
      isBase64Decode: trigger.isBase64Decode,
      accountId: options.accountId,
      region: options.region,
      requestId: newFcRequestId(clock.now()),
      nowMs: clock.now(),
    });

  const deliver = async (messages: readonly TriggerMessage[], event: unknown) => {
    // Stopped (or halted by errorsTolerance NONE) mid-batch: the rest come back later.
    if (stopped) return;
    const failed = messages.map((m) => failures.of(trigger.queueName, m.messageId));
    const retryCount = Math.max(0, ...failed);
    const outcome = await options.invoke(Buffer.from(JSON.stringify(event)), {
      retryCount,
      ...(trigger.qualifier ? { qualifier: trigger.qualifier } : {}),
    });
    if (outcome.ok) {
      const retried = messages.filter((_, i) => (failed[i] ?? 0) > 0).map((m) => m.messageId);
      if (retried.length > 0) failures.clear(trigger.queueName, retried);
      await Promise.all(
        messages.map(async (m) => {
          try {
            await queues.deleteMessage(trigger.queueName, m.receiptHandle);
          } catch (err) {
            // The handle expired (the function ran past the visibility timeout):
            // the message will be delivered again, as it would be in the cloud.
            logger.warn('could not delete a delivered message', {
              queue: trigger.queueName,
              messageId: m.messageId,
              error: err instanceof Error ? err.message : String(err),
            });
          }
        }),
      );
    } else if (!stopped) {
      await handleFailure(messages, outcome);
    }
  };

  const errorText = (err: unknown) => {
    if (!(err instanceof Error)) return String(err);
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  };

  // Every message of the failed push gets its own decision: a batch can mix fresh
  // messages with ones that came back for a retry.
  const handleFailure = async (
    messages: readonly TriggerMessage[],
    outcome: Extract<InvokeOutcome, { ok: false }>,
  ) => {
    const now = clock.now();
    const random = options.random ?? Math.random;
    const draw = random();
    const exhausted: TriggerMessage[] = [];
    // The log line names the first retry made.
    let first: { retry: number; delaySeconds: number } | undefined;
    for (const m of messages) {
      const decision = decidePushRetry(policy, {
        retriesDone: failures.record(trigger.queueName, m.messageId, now),
        ageMs: now - (m.firstDequeueTime || m.enqueueTime || now),
        random: () => draw,
      });
      if (decision.kind === 'exhausted') {
        exhausted.push(m);
        continue;
      }
      first ??= decision;
      try {
        await queues.changeVisibility(trigger.queueName, m.receiptHandle, decision.delaySeconds);
      } catch (err) {
        // The handle expired (the function ran past the visibility timeout): the
        // message is already visible again and its next receive is the retry.
        logger.warn('could not hold a failed message for its retry', {
          queue: trigger.queueName,
          messageId: m.messageId,
          error: errorText(err),
        });
      }
    }
    logger.warn(first ? 'function failed; retrying' : 'function failed; out of retries', {
      function: options.functionName,
      queue: trigger.queueName,
      messages: messages.length,
      strategy: policy.strategy,
      ...(first
        ? { retry: first.retry, of: policy.maxRetries, inSeconds: first.delaySeconds }
        : {}),
      errorType: outcome.kind,
      error: outcome.error.errorMessage.slice(0, 300),
    });
    if (exhausted.length > 0) await giveUp(exhausted);
  };

  const giveUp = async (messages: readonly TriggerMessage[]) => {
    if (policy.errorsTolerance === 'NONE') {
      if (halted) return;
      halted = true;
      stopped = true;
      abort.abort();
      // The messages stay in the queue (visible again after the visibility timeout).
      logger.error(
        `trigger ${trigger.triggerName} of function ${options.functionName} STOPPED: an event ran out of retries and errorsTolerance is NONE. Nothing more is consumed from queue ${trigger.queueName}; its messages stay there. Fix the function, then redeploy it or restart the stack to resume.`,
        { messageIds: messages.map((m) => m.messageId) },
      );
      return;
    }
    const dlq = policy.deadLetterQueue;
    for (const m of messages) {
      try {
        if (dlq) await queues.moveMessage(trigger.queueName, m.receiptHandle, dlq);
        else await queues.deleteMessage(trigger.queueName, m.receiptHandle);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'ReceiptHandleError' || code === 'MessageNotExist') {
          // The handle expired (the function ran past the visibility timeout):
          // nothing moved; the message, if it still exists, comes back for another round.
          logger.warn('could not remove an exhausted message: its receipt handle is stale', {
            queue: trigger.queueName,
            messageId: m.messageId,
            error: errorText(err),
          });
        } else {
          // Nothing is created implicitly: the message stays and is tried again
          // when it comes back after the visibility timeout.
          logger.error(
            dlq
              ? `could not send an exhausted message to dead-letter queue ${dlq}; kept`
              : 'could not delete an exhausted message; kept',
            {
              function: options.functionName,
              queue: trigger.queueName,
              messageId: m.messageId,
              error: errorText(err),
            },
          );
        }
        continue;
      }
      failures.clear(trigger.queueName, [m.messageId]);
      logger.warn(
        dlq
          ? `message out of retries; sent to dead-letter queue ${dlq}`
          : 'message out of retries; dropped (errorsTolerance ALL, no dead-letter queue)',
        { function: options.functionName, queue: trigger.queueName, messageId: m.messageId },
      );
    }
  };

  // eventSchema RawData delivers the CloudEvent's data object alone.
  const shape = (m: TriggerMessage): unknown => (trigger.rawData ? toEvent(m).data : toEvent(m));
  const dispatch = async (messages: readonly TriggerMessage[]) => {
    if (batched) await deliver(messages, messages.map(shape));
    else for (const m of messages) await deliver([m], shape(m));
  };

  const settle = async (delivery: Promise<void>) => {
    try {
      await delivery;
    } catch (err) {
      if (!stopped) {
        logger.error('trigger delivery failed', {
          queue: trigger.queueName,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  };

  // With no batch window to fill, a message goes to the function the moment it
  // is claimed: onMessages runs inside the sender's commit (a flow step's send,
  // say), so the event is on its way to an idle instance before the sender is
  // even answered, with no loop turn in between.
  const immediate = !batched || trigger.batchWindowSeconds <= 0;

  // A batch window is one per trigger, as EventBridge fills one batch at a time:
  // while a window is open only its poller receives, so messages sent one by one
  // fill that batch (sent the moment it holds CountBasedWindow) instead of
  // spreading over every poller's window and each waiting the whole window out.
  // Dispatch is outside the window, so full batches still run in parallel. The
  // immediate path never takes it.
  let windowFree: Promise<void> = Promise.resolve();
  const openWindow = async (): Promise<() => void> => {
    const before = windowFree;
    let close: () => void = () => {};
    windowFree = new Promise((resolve) => {
      close = resolve;
    });
    await before;
    return close;
  };

  const backOff = async (err: unknown, failuresInARow: number) => {
    logger.warn('receive failed; retrying', {
      queue: trigger.queueName,
      error: err instanceof Error ? err.message : String(err),
    });
    // A real timer: with a virtual clock this back-off must still pass.
    // Doubling to 30 s: a deleted queue is not polled (and logged) every second.
    await new Promise((r) =>
      setTimeout(r, Math.min(30_000, 1000 * 2 ** (failuresInARow - 1))).unref(),
    );
  };

  const pollImmediate = async () => {
    let failuresInARow = 0;
    while (!stopped) {
      let first: readonly TriggerMessage[];
      let started: Promise<void> | undefined;
      const handOff = (messages: readonly TriggerMessage[]) => {
        started = dispatch(messages);
      };
      try {
        first = await receive(batched ? batchSize : 1, POLL_SECONDS, handOff);
        failuresInARow = 0;
      } catch (err) {
        if (stopped) return;
        await backOff(err, ++failuresInARow);
        continue;
      }
      if (started) await settle(started);
      // A queue API that returned messages without the hand-off.
      else if (first.length > 0 && !stopped) await settle(dispatch(first));
    }
  };

  const pollWindowed = async () => {
    let failuresInARow = 0;
    while (!stopped) {
      const close = await openWindow();
      let batch: readonly TriggerMessage[] = [];
      let failed: { err: unknown } | undefined;
      try {
        if (stopped) return;
        const first = await receive(batchSize, POLL_SECONDS);
        failuresInARow = 0;
        if (first.length > 0 && !stopped) batch = await collect(first);
      } catch (err) {
        failed = { err };
      } finally {
        close();
      }
      if (failed) {
        if (stopped) return;
        await backOff(failed.err, ++failuresInARow);
        continue;
      }
      if (batch.length > 0 && !stopped) await settle(dispatch(batch));
    }
  };

  const poll = immediate ? pollImmediate : pollWindowed;

  const loops = Array.from({ length: Math.max(1, options.concurrency) }, () => poll());
  return {
    functionName: options.functionName,
    trigger,
    get halted() {
      return halted;
    },
    async stop() {
      stopped = true;
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
}
