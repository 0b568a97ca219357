// The execution's event history as a table, appended to as live events arrive.
import type { HistoryEvent } from '../model/history';
import { maskTokenText } from '../model/step-states';
import { formatTime, h } from './dom';

function detailPreview(detail: string | undefined): string {
  if (!detail) return '';
  // Tokens are credentials: never show one whole, even in the raw detail.
  const masked = maskTokenText(
    detail.replace(
      /("(?:task_?[tT]oken|[tT]askToken|token)"\s*:\s*")([^"]{10})[^"]*(")/g,
      '$1$2…$3',
    ),
  );
  return masked.length > 400 ? `${masked.slice(0, 399)}…` : masked;
}

/** A history table that can take more rows. */
export interface HistoryTable {
  element: HTMLElement;
  show(events: readonly HistoryEvent[]): void;
}

/** Creates an empty history table. */
export function createHistoryTable(): HistoryTable {
  const body = h('tbody');
  const element = h(
    'table',
    { class: 'history', 'data-role': 'history' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Id', 'Time', 'Type', 'Step', 'Schedule', 'Detail'].map((t) => h('th', {}, t)),
      ),
    ),
    body,
  );
  let shown = 0;
  return {
    element,
    show(events) {
      // Events only ever get appended (merged by id), so draw the new tail.
      if (events.length < shown) {
        body.replaceChildren();
        shown = 0;
      }
      for (const e of events.slice(shown)) {
        body.append(
          h(
            'tr',
            { 'data-type': e.Type, 'data-event-id': e.EventId },
            h('td', {}, e.EventId),
            h('td', { class: 'nowrap' }, formatTime(e.Time)),
            h('td', { class: `event-type ${/Failed|TimedOut/.test(e.Type) ? 'bad' : ''}` }, e.Type),
            h('td', {}, e.StepName ?? ''),
            h('td', {}, e.ScheduleEventId ?? ''),
            h('td', { class: 'mono detail' }, detailPreview(e.EventDetail)),
          ),
        );
      }
      shown = events.length;
    },
  };
}
