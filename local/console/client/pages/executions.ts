// One flow's executions: filters, paging, and the start form.
import type { ConsoleExecution } from '../../backend';
import { checkExecutionInput, checkExecutionName } from '../../model/start-input';
import { ApiError, api } from '../api';
import { formatTime, h, link, replaceChildren, seg } from '../dom';
import { navigate } from '../router';

const STATUSES = ['', 'Running', 'Succeeded', 'Failed', 'Stopped', 'TimedOut'];
const PAGE_SIZE = 20;

/** Mounts the executions page of `flowName`; returns a cleanup function. */
export function mountExecutionsPage(root: HTMLElement, flowName: string): () => void {
  let disposed = false;
  let tokens: (string | undefined)[] = [undefined];
  let pageIndex = 0;

  const status = h(
    'select',
    { 'data-role': 'status-filter' },
    ...STATUSES.map((s) => h('option', { value: s }, s || 'Any status')),
  );
  const prefix = h('input', {
    type: 'search',
    placeholder: 'Name starts with…',
    'data-role': 'prefix-filter',
  });
  const body = h('tbody');
  const listError = h('div', { class: 'error', role: 'alert' });
  const prev = h('button', { type: 'button', 'data-role': 'prev', disabled: true }, '‹ Previous');
  const next = h('button', { type: 'button', 'data-role': 'next', disabled: true }, 'Next ›');
  const pageLabel = h('span', { class: 'muted', 'data-role': 'page' }, 'page 1');

  const nameInput = h('input', {
    type: 'text',
    placeholder: 'optional: generated when blank',
    'data-role': 'start-name',
  });
  const inputArea = h('textarea', { rows: 5, spellcheck: false, 'data-role': 'start-input' }, '{}');
  const startError = h('div', { class: 'error', role: 'alert', 'data-role': 'start-error' });
  const startButton = h(
    'button',
    { type: 'submit', class: 'primary', 'data-role': 'start' },
    'Start execution',
  );
  const form = h(
    'form',
    { class: 'start-form', 'data-role': 'start-form', novalidate: true },
    h('h3', {}, 'Start an execution'),
    h('label', {}, 'Name ', nameInput),
    h('label', {}, 'Input (a JSON object)', inputArea),
    startError,
    startButton,
  );
  const definition = h('pre', { class: 'definition' }, '');
  const page = h(
    'div',
    { class: 'executions-page', 'data-flow': flowName },
    h('nav', { class: 'crumbs' }, link('/flows', 'Flows'), ' / ', flowName),
    h('h2', {}, flowName),
    h(
      'div',
      { class: 'two-col' },
      h(
        'div',
        {},
        h(
          'div',
          { class: 'filters' },
          'Status ',
          status,
          ' ',
          prefix,
          ' ',
          h(
            'button',
            { type: 'button', 'data-role': 'refresh', onclick: () => reload() },
            'Refresh',
          ),
        ),
        listError,
        h(
          'table',
          { class: 'list', 'data-role': 'executions' },
          h(
            'thead',
            {},
            h('tr', {}, ...['Name', 'Status', 'Started', 'Stopped'].map((t) => h('th', {}, t))),
          ),
          body,
        ),
        h('div', { class: 'pager' }, prev, pageLabel, next),
      ),
      h('div', {}, form, h('details', {}, h('summary', {}, 'Definition'), definition)),
    ),
  );
  replaceChildren(root, page);

  const row = (x: ConsoleExecution) =>
    h(
      'tr',
      { 'data-execution': x.Name, 'data-status': x.Status },
      h('td', {}, link(`/flows/${seg(flowName)}/executions/${seg(x.Name)}`, x.Name)),
      h(
        'td',
        {},
        h('span', { class: `status status-${x.Status || 'Running'}` }, x.Status || 'Running'),
      ),
      h('td', { class: 'nowrap' }, formatTime(x.StartedTime)),
      h('td', { class: 'nowrap' }, formatTime(x.StoppedTime || undefined)),
    );

  const load = async () => {
    listError.textContent = '';
    try {
      const r = await api.listExecutions(flowName, {
        status: status.value,
        prefix: prefix.value.trim(),
        limit: PAGE_SIZE,
        nextToken: tokens[pageIndex],
      });
      if (disposed) return;
      replaceChildren(body, ...r.Executions.map(row));
      if (r.Executions.length === 0)
        body.append(h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No executions match.')));
      tokens[pageIndex + 1] = r.NextToken;
      prev.disabled = pageIndex === 0;
      next.disabled = !r.NextToken;
      pageLabel.textContent = `page ${pageIndex + 1}`;
      page.setAttribute('data-loaded', String(Date.now()));
    } catch (err) {
      listError.textContent = (err as Error).message;
    }
  };
  const reload = () => {
    tokens = [undefined];
    pageIndex = 0;
    void load();
  };
  status.addEventListener('change', reload);
  let typing: ReturnType<typeof setTimeout> | undefined;
  prefix.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(reload, 250);
  });
  prev.addEventListener('click', () => {
    pageIndex = Math.max(0, pageIndex - 1);
    void load();
  });
  next.addEventListener('click', () => {
    pageIndex++;
    void load();
  });

  const validate = (): boolean => {
    const n = checkExecutionName(nameInput.value.trim());
    const i = checkExecutionInput(inputArea.value);
    const message = !n.ok ? n.message : !i.ok ? i.message : '';
    startError.textContent = message;
    inputArea.setAttribute('aria-invalid', String(!i.ok));
    return message === '';
  };
  inputArea.addEventListener('input', () => {
    if (startError.textContent) validate();
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!validate()) return;
    startButton.disabled = true;
    try {
      const name = nameInput.value.trim();
      const x = await api.startExecution(flowName, {
        input: inputArea.value,
        ...(name ? { name } : {}),
      });
      navigate(`/flows/${seg(flowName)}/executions/${seg(x.Name)}`);
    } catch (err) {
      startError.textContent =
        err instanceof ApiError ? `${err.code}: ${err.message}` : String(err);
    } finally {
      startButton.disabled = false;
    }
  });

  void api.describeFlow(flowName).then(
    (f) => {
      definition.textContent = f.Definition ?? '';
    },
    (err: Error) => {
      listError.textContent = err.message;
    },
  );
  // Executions starting and ending refresh the page shown; events, not polling.
  let refreshing: ReturnType<typeof setTimeout> | undefined;
  const live = new EventSource(api.flowEventsUrl(flowName));
  live.addEventListener('execution', () => {
    clearTimeout(refreshing);
    refreshing = setTimeout(() => void load(), 150);
  });
  void load();
  return () => {
    disposed = true;
    clearTimeout(typing);
    clearTimeout(refreshing);
    live.close();
  };
}
