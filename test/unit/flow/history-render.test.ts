import { describe, expect, it } from 'vitest';
import { createRenderState, renderEventLine } from '../../../local/flow/history-render';
import type { HistoryEvent } from '../../../local/flow/types';

let nextId = 1;
function event(Type: string, StepName: string, detail: object, ScheduleEventId = 0): HistoryEvent {
  const EventId = nextId++;
  return {
    EventId,
    ScheduleEventId,
    Type,
    StepName,
    Time: new Date(Date.UTC(2026, 10, 29, 5, 0, 0, EventId)).toISOString(),
    EventDetail: JSON.stringify(detail),
  };
}

function render(events: HistoryEvent[]): string[] {
  const state = createRenderState();
  return events.flatMap((e) => renderEventLine(e, state) ?? []);
}

describe('renderEventLine', () => {
  it('says a failed task once, though its submit, task and step each record the failure', () => {
    const failure = { error: 'FC.FunctionNotFound', cause: "function 'missing' does not exist" };
    const lines = render([
      event('ExecutionStarted', '', {}),
      event('StepEntered', 'call', { type: 'task' }),
      event('TaskScheduled', 'call', { attempt: 1 }),
      event('TaskSubmitFailed', 'call', failure),
      event('TaskFailed', 'call', failure),
      event('StepFailed', 'call', { error: failure.error }),
      event('ExecutionFailed', '', failure),
    ]);
    expect(lines.filter((l) => l.includes('call failed'))).toEqual([
      `+     3 ms  call failed: FC.FunctionNotFound function 'missing' does not exist`,
    ]);
    expect(lines.at(-1)).toMatch(/execution failed: FC\.FunctionNotFound/);
  });

  it('still prints each retried attempt that fails', () => {
    const lines = render([
      event('ExecutionStarted', '', {}),
      event('StepEntered', 'call', { type: 'task' }),
      event('TaskScheduled', 'call', { attempt: 1 }),
      event('TaskFailed', 'call', { error: 'Busy', cause: 'attempt 1' }),
      event('TaskScheduled', 'call', { attempt: 2 }),
      event('TaskFailed', 'call', { error: 'Busy', cause: 'attempt 2' }),
      event('StepFailed', 'call', { error: 'Busy' }),
    ]);
    expect(lines.filter((l) => l.includes('call failed'))).toEqual([
      expect.stringMatching(/call failed: Busy attempt 1$/),
      expect.stringMatching(/call failed: Busy attempt 2$/),
    ]);
  });

  it('prints the failure of a step without a task (a fail step)', () => {
    const lines = render([
      event('ExecutionStarted', '', {}),
      event('StepEntered', 'boom', { type: 'fail' }),
      event('StepFailed', 'boom', { error: 'MissingInput' }),
    ]);
    expect(lines.at(-1)).toMatch(/boom failed: MissingInput$/);
  });
});
