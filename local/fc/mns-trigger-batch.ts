/**
 * An MNS trigger's batch window: filling a batch until it holds BatchSize
 * messages or the window (BatchWindow, bounded by the held messages' receipt
 * handles) closes, and the one open window per trigger that its pollers take
 * turns on. Owns that window.
 */

import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { MnsQueueTrigger } from '../project/model';
import type { TriggerMessage } from './mns-trigger';
import type { TriggerRunState } from './mns-trigger-state';

/** Receives from the trigger's queue (at most 16 at a time), cut short by a stop. */
export type TriggerReceive = (
  max: number,
  waitSeconds: number,
  onMessages?: (messages: readonly TriggerMessage[]) => void,
) => Promise<readonly TriggerMessage[]>;

export interface BatchWindow {
  /** Fills a batch that starts with `first`; returns it when full or when the window closes. */
  collect(first: readonly TriggerMessage[]): Promise<TriggerMessage[]>;
  /** Waits for the trigger's window to be free and takes it; call the result to free it. */
  openWindow(): Promise<() => void>;
}

/**
 * How a trigger batches, from its settings: event-streaming mode or a
 * BatchSize over 1 sends the events as an array, of at most batchSize (1 when
 * not batched); a batch with a time window is filled before it is sent
 * (`windowed`), otherwise what one receive returns goes at once.
 */
export function batchingOf(
  trigger: Pick<MnsQueueTrigger, 'mode' | 'batchSize' | 'batchWindowSeconds'>,
) {
  const batched = trigger.mode === 'event-streaming' || trigger.batchSize > 1;
  return {
    batched,
    batchSize: Math.max(1, trigger.batchSize),
    windowed: batched && trigger.batchWindowSeconds > 0,
  };
}

export function createBatchWindow(options: {
  trigger: MnsQueueTrigger;
  receive: TriggerReceive;
  state: TriggerRunState;
  clock: Clock;
  logger: Logger;
}): BatchWindow {
  const { trigger, receive, state, clock, logger } = options;
  const { batchSize } = batchingOf(trigger);

  // Fills a batch (a windowed trigger's) until it holds batchSize messages or
  // the window closes. The
  // window also closes before a held message's handle would expire (a window
  // longer than the queue's visibility timeout): waiting on would receive that
  // message again, with a new handle and a DequeueCount that reads as a retry.
  const collect = async (first: readonly TriggerMessage[]): Promise<TriggerMessage[]> => {
    const batch = [...first];
    const held = (ms: readonly TriggerMessage[]) =>
      Math.min(...ms.map((m) => m.nextVisibleTime ?? Number.POSITIVE_INFINITY));
    let deadline = Math.min(clock.now() + trigger.batchWindowSeconds * 1000, held(batch) - 1000);
    while (!state.stopped && batch.length < batchSize) {
      const left = deadline - clock.now();
      if (left <= 0) break;
      let more: readonly TriggerMessage[];
      try {
        more = await receive(batchSize - batch.length, Math.max(1, Math.ceil(left / 1000)));
      } catch (err) {
        // The window closes on what it holds: those messages are claimed already.
        if (!state.stopped) {
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

  return { collect, openWindow };
}
