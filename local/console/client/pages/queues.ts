// Queues: depth, in flight, delayed, dead letters, and a peek at the next messages.
import type { ConsoleQueue } from '../../backend';
import { api } from '../api';
import { formatPayload, h, replaceChildren } from '../dom';

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number' && v > 1e12) return new Date(v).toISOString();
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function bodyOf(m: Record<string, unknown>): unknown {
  return m.body ?? m.Body ?? m.MessageBody ?? m.messageBody;
}

/** Mounts the queues page; returns a cleanup function. */
export function mountQueuesPage(root: HTMLElement): () => void {
  let disposed = false;
  const body = h('tbody');
  const error = h('div', { class: 'error', role: 'alert' });
  const peekBox = h('div', { class: 'peek', 'data-role': 'peek' });
  const page = h(
    'div',
    { class: 'queues-page' },
    h('h2', {}, 'Queues'),
    h(
      'div',
      { class: 'filters' },
      h(
        'button',
        { type: 'button', 'data-role': 'refresh', onclick: () => void load() },
        'Refresh',
      ),
    ),
    error,
    h(
      'table',
      { class: 'list', 'data-role': 'queues' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...[
            'Queue',
            'Depth (active)',
            'In flight',
            'Delayed',
            'Receivers waiting',
            'Dead-lettered',
            'Dead-letter queue',
            '',
          ].map((t) => h('th', {}, t)),
        ),
      ),
      body,
    ),
    peekBox,
  );
  replaceChildren(root, page);

  const peek = async (queue: string) => {
    try {
      const r = await api.peek(queue);
      if (disposed) return;
      const rows = r.Messages.map((m) =>
        m && typeof m === 'object' ? (m as Record<string, unknown>) : { body: m },
      );
      const keys = [...new Set(rows.flatMap((m) => Object.keys(m)))].filter(
        (k) => bodyOf({ [k]: 1 }) === undefined,
      );
      replaceChildren(
        peekBox,
        h(
          'h3',
          {},
          `Next messages in ${queue}`,
          h('span', { class: 'muted' }, ` (${rows.length}, peeked: nothing is received)`),
        ),
        rows.length === 0
          ? h('p', { class: 'muted' }, 'The queue has no visible messages.')
          : h(
              'table',
              { class: 'list', 'data-role': 'messages', 'data-queue': queue },
              h('thead', {}, h('tr', {}, ...keys.map((k) => h('th', {}, k)), h('th', {}, 'body'))),
              h(
                'tbody',
                {},
                ...rows.map((m) =>
                  h(
                    'tr',
                    {},
                    ...keys.map((k) => h('td', { class: 'mono' }, cell(m[k]))),
                    h('td', {}, h('pre', { class: 'json' }, formatPayload(bodyOf(m)))),
                  ),
                ),
              ),
            ),
      );
    } catch (err) {
      replaceChildren(peekBox, h('p', { class: 'error' }, (err as Error).message));
    }
  };

  const row = (q: ConsoleQueue) =>
    h(
      'tr',
      { 'data-queue': q.name },
      h('td', {}, q.name),
      h('td', { 'data-field': 'active' }, q.active),
      h('td', { 'data-field': 'inflight' }, q.inflight),
      h('td', { 'data-field': 'delayed' }, q.delayed),
      h('td', { 'data-field': 'waiting' }, q.waiting ?? '—'),
      h('td', { 'data-field': 'dead-lettered' }, q.deadLettered ?? '—'),
      h('td', {}, q.deadLetterQueue ?? '—'),
      h(
        'td',
        {},
        h(
          'button',
          { type: 'button', 'data-role': 'peek', onclick: () => void peek(q.name) },
          'Peek',
        ),
      ),
    );

  const load = async () => {
    error.textContent = '';
    try {
      const r = await api.listQueues();
      if (disposed) return;
      replaceChildren(body, ...r.Queues.map(row));
      if (r.Queues.length === 0)
        body.append(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No queues.')));
    } catch (err) {
      error.textContent = (err as Error).message;
    }
  };
  void load();
  return () => {
    disposed = true;
  };
}
