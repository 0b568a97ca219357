import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { MnsQueueTrigger } from '../project/model';
import { createBatchWindow, type TriggerReceive } from './mns-trigger-batch';
import { createTriggerDispatch } from './mns-trigger-delivery';
import { createPushFailureHandler } from './mns-trigger-failure';
import { createTriggerPoll } from './mns-trigger-poll';
import { createTriggerRunState } from './mns-trigger-state';
import type { PushFailures } from './push-failures';
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
      /** The claims die with the stack: a start after a crash hands them back at once. */
      processBound?: boolean;
    },
  ): Promise<readonly TriggerMessage[]>;
  deleteMessage(queue: string, receiptHandle: string): unknown;
  /** Keeps a failed message invisible until its retry is due; at a stop, hands one back. */
  changeVisibility(queue: string, receiptHandle: string, seconds: number): unknown;
  /**
   * Moves an exhausted message to the dead-letter queue in one step (a crash
   * leaves it in one queue or the other, never both); throws QueueNotExist if
   * either queue is missing, and ReceiptHandleError or MessageNotExist for a
   * stale handle.
   */
  moveMessage(fromQueue: string, receiptHandle: string, toQueue: string): unknown;
}

/** A running trigger: consumers polling the queue and invoking the function. */
export interface MnsTriggerConsumer {
  readonly functionName: string;
  readonly trigger: MnsQueueTrigger;
  /** True once errorsTolerance NONE stopped consumption after an event ran out of retries. */
  readonly halted: boolean;
  stop(): Promise<void>;
}

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
 *
 * This wires the parts: the pollers (mns-trigger-poll.ts), the batch window
 * (mns-trigger-batch.ts), one push (mns-trigger-delivery.ts), a failed push's
 * retries and dead letters (mns-trigger-failure.ts), stop and halt
 * (mns-trigger-state.ts).
 */
export function startMnsTrigger(options: {
  functionName: string;
  trigger: MnsQueueTrigger;
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
  const state = createTriggerRunState();

  const receive: TriggerReceive = (max, waitSeconds, onMessages) =>
    queues.receiveMessages(trigger.queueName, {
      max: Math.min(16, max),
      waitSeconds,
      signal: state.signal,
      // The pushes die with the stack (its instances do): after a crash the next
      // start hands these messages back at once, as a stop does.
      processBound: true,
      ...(onMessages ? { onMessages } : {}),
    });

  const handleFailure = createPushFailureHandler({
    functionName: options.functionName,
    trigger,
    queues,
    failures,
    state,
    clock,
    logger,
    ...(options.random ? { random: options.random } : {}),
  });
  const dispatch = createTriggerDispatch({
    functionName: options.functionName,
    trigger,
    queues,
    invoke: options.invoke,
    failures,
    handleFailure,
    state,
    clock,
    logger,
    accountId: options.accountId,
    region: options.region,
  });
  const window = createBatchWindow({ trigger, receive, state, clock, logger });
  const poll = createTriggerPoll({
    trigger,
    receive,
    window,
    dispatch,
    state,
    logger,
  });

  const loops = Array.from({ length: Math.max(1, options.concurrency) }, () => poll());
  return {
    functionName: options.functionName,
    trigger,
    get halted() {
      return state.halted;
    },
    async stop() {
      state.stop();
      await Promise.allSettled(loops);
    },
  };
}
