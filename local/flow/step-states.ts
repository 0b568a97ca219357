import type { JsonObject } from '../../shared/fdl/types';
import type { HistoryEvent, StepState } from './types';
import { parseEventDetail } from './views';

/**
 * Derives per-step state from the history: each StepEntered opens an instance
 * (keyed by its EventId); StepExited/StepFailed close it through ScheduleEventId;
 * TaskScheduled events count attempts of the open task instance of that name.
 */
export function deriveStepStates(events: readonly HistoryEvent[]): StepState[] {
  const byId = new Map<number, StepState>();
  const openByName = new Map<string, StepState>();
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
      byId.set(e.EventId, s);
      openByName.set(e.StepName, s);
    } else if (e.Type === 'StepExited' || e.Type === 'StepFailed') {
      const s = byId.get(e.ScheduleEventId);
      if (!s) continue;
      s.exitedTime = e.Time;
      if (e.Type === 'StepExited') {
        s.status = 'succeeded';
        s.output = detail.output;
      } else {
        s.status = 'failed';
        s.error = String(detail.error ?? '');
        s.cause = String(detail.cause ?? '');
      }
    } else if (e.Type === 'TaskScheduled') {
      const s = openByName.get(e.StepName);
      if (s && s.status === 'running') s.attempts = (s.attempts ?? 0) + 1;
    }
  }
  return [...byId.values()];
}
