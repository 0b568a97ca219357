import type { HistoryEvent } from './types';
import { parseEventDetail } from './views';

/** Remembers what a live rendering needs across events (start time, step entries). */
export interface RenderState {
  startMs?: number;
  entered: Map<number, number>;
  /** The error last printed for a step (by step name) since it was entered or its task scheduled. */
  failed: Map<string, string>;
}

/** A fresh render state. */
export function createRenderState(): RenderState {
  return { entered: new Map(), failed: new Map() };
}

/**
 * False when the step's failure with this error was printed already: a task's
 * failure is recorded as TaskSubmitFailed and/or TaskFailed, then the step's as
 * StepFailed, all with the same error, and one line says it.
 */
function isNewFailure(state: RenderState, step: string, error: string): boolean {
  if (state.failed.get(step) === error) return false;
  state.failed.set(step, error);
  return true;
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
      state.failed.delete(step);
      return `${at}  ${step} entered (${String(d.type ?? 'step')})`;
    case 'TaskScheduled':
      // A retry: its failure is news again.
      state.failed.delete(step);
      return undefined;
    case 'TaskSubmitted':
      return `${at}  ${step} task sent${d.queue ? ` to queue ${String(d.queue)}` : d.FlowName ? ` to flow ${String(d.FlowName)}` : ''}`;
    case 'TaskFailed':
    case 'TaskTimedOut':
    case 'TaskSubmitFailed':
      if (!isNewFailure(state, step, String(d.error ?? ''))) return undefined;
      return `${at}  ${step} ${e.Type === 'TaskTimedOut' ? 'timed out' : 'failed'}: ${String(d.error ?? '')} ${short(d.cause ?? '', 60)}`;
    case 'StepExited': {
      const began = state.entered.get(e.ScheduleEventId);
      const took = began === undefined ? '' : ` in ${t - began} ms`;
      return `${at}  ${step} succeeded${took} -> ${short(d.output ?? {})}`;
    }
    case 'StepFailed':
      if (!isNewFailure(state, step, String(d.error ?? ''))) return undefined;
      return `${at}  ${step} failed: ${String(d.error ?? '')}`;
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
