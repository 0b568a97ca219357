import { describe, expect, it } from 'vitest';
import { type HistoryEvent, mergeEvents } from '../../../local/console/model/history';
import { deriveStepStates, stepViewAt } from '../../../local/console/model/step-states';

let id = 0;
function ev(
  Type: string,
  StepName: string,
  detail: Record<string, unknown> = {},
  ScheduleEventId?: number,
): HistoryEvent {
  id++;
  const e: HistoryEvent = {
    EventId: id,
    Type,
    StepName,
    Time: new Date(Date.UTC(2026, 10, 28, 18, 0, 0, id * 10)).toISOString(),
    EventDetail: JSON.stringify(detail),
  };
  if (ScheduleEventId !== undefined) e.ScheduleEventId = ScheduleEventId;
  return e;
}

/** A task step's events as the local engine writes them; returns [events, enteredId]. */
function taskPass(name: string, input: object, output?: object): HistoryEvent[] {
  const entered = ev('StepEntered', name, { input, type: 'task', path: `steps[${name.at(-1)}]` });
  const scheduled = ev('TaskScheduled', name, {
    resourceArn: 'acs:mns:::/queues/queueflow-tasks/messages',
    pattern: 'waitForCallback',
    input,
  });
  scheduled.ScheduleEventId = scheduled.EventId;
  const out = [
    entered,
    scheduled,
    ev('TaskSubmitted', name, { MessageId: 'm1' }, scheduled.EventId),
  ];
  if (output) {
    out.push(ev('TaskSucceeded', name, { output }, scheduled.EventId));
    out.push(ev('StepExited', name, { output }, entered.EventId));
  }
  return out;
}

describe('deriveStepStates', () => {
  it('marks finished tasks succeeded, the pending callback waiting and later steps not reached', () => {
    const events = [
      ev('ExecutionStarted', '', { input: { source: 'orders.csv' } }),
      ...taskPass('Task_1', { task_type: 'extract' }, { rows: 3 }),
      ...taskPass('Task_2', { task_type: 'transform' }),
    ];
    const view = deriveStepStates(events);
    expect(view.steps.Task_1?.state).toBe('succeeded');
    expect(view.steps.Task_1?.runs[0]?.input).toEqual({ task_type: 'extract' });
    expect(view.steps.Task_1?.runs[0]?.output).toEqual({ rows: 3 });
    expect(view.steps.Task_1?.runs[0]?.local).toEqual({ rows: 3 });
    expect(view.steps.Task_1?.runs[0]?.attempts[0]?.tokenStatus).toBe('succeeded');
    expect(view.steps.Task_1?.runs[0]?.durationMs).toBeGreaterThan(0);
    expect(view.steps.Task_2?.state).toBe('waiting');
    expect(view.steps.Task_2?.runs[0]?.attempts[0]?.tokenStatus).toBe('issued');
    expect(view.steps.Task_3).toBeUndefined();
    expect(view.paths['steps[1]']).toBe('succeeded');
    expect(view.steps.Task_1?.type).toBe('task');
  });

  it('shows a step as retried between attempts and after it finally succeeds', () => {
    const [entered, scheduled, submitted] = taskPass('Task_1', { a: 1 });
    const failed = ev(
      'TaskFailed',
      'Task_1',
      { error: 'Busy', cause: 'try later' },
      scheduled!.EventId,
    );
    const inBackoff = deriveStepStates([entered!, scheduled!, submitted!, failed]);
    expect(inBackoff.steps.Task_1?.state).toBe('retried');
    const again = ev('TaskScheduled', 'Task_1', { pattern: 'waitForCallback', input: { a: 1 } });
    again.ScheduleEventId = again.EventId;
    const ok = ev('TaskSucceeded', 'Task_1', { output: { done: true } }, again.EventId);
    const exited = ev('StepExited', 'Task_1', { output: { done: true } }, entered!.EventId);
    const view = deriveStepStates([entered!, scheduled!, submitted!, failed, again, ok, exited]);
    const run = view.steps.Task_1?.runs[0];
    expect(view.steps.Task_1?.state).toBe('retried');
    expect(run?.attempts.map((a) => a.outcome)).toEqual(['failed', 'succeeded']);
    expect(run?.attempts[0]?.error).toBe('Busy');
    expect(run?.attempts[0]?.tokenStatus).toBe('failed');
  });

  it('shows a failed step with its error and cause, and a caught failure as failed too', () => {
    const [entered, scheduled] = taskPass('Task_1', {});
    const view = deriveStepStates([
      entered!,
      scheduled!,
      ev('TaskFailed', 'Task_1', { error: 'BadInput', cause: 'row 7' }, scheduled!.EventId),
      ev('StepFailed', 'Task_1', { error: 'BadInput', cause: 'row 7' }, entered!.EventId),
      ev('ExecutionFailed', '', { error: 'BadInput', cause: 'row 7' }),
    ]);
    expect(view.steps.Task_1?.state).toBe('failed');
    expect(view.steps.Task_1?.runs[0]?.error).toBe('BadInput');
    expect(view.steps.Task_1?.runs[0]?.cause).toBe('row 7');
    expect(view.ended?.type).toBe('ExecutionFailed');

    const [e2, s2] = taskPass('Task_2', {});
    const caught = deriveStepStates([
      e2!,
      s2!,
      ev('TaskFailed', 'Task_2', { error: 'Oops', cause: 'x' }, s2!.EventId),
      ev('StepExited', 'Task_2', { output: { errCode: 'Oops' } }, e2!.EventId),
    ]);
    expect(caught.steps.Task_2?.state).toBe('failed');
    expect(caught.steps.Task_2?.runs[0]?.error).toBe('Oops');
    expect(caught.steps.Task_2?.runs[0]?.output).toEqual({ errCode: 'Oops' });
  });

  it('cancels the token of a task that was waiting when the execution stopped', () => {
    const events = [
      ...taskPass('Task_1', {}),
      ev('ExecutionStopped', '', { error: 'Stopped', cause: 'by hand' }),
    ];
    const view = deriveStepStates(events);
    const attempt = view.steps.Task_1?.runs[0]?.attempts[0];
    expect(attempt?.tokenStatus).toBe('cancelled');
    expect(attempt?.outcome).toBe('cancelled');
    expect(view.steps.Task_1?.state).toBe('failed');
    expect(view.steps.Task_1?.runs[0]?.error).toBe('Stopped');
  });

  it('keeps concurrent foreach iterations of one step apart by their links', () => {
    const a = ev('StepEntered', 'Work', { input: { item: 1 } });
    const b = ev('StepEntered', 'Work', { input: { item: 2 } });
    const view = deriveStepStates([
      a,
      b,
      ev('StepExited', 'Work', { output: { r: 2 } }, b.EventId),
    ]);
    const runs = view.steps.Work?.runs ?? [];
    expect(runs).toHaveLength(2);
    expect(runs[0]?.closed).toBe(false);
    expect(runs[1]?.output).toEqual({ r: 2 });
    expect(view.steps.Work?.state).toBe('running');
  });
});

