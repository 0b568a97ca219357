import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { ProjectTrigger } from '../project/model';
import { buildMnsCloudEvent, type MnsCloudEvent } from './cloud-event';
import { newFcRequestId } from './request-id';
import type { InvokeOptions, InvokeOutcome } from './types';

/** A received message, as far as the trigger reads it. */
export interface TriggerMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  enqueueTime?: number;
  dequeueCount?: number;
}

/** The slice of the in-process queue service the trigger uses. */
export interface TriggerQueueApi {
  receiveMessages(
    queue: string,
    options: { max: number; waitSeconds: number; signal?: AbortSignal },
  ): Promise<readonly TriggerMessage[]>;
  deleteMessage(queue: string, receiptHandle: string): unknown;
}

type MnsTrigger = Extract<ProjectTrigger, { kind: 'mns-queue' }>;

/** A running trigger: consumers polling the queue and invoking the function. */
export interface MnsTriggerConsumer {
  readonly functionName: string;
  readonly trigger: MnsTrigger;
  stop(): Promise<void>;
}

// EventBridge's MNS source long-polls; 10 s keeps a stopped stack quick to exit
// even where the queue cannot be woken by an abort signal.
const POLL_SECONDS = 10;

/**
 * The EventBridge MNS queue source, locally: long-poll the queue, wrap each
 * message in a CloudEvents envelope (one event, or an array per batch window in
 * event-streaming mode), invoke the function synchronously, delete the messages
 * on success, and leave them on failure so they come back after the visibility
 * timeout (EventBridge's retry). The function never sees a receipt handle.
 */
export function startMnsTrigger(options: {
  functionName: string;
  trigger: MnsTrigger;
  queues: TriggerQueueApi;
  invoke: (event: Buffer, opts: InvokeOptions) => Promise<InvokeOutcome>;
  clock: Clock;
  logger: Logger;
  accountId: string;
  region: string;
  /** Parallel pollers; each runs one invocation at a time. */
  concurrency: number;
}): MnsTriggerConsumer {
  const { trigger, queues, logger, clock } = options;
  const abort = new AbortController();
  let stopped = false;
  const batched = trigger.mode === 'event-streaming' || trigger.batchSize > 1;
  const batchSize = Math.max(1, trigger.batchSize);

  const receive = (max: number, waitSeconds: number) =>
    queues.receiveMessages(trigger.queueName, {
      max: Math.min(16, max),
      waitSeconds,
      signal: abort.signal,
    });

  // Fills a batch until it holds batchSize messages or the window closes.
  const collect = async (first: readonly TriggerMessage[]): Promise<TriggerMessage[]> => {
    const batch = [...first];
    if (!batched || trigger.batchWindowSeconds <= 0) return batch;
    const deadline = clock.now() + trigger.batchWindowSeconds * 1000;
    while (!stopped && batch.length < batchSize) {
      const left = deadline - clock.now();
      if (left <= 0) break;
      const more = await receive(batchSize - batch.length, Math.max(1, Math.ceil(left / 1000)));
      if (more.length === 0) break;
      batch.push(...more);
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
    const retryCount = Math.max(0, ...messages.map((m) => (m.dequeueCount ?? 1) - 1));
    const outcome = await options.invoke(Buffer.from(JSON.stringify(event)), { retryCount });
    if (outcome.ok) {
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
      logger.warn('function failed; the messages come back after the visibility timeout', {
        function: options.functionName,
        queue: trigger.queueName,
        messages: messages.length,
        errorType: outcome.kind,
        error: outcome.error.errorMessage.slice(0, 300),
      });
    }
  };

  const poll = async () => {
    while (!stopped) {
      let first: readonly TriggerMessage[];
      try {
        first = await receive(batched ? batchSize : 1, POLL_SECONDS);
      } catch (err) {
        if (stopped) return;
        logger.warn('receive failed; retrying', {
          queue: trigger.queueName,
          error: err instanceof Error ? err.message : String(err),
        });
        // A real timer: with a virtual clock this back-off must still pass.
        await new Promise((r) => setTimeout(r, 1000).unref());
        continue;
      }
      if (first.length === 0 || stopped) continue;
      try {
        const messages = await collect(first);
        if (batched) await deliver(messages, messages.map(toEvent));
        else for (const m of messages) await deliver([m], toEvent(m));
      } catch (err) {
        if (!stopped) {
          logger.error('trigger delivery failed', {
            queue: trigger.queueName,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
    }
  };

  const loops = Array.from({ length: Math.max(1, options.concurrency) }, () => poll());
  return {
    functionName: options.functionName,
    trigger,
    async stop() {
      stopped = true;
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
}
