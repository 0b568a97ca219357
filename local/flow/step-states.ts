import type { JsonObject } from '../../shared/fdl/types';
import { CONTAINER_STEP_TYPES, createEnclosure } from './enclosure';
import { EXECUTION_END_EVENTS, type HistoryEvent, type StepState } from './types';
import { parseEventDetail } from './views';

/**
 * Derives per-step state from the history: each StepEntered opens an instance
 * (keyed by its EventId); StepExited/StepFailed close it through ScheduleEventId;
 * TaskScheduled counts an attempt of the instance its `stepEventId` names (of
 * the open instance of that name in histories written before it). An instance
 * still open when what encloses it ends (a branch cancelled because a sibling
 * failed, the execution stopped or timed out) is `cancelled`.
 */
export function deriveStepStates(events: readonly HistoryEvent[]): StepState[] {
  const byId = new Map<number, StepState>();
  const openByName = new Map<string, StepState>();
  const { enclose, within } = createEnclosure();
  const running = new Set<StepState>();
  const cancel = (s: StepState, time: string) => {
    s.status = 'cancelled';
    s.exitedTime = time;
    running.delete(s);
  };
  for (const e of events) {
    const detail = parseEventDetail(e.EventDetail);
    if (e.Type === 'StepEntered') {
      const s: StepState = {
        id: e.EventId,
        name: e.StepName,
        type: String(detail.type ?? ''),
        path: String(detail.path ?? ''),
        status: 'running',
        enteredTime: e.Time,
      };
      if (detail.input && typeof detail.input === 'object') s.input = detail.input as JsonObject;
      if (typeof detail.parentEventId === 'number') enclose(e.EventId, detail.parentEventId);
      byId.set(e.EventId, s);
      openByName.set(e.StepName, s);
      running.add(s);
    } else if (e.Type === 'BranchEntered' || e.Type === 'IterationEntered') {
      enclose(e.EventId, e.ScheduleEventId);
    } else if (e.Type === 'StepExited' || e.Type === 'StepFailed') {
      const s = byId.get(e.ScheduleEventId);
      if (!s) continue;
      s.exitedTime = e.Time;
      running.delete(s);
      if (e.Type === 'StepExited') {
        s.status = 'succeeded';
        s.output = detail.output;
      } else {
        s.status = 'failed';
        s.error = String(detail.error ?? '');
        s.cause = String(detail.cause ?? '');
      }
      if (CONTAINER_STEP_TYPES.has(s.type)) {
        for (const open of running) if (within(open.id, s.id)) cancel(open, e.Time);
      }
    } else if (
      (e.Type === 'BranchExited' || e.Type === 'IterationExited') &&
      detail.cancelled === true
    ) {
      for (const open of running) {
        if (within(open.id, e.ScheduleEventId)) cancel(open, e.Time);
      }
    } else if (EXECUTION_END_EVENTS.has(e.Type)) {
      for (const open of running) cancel(open, e.Time);
    } else if (e.Type === 'TaskScheduled') {
      const s =
        typeof detail.stepEventId === 'number'
          ? byId.get(detail.stepEventId)
          : openByName.get(e.StepName);
      if (s && s.status === 'running') s.attempts = (s.attempts ?? 0) + 1;
    }
  }
  return [...byId.values()];
}
