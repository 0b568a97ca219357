import type { Flow } from '../../shared/fdl/types';
import type { Clock } from '../clock';
import type { IntegrationCore } from './core';
import { FlowFailure } from './errors';
import type { createHistoryWriter } from './history-writer';
import { submitTask } from './integrations';
import type { EmitEvent, InterpreterHost } from './interpreter';
import type { FlowLimits } from './limits';
import type { ExecHead } from './repo';
import type { ExecState } from './state';
import type { TokenCodec } from './tokens';
import type { FlowEvent, HistoryEvent } from './types';
import { isoTime } from './views';

/**
 * What a transition records and what the interpreter sees: `emitEvent` writes
 * one history event (checking the history limit) and tells the `onEvent`
 * listeners after commit; `makeHost` builds the InterpreterHost one transition
 * drives with. Owns the listeners.
 */
export function createTransitionHost(deps: {
  clock: Clock;
  limits: FlowLimits;
  history: ReturnType<typeof createHistoryWriter>;
  tokens: TokenCodec;
  armTimer(execId: number, key: string, atMs: number, effects: Array<() => void>): void;
  cancelTimer(execId: number, key: string, effects: Array<() => void>): void;
  integrations: IntegrationCore;
}) {
  const { clock, limits, history, tokens, armTimer, cancelTimer, integrations } = deps;
  const listeners = new Set<(e: FlowEvent) => void>();

  function emitEvent(
    row: ExecHead,
    state: ExecState,
    e: EmitEvent,
    effects: Array<() => void>,
    terminal = false,
  ): number {
    const id = e.id ?? state.nextEventId;
    // Checked before the id is taken: the terminal event that follows gets it.
    if (!terminal && id > limits.historyEvents) {
      throw new FlowFailure(
        'FnF.HistoryLimitExceeded',
        `execution history exceeds ${limits.historyEvents} events`,
      );
    }
    if (id >= state.nextEventId) state.nextEventId = id + 1;
    const now = clock.now();
    const detail = JSON.stringify(e.detail);
    history.add(row.id, id, e.scheduleEventId ?? 0, e.type, e.stepName, now, detail);
    if (listeners.size > 0) {
      const event: HistoryEvent = {
        EventId: id,
        ScheduleEventId: e.scheduleEventId ?? 0,
        Type: e.type,
        StepName: e.stepName,
        Time: isoTime(now),
        EventDetail: detail,
      };
      const fe: FlowEvent = { flowName: row.flow_name, executionName: row.name, event };
      effects.push(() => {
        for (const l of listeners) l(fe);
      });
    }
    return id;
  }

  // A goto loop without a wait would otherwise spin inside one transition forever
  // when the history limit is relaxed.
  const MAX_EVENTS_PER_TRANSITION = 1_000_000;

  function makeHost(
    row: ExecHead,
    state: ExecState,
    flow: Flow,
    t: { changed: boolean },
    effects: Array<() => void>,
  ): InterpreterHost {
    let emitted = 0;
    const host: InterpreterHost = {
      flow,
      flowName: row.flow_name,
      executionName: row.name,
      limits,
      now: () => clock.now(),
      allocId: () => {
        t.changed = true;
        return state.nextEventId++;
      },
      emit: (e) => {
        t.changed = true;
        if (++emitted > MAX_EVENTS_PER_TRANSITION) {
          throw new FlowFailure(
            'FnF.RuntimeError',
            'too many steps without a pause (a goto loop?)',
          );
        }
        return emitEvent(row, state, e, effects);
      },
      token: (eventId) =>
        tokens.mint({
          flowName: row.flow_name,
          executionName: row.name,
          execId: row.id,
          eventId,
        }),
      armTimer: (key, at) => armTimer(row.id, key, at, effects),
      cancelTimer: (key) => cancelTimer(row.id, key, effects),
      submit: (run, step, input) =>
        submitTask({ run, step, input, host, core: integrations, effects, execId: row.id }),
    };
    return host;
  }

  return { listeners, emitEvent, makeHost };
}
