// The flows list.
import type { ConsoleFlow } from '../../backend';
import { api } from '../api';
import { formatTime, h, link, replaceChildren, seg } from '../dom';

/** Mounts the flows list; returns a cleanup function. */
export function mountFlowsPage(root: HTMLElement): () => void {
  let disposed = false;
  const tokens: (string | undefined)[] = [undefined];
  let pageIndex = 0;
  const body = h('tbody');
  const error = h('div', { class: 'error', role: 'alert' });
  const prev = h('button', { type: 'button', disabled: true }, '‹ Previous');
  const next = h('button', { type: 'button', disabled: true }, 'Next ›');
  const page = h(
    'div',
    { class: 'flows-page' },
    h('h2', {}, 'Flows'),
    error,
    h(
      'table',
      { class: 'list', 'data-role': 'flows' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Name', 'Description', 'Created', 'Last modified'].map((t) => h('th', {}, t)),
        ),
      ),
      body,
    ),
    h('div', { class: 'pager' }, prev, next),
  );
  replaceChildren(root, page);

  const row = (f: ConsoleFlow) =>
    h(
      'tr',
      { 'data-flow': f.Name },
      h('td', {}, link(`/flows/${seg(f.Name)}`, f.Name)),
      h('td', {}, f.Description ?? ''),
      h('td', { class: 'nowrap' }, formatTime(f.CreatedTime)),
      h('td', { class: 'nowrap' }, formatTime(f.LastModifiedTime)),
    );

  const load = async () => {
    error.textContent = '';
    try {
      const r = await api.listFlows(tokens[pageIndex]);
      if (disposed) return;
      replaceChildren(body, ...r.Flows.map(row));
      if (r.Flows.length === 0)
        body.append(
          h(
            'tr',
            {},
            h(
              'td',
              { colspan: 4, class: 'muted' },
              'No flows yet. Deploy one with CreateFlow or `npm start`.',
            ),
          ),
        );
      tokens[pageIndex + 1] = r.NextToken;
      prev.disabled = pageIndex === 0;
      next.disabled = !r.NextToken;
    } catch (err) {
      error.textContent = (err as Error).message;
    }
  };
  prev.addEventListener('click', () => {
    pageIndex = Math.max(0, pageIndex - 1);
    void load();
  });
  next.addEventListener('click', () => {
    pageIndex++;
    void load();
  });
  void load();
  return () => {
    disposed = true;
  };
}
