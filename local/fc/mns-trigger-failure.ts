/**
 * What an MNS trigger does with the messages of a failed push, per its retry
 * policy: each message gets its own decision (decidePushRetry over the failed
 * pushes counted in the store) and is kept invisible until its retry is due;
 * once out of retries, errorsTolerance ALL moves it to the dead-letter queue
 * (or deletes it) and NONE halts the trigger. Owns the retry policy in use.
 */

import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { MnsQueueTrigger } from '../project/model';
import { defaultPushRetryPolicy } from '../project/run-options';
import type { TriggerMessage, TriggerQueueApi } from './mns-trigger';
import type { TriggerRunState } from './mns-trigger-state';
import type { PushFailures } from './push-failures';
import { decidePushRetry } from './push-retry';
import type { InvokeOutcome } from './types';

/** Handles a push of `messages` that ended in `outcome`. */
export type PushFailureHandler = (
  messages: readonly TriggerMessage[],
  outcome: Extract<InvokeOutcome, { ok: false }>,
) => Promise<void>;

export function createPushFailureHandler(options: {
  functionName: string;
  trigger: MnsQueueTrigger;
  queues: TriggerQueueApi;
  failures: PushFailures;
  state: TriggerRunState;
  clock: Clock;
  logger: Logger;
  /** For BACKOFF_RETRY's random interval; Math.random by default. */
  random?: () => number;
}): PushFailureHandler {
  const { trigger, queues, logger, clock, failures, state } = options;
  const policy = trigger.retry ?? defaultPushRetryPolicy();

  const errorText = (err: unknown) => {
    if (!(err instanceof Error)) return String(err);
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  };

  // Every message of the failed push gets its own decision: a batch can mix fresh
  // messages with ones that came back for a retry.
  const handleFailure: PushFailureHandler = async (messages, outcome) => {
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
      if (state.halted) return;
      state.halt();
      // The messages stay in the queue: visible again after the visibility timeout,
      // or at the next start of the stack (the trigger's claims are process-bound).
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

  return handleFailure;
}
