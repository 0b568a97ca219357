/**
 * One push of an MNS trigger: wraps the claimed messages in CloudEvents (one
 * event each, or an array per batch; RawData sends the data alone), invokes the
 * function synchronously with the retry count, deletes the messages on success
 * and hands a failure to the failure handler. The function never sees a
 * receipt handle.
 */

import { RELEASE_SECONDS } from '../../shared/task/limits';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { MnsQueueTrigger } from '../project/model';
import { buildMnsCloudEvent, type MnsCloudEvent } from './cloud-event';
import type { TriggerMessage, TriggerQueueApi } from './mns-trigger';
import { batchingOf } from './mns-trigger-batch';
import type { PushFailureHandler } from './mns-trigger-failure';
import type { TriggerRunState } from './mns-trigger-state';
import type { PushFailures } from './push-failures';
import { newFcRequestId } from './request-id';
import type { InvokeOptions, InvokeOutcome } from './types';

/** Pushes claimed messages to the function: as one batch, or one by one. */
export type TriggerDispatch = (messages: readonly TriggerMessage[]) => Promise<void>;

export function createTriggerDispatch(options: {
  functionName: string;
  trigger: MnsQueueTrigger;
  queues: TriggerQueueApi;
  invoke: (event: Buffer, opts: InvokeOptions) => Promise<InvokeOutcome>;
  failures: PushFailures;
  handleFailure: PushFailureHandler;
  state: TriggerRunState;
  clock: Clock;
  logger: Logger;
  accountId: string;
  region: string;
}): TriggerDispatch {
  const { trigger, queues, logger, clock, failures, state, handleFailure } = options;
  const { batched } = batchingOf(trigger);

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

  // Messages a stop kept from their function (before the push, or cut off in
  // it) are handed back at once, as the long-polling worker does on SIGTERM:
  // visible again after the MNS minimum (RELEASE_SECONDS), not after the queue's whole
  // visibility timeout, so the next start runs them right away. A push a stop
  // cut off is not counted as a failed one. (A crash hands nothing back here:
  // the receives are process-bound, so the next start of the queue service does.)
  const release = async (messages: readonly TriggerMessage[]) => {
    for (const m of messages) {
      try {
        await queues.changeVisibility(trigger.queueName, m.receiptHandle, RELEASE_SECONDS);
      } catch (err) {
        // A stale handle (the push outlived the visibility timeout): it is back already.
        logger.debug('could not hand back a message at stop', {
          queue: trigger.queueName,
          messageId: m.messageId,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  };

  const deliver = async (messages: readonly TriggerMessage[], event: unknown) => {
    // Stopped (or halted by errorsTolerance NONE) before this push: hand them back.
    if (state.stopped) {
      await release(messages);
      return;
    }
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
    } else if (!state.stopped || state.halted) {
      // A failure after a halt is a real one: counted, and held for its retry
      // (the halt keeps the trigger from taking it again).
      await handleFailure(messages, outcome);
    } else await release(messages);
  };

  // eventSchema RawData delivers the CloudEvent's data object alone.
  const shape = (m: TriggerMessage): unknown => (trigger.rawData ? toEvent(m).data : toEvent(m));
  const dispatch: TriggerDispatch = async (messages) => {
    if (batched) await deliver(messages, messages.map(shape));
    else for (const m of messages) await deliver([m], shape(m));
  };

  return dispatch;
}
