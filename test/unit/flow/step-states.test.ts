import { describe, expect, it } from 'vitest';
import { deriveStepStates } from '../../../local/flow/step-states';
import type { HistoryEvent } from '../../../local/flow/types';

let id = 0;
const ev = (Type: string, StepName: string, detail: object, ScheduleEventId = 0): HistoryEvent => ({
  EventId: ++id,
  ScheduleEventId,
  Type,
  StepName,
  Time: new Date(Date.UTC(2026, 0, 1) + id * 10).toISOString(),
  EventDetail: JSON.stringify(detail),
});

describe('the per-step read model', () => {
  it('derives running, succeeded and failed steps with attempts from the history', () => {
    id = 0;
    const events = [
      ev('ExecutionStarted', '', { input: {} }),
      ev('StepEntered', 'a', { type: 'task', path: 'steps[0]', input: { x: 1 } }),
      ev('TaskScheduled', 'a', {}),
      ev('TaskFailed', 'a', { error: 'E' }),
      ev('TaskScheduled', 'a', {}),
      ev('TaskSucceeded', 'a', {}),
      ev('StepExited', 'a', { output: { y: 2 } }, 2),
      ev('StepEntered', 'b', { type: 'fail', path: 'steps[1]', input: {} }),
      ev('StepFailed', 'b', { error: 'Boom', cause: 'why' }, 8),
      ev('StepEntered', 'c', { type: 'wait', path: 'steps[2]', input: {} }),
    ];
    const states = deriveStepStates(events);
    expect(states.map((s) => [s.name, s.status, s.path])).toEqual([
      ['a', 'succeeded', 'steps[0]'],
      ['b', 'failed', 'steps[1]'],
      ['c', 'running', 'steps[2]'],
    ]);
    expect(states[0]).toMatchObject({ attempts: 2, input: { x: 1 }, output: { y: 2 } });
    expect(states[1]).toMatchObject({ error: 'Boom', cause: 'why' });
  });
});