describe('stepViewAt', () => {
  it('keeps two steps of one name in different branches apart by path', () => {
    const a = ev('StepEntered', 'Same', { input: { b: 0 }, path: 'steps[0].branches[0].steps[0]' });
    const b = ev('StepEntered', 'Same', { input: { b: 1 }, path: 'steps[0].branches[1].steps[0]' });
    const view = deriveStepStates([a, b, ev('StepFailed', 'Same', { error: 'X' }, b.EventId)]);
    const first = stepViewAt(view, 'Same', 'steps[0].branches[0].steps[0]');
    const second = stepViewAt(view, 'Same', 'steps[0].branches[1].steps[0]');
    expect(first?.state).toBe('running');
    expect(first?.runs.map((r) => r.input)).toEqual([{ b: 0 }]);
    expect(second?.state).toBe('failed');
    expect(view.paths['steps[0].branches[1].steps[0]']).toBe('failed');
    expect(stepViewAt(view, 'Same')?.runs).toHaveLength(2);
    expect(stepViewAt(view, 'Nope', 'x')).toBeUndefined();
  });
});

describe('mergeEvents', () => {
  it('appends events in order, and sorts and de-duplicates the rest', () => {
    const e = (EventId: number, Type = 'StepEntered'): HistoryEvent => ({
      EventId,
      Type,
      Time: '',
    });
    expect(mergeEvents([e(1), e(2)], [e(3), e(4)]).map((x) => x.EventId)).toEqual([1, 2, 3, 4]);
    expect(
      mergeEvents([e(1), e(3)], [e(2), e(3, 'StepExited')]).map((x) => `${x.EventId}${x.Type}`),
    ).toEqual(['1StepEntered', '2StepEntered', '3StepExited']);
    expect(mergeEvents([e(5)], [e(7), e(6)]).map((x) => x.EventId)).toEqual([5, 6, 7]);
  });
});

describe('steps cut off by a failed sibling', () => {
  it('say whether a branch or an iteration of their step failed', () => {
    id = 0;
    const each = ev('StepEntered', 'each', { type: 'foreach', path: 'steps[0]', input: {} });
    const first = ev('IterationEntered', 'each', { index: 0 }, each.EventId);
    const second = ev('IterationEntered', 'each', { index: 1 }, each.EventId);
    const work = ev('StepEntered', 'work', {
      type: 'wait',
      path: 'steps[0].steps[0]',
      input: {},
      parentEventId: first.EventId,
    });
    const view = deriveStepStates([
      each,
      first,
      second,
      work,
      ev('IterationExited', 'each', { index: 1, failed: true }, second.EventId),
      ev('IterationExited', 'each', { index: 0, cancelled: true }, first.EventId),
    ]);
    expect(view.steps.work?.runs[0]).toMatchObject({
      closed: true,
      failed: true,
      error: 'Cancelled',
      cause: 'cancelled: another iteration of each failed',
    });
  });
});

describe('a history written before TaskScheduled named its step', () => {
  it('gives each foreach pass its own retries, matched by the input they repeat', () => {
    id = 0;
    const tok = (n: number) => `djIj${String(n).repeat(24)}`;
    const entered = (item: number, token: string) =>
      ev('StepEntered', 'work', {
        type: 'task',
        path: 'steps[0].steps[0]',
        input: { item, token },
      });
    const scheduled = (item: number, token: string) => {
      const e = ev('TaskScheduled', 'work', { pattern: 'waitForCallback', input: { item, token } });
      e.ScheduleEventId = e.EventId;
      return e;
    };
    const e1 = entered(1, tok(1));
    const s1 = scheduled(1, tok(1));
    const e3 = entered(3, tok(3));
    const s3 = scheduled(3, tok(3));
    // Item 3 failed first, then item 1; the retries start in that order.
    const events = [
      e1,
      s1,
      e3,
      s3,
      ev('TaskFailed', 'work', { error: 'E' }, s3.EventId),
      ev('TaskFailed', 'work', { error: 'E' }, s1.EventId),
      scheduled(3, tok(5)),
      scheduled(1, tok(6)),
    ];
    const runs = deriveStepStates(events).steps.work?.runs ?? [];
    expect(runs.map((r) => r.attempts.map((a) => (a.input as { item: number }).item))).toEqual([
      [1, 1],
      [3, 3],
    ]);
  });
});
