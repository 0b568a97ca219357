import type { HistoryEvent } from './types';
import { parseEventDetail } from './views';

/** Remembers what a live rendering needs across events (start time, step entries). */
export interface RenderState {
  startMs?: number;
  entered: Map<number, number>;
  /** Task attempts (their TaskScheduled id) whose failure was printed. */
  failedAttempts: Set<number>;
}

/** A fresh render state. */
export function createRenderState(): RenderState {
  return { entered: new Map(), failedAttempts: new Set() };
}

function short(v: unknown, max = 80): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * One human line per interesting event, with the time since the execution
 * started and, on a step's end, how long the step took. Undefined for events
 * a live view skips. Task tokens are never printed.
 */
export function renderEventLine(e: HistoryEvent, state: RenderState): string | undefined {
  const t = Date.parse(e.Time);
  state.startMs ??= t;
  const at = `+${String(t - state.startMs).padStart(6)} ms`;
  const d = parseEventDetail(e.EventDetail);
  const step = e.StepName;
  switch (e.Type) {
    case 'ExecutionStarted':
      return `${at}  execution started`;
    case 'StepEntered':
      state.entered.set(e.EventId, t);
      return `${at}  ${step} entered (${String(d.type ?? 'step')})`;
    case 'TaskSubmitted':
      return `${at}  ${step} task sent${d.queue ? ` to queue ${String(d.queue)}` : d.FlowName ? ` to flow ${String(d.FlowName)}` : ''}`;
    case 'TaskFailed':
    case 'TaskTimedOut':
    case 'TaskSubmitFailed':
      // One attempt's failure may be recorded twice (TaskSubmitFailed, then
      // TaskFailed), both with its TaskScheduled id: one line says it. Each
      // retry, and each foreach iteration or parallel branch, is an attempt of its own.
      if (state.failedAttempts.has(e.ScheduleEventId)) return undefined;
      state.failedAttempts.add(e.ScheduleEventId);
      return `${at}  ${step} ${e.Type === 'TaskTimedOut' ? 'timed out' : 'failed'}: ${String(d.error ?? '')} ${short(d.cause ?? '', 60)}`;
    case 'StepExited': {
      const began = state.entered.get(e.ScheduleEventId);
      const took = began === undefined ? '' : ` in ${t - began} ms`;
      return `${at}  ${step} succeeded${took} -> ${short(d.output ?? {})}`;
    }
    case 'StepFailed': {
      // The step's own end, after its task's failure line (if any): said as the step's.
      const began = state.entered.get(e.ScheduleEventId);
      const took = began === undefined ? '' : ` in ${t - began} ms`;
      return `${at}  ${step} step failed${took}: ${String(d.error ?? '')}`;
    }
    case 'ExecutionSucceeded':
      return `${at}  execution succeeded`;
    case 'ExecutionFailed':
      return `${at}  execution failed: ${String(d.error ?? '')} ${short(d.cause ?? '', 60)}`;
    case 'ExecutionTimedOut':
      return `${at}  execution timed out`;
    case 'ExecutionStopped':
      return `${at}  execution stopped`;
    default:
      return undefined;
  }
}

/** The whole history as a fixed-width table: id, time since start, type, step, detail. */
export function renderHistoryTable(events: readonly HistoryEvent[]): string {
  const start = events[0] ? Date.parse(events[0].Time) : 0;
  const rows = events.map((e) => {
    const d = parseEventDetail(e.EventDetail);
    delete d.input;
    const detail =
      e.Type === 'TaskScheduled' ? { resourceArn: d.resourceArn, attempt: d.attempt } : d;
    return [
      String(e.EventId),
      `+${Date.parse(e.Time) - start} ms`,
      e.Type,
      e.StepName || '-',
      Object.keys(detail).length ? short(detail, 70) : '',
    ];
  });
  const head = ['ID', 'TIME', 'TYPE', 'STEP', 'DETAIL'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
