/**
 * An MNS trigger's poller loop: long-poll the queue, hand what it claims to
 * the dispatch (at once, inside the sender's commit, or after filling a batch
 * window), and back off while receiving fails. Each poller runs one push at a
 * time; the trigger starts `concurrency` of them.
 */

import type { Logger } from '../log';
import type { MnsQueueTrigger } from '../project/model';
import type { TriggerMessage } from './mns-trigger';
import { type BatchWindow, batchingOf, type TriggerReceive } from './mns-trigger-batch';
import type { TriggerDispatch } from './mns-trigger-delivery';
import type { TriggerRunState } from './mns-trigger-state';

// EventBridge's MNS source long-polls; 10 s keeps a stopped stack quick to exit
// even where the queue cannot be woken by an abort signal.
const POLL_SECONDS = 10;

/** Returns the loop one poller runs until the trigger stops. */
export function createTriggerPoll(options: {
  trigger: MnsQueueTrigger;
  receive: TriggerReceive;
  window: BatchWindow;
  dispatch: TriggerDispatch;
  state: TriggerRunState;
  logger: Logger;
}): () => Promise<void> {
  const { trigger, receive, window, dispatch, state, logger } = options;
  const { batchSize, windowed } = batchingOf(trigger);
  const { collect, openWindow } = window;

  const settle = async (delivery: Promise<void>) => {
    try {
      await delivery;
    } catch (err) {
      if (!state.stopped) {
        logger.error('trigger delivery failed', {
          queue: trigger.queueName,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
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

  // With no batch window to fill, a message goes to the function the moment it
  // is claimed: onMessages runs inside the sender's commit (a flow step's send,
  // say), so the event is on its way to an idle instance before the sender is
  // even answered, with no loop turn in between.
  const pollImmediate = async () => {
    let failuresInARow = 0;
    while (!state.stopped) {
      let first: readonly TriggerMessage[];
      let started: Promise<void> | undefined;
      const handOff = (messages: readonly TriggerMessage[]) => {
        started = dispatch(messages);
      };
      try {
        first = await receive(batchSize, POLL_SECONDS, handOff);
        failuresInARow = 0;
      } catch (err) {
        if (state.stopped) return;
        await backOff(err, ++failuresInARow);
        continue;
      }
      if (started) await settle(started);
      // A queue API that returned messages without the hand-off (dispatch hands
      // them back if the trigger stopped meanwhile).
      else if (first.length > 0) await settle(dispatch(first));
    }
  };

  const pollWindowed = async () => {
    let failuresInARow = 0;
    while (!state.stopped) {
      const close = await openWindow();
      let batch: readonly TriggerMessage[] = [];
      let failed: { err: unknown } | undefined;
      try {
        if (state.stopped) return;
        const first = await receive(batchSize, POLL_SECONDS);
        failuresInARow = 0;
        // Stopped meanwhile, collect adds nothing and dispatch hands them back.
        if (first.length > 0) batch = await collect(first);
      } catch (err) {
        failed = { err };
      } finally {
        close();
      }
      if (failed) {
        if (state.stopped) return;
        await backOff(failed.err, ++failuresInARow);
        continue;
      }
      if (batch.length > 0) await settle(dispatch(batch));
    }
  };

  return windowed ? pollWindowed : pollImmediate;
}
