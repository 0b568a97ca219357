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
  it('says a failed attempt once, though its submit and task each record it, then the step', () => {
    const failure = { error: 'FC.FunctionNotFound', cause: "function 'missing' does not exist" };
    const started = event('ExecutionStarted', '', {});
    const entered = event('StepEntered', 'call', { type: 'task' });
    const scheduled = event('TaskScheduled', 'call', { attempt: 1 });
    const lines = render([
      started,
      entered,
      scheduled,
      event('TaskSubmitFailed', 'call', failure, scheduled.EventId),
      event('TaskFailed', 'call', failure, scheduled.EventId),
      event('StepFailed', 'call', { error: failure.error }, entered.EventId),
      event('ExecutionFailed', '', failure),
    ]);
    expect(lines.filter((l) => l.includes('call failed'))).toEqual([
      `+     3 ms  call failed: FC.FunctionNotFound function 'missing' does not exist`,
    ]);
    expect(lines.filter((l) => l.includes('call step failed'))).toEqual([
      expect.stringMatching(/call step failed in 4 ms: FC\.FunctionNotFound$/),
    ]);
    expect(lines.at(-1)).toMatch(/execution failed: FC\.FunctionNotFound/);
  });

  it('still prints each retried attempt that fails', () => {
    const first = event('TaskScheduled', 'call', { attempt: 1 });
    const second = event('TaskScheduled', 'call', { attempt: 2 });
    const lines = render([
      event('ExecutionStarted', '', {}),
      event('StepEntered', 'call', { type: 'task' }),
      first,
      event('TaskFailed', 'call', { error: 'Busy', cause: 'attempt 1' }, first.EventId),
      second,
      event('TaskFailed', 'call', { error: 'Busy', cause: 'attempt 2' }, second.EventId),
      event('StepFailed', 'call', { error: 'Busy' }),
    ]);
    expect(lines.filter((l) => l.includes('call failed'))).toEqual([
      expect.stringMatching(/call failed: Busy attempt 1$/),
      expect.stringMatching(/call failed: Busy attempt 2$/),
    ]);
  });

  it('prints the failure of a step without a task (a fail step)', () => {
    const started = event('ExecutionStarted', '', {});
    const entered = event('StepEntered', 'boom', { type: 'fail' });
    const lines = render([
      started,
      entered,
      event('StepFailed', 'boom', { error: 'MissingInput' }, entered.EventId),
    ]);
    expect(lines.at(-1)).toMatch(/boom step failed in \d+ ms: MissingInput$/);
  });

  it('prints the failure of every foreach iteration, though they share a step name', () => {
    const head = [
      event('ExecutionStarted', '', {}),
      event('StepEntered', 'call', { type: 'task' }),
      event('StepEntered', 'call', { type: 'task' }),
    ];
    const a = event('TaskScheduled', 'call', { attempt: 1 });
    const b = event('TaskScheduled', 'call', { attempt: 1 });
    const lines = render([
      ...head,
      a,
      b,
      event('TaskFailed', 'call', { error: 'FC.FunctionNotFound', cause: 'a' }, a.EventId),
      event('TaskFailed', 'call', { error: 'FC.FunctionNotFound', cause: 'b' }, b.EventId),
    ]);
    expect(lines.filter((l) => l.includes('call failed'))).toEqual([
      expect.stringMatching(/call failed: FC\.FunctionNotFound a$/),
      expect.stringMatching(/call failed: FC\.FunctionNotFound b$/),
    ]);
  });
});
