// The panel that opens when a step is clicked: its data, attempts, token and timings.
import { maskTokenText, type StepRun, type StepView } from '../model/step-states';
import { formatClock, formatDuration, formatPayload, formatTime, h } from './dom';

function field(
  name: string,
  label: string,
  value: unknown,
  opts: { json?: boolean } = {},
): HTMLElement {
  const shown = opts.json
    ? formatPayload(value)
    : value === undefined || value === ''
      ? '—'
      : // An error or cause may quote a token: only its preview is shown.
        maskTokenText(String(value));
  return h(
    'div',
    { class: 'field', 'data-field': name },
    h('div', { class: 'field-label' }, label),
    opts.json ? h('pre', { class: 'json' }, shown) : h('div', { class: 'field-value' }, shown),
  );
}

function attemptsTable(run: StepRun): HTMLElement {
  if (run.attempts.length === 0) return h('p', { class: 'muted' }, 'No task attempts.');
  return h(
    'table',
    { class: 'attempts', 'data-field': 'attempts' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...[
          '#',
          'scheduled',
          'submitted',
          'finished',
          'outcome',
          'token',
          'token status',
          'error',
        ].map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      ...run.attempts.map((a) =>
        h(
          'tr',
          { 'data-outcome': a.outcome },
          h('td', {}, a.number),
          h('td', {}, formatClock(a.scheduledAt)),
          h('td', {}, formatClock(a.submittedAt)),
          h('td', {}, formatClock(a.finishedAt)),
          h('td', {}, a.outcome),
          h('td', { class: 'mono' }, a.tokenPreview ?? '—'),
          h('td', { 'data-field': 'token-status' }, a.tokenStatus),
          h('td', {}, a.error ? maskTokenText(`${a.error}${a.cause ? `: ${a.cause}` : ''}`) : '—'),
        ),
      ),
    ),
  );
}

/** Renders the panel for `step` (undefined: the step was not reached). */
export function renderStepPanel(
  name: string,
  type: string,
  step: StepView | undefined,
  runIndex: number | undefined,
  onRun: (index: number) => void,
  onClose: () => void,
): HTMLElement {
  const state = step?.state ?? 'not-reached';
  const runs = step?.runs ?? [];
  const idx = runIndex !== undefined && runIndex < runs.length ? runIndex : runs.length - 1;
  const run = runs[idx];
  const header = h(
    'div',
    { class: 'panel-head' },
    h(
      'h3',
      {},
      h('span', { 'data-field': 'step-name' }, name),
      ' ',
      h('span', { class: 'muted' }, type),
    ),
    h('span', { class: `state-badge state-${state}`, 'data-field': 'state' }, state),
    h('button', { class: 'close', type: 'button', title: 'Close', onclick: onClose }, '×'),
  );
  if (!run) {
    return h(
      'section',
      { class: 'step-panel', 'data-step': name },
      header,
      h('p', { class: 'muted' }, 'This step has not been reached.'),
    );
  }
  const picker =
    runs.length > 1
      ? h(
          'label',
          { class: 'runs' },
          `Pass (${runs.length} in all): `,
          (() => {
            const sel = h('select', {
              'data-field': 'run',
              onchange: (ev) => onRun(Number((ev.target as HTMLSelectElement).value)),
            });
            runs.forEach((r, i) => {
              const o = h(
                'option',
                { value: i },
                `#${i + 1} ${r.state} · ${formatTime(r.enteredAt)}`,
              );
              if (i === idx) o.selected = true;
              sel.append(o);
            });
            return sel;
          })(),
        )
      : null;
  const last = run.attempts.at(-1);
  return h(
    'section',
    { class: 'step-panel', 'data-step': name },
    header,
    picker,
    h(
      'div',
      { class: 'timings' },
      field('entered', 'Entered', formatTime(run.enteredAt)),
      field('exited', 'Exited', formatTime(run.exitedAt)),
      field('duration', 'Duration', formatDuration(run.durationMs)),
      field('attempt-count', 'Attempts', run.attempts.length || '—'),
      field(
        'token',
        'Task token',
        last ? `${last.tokenStatus}${last.tokenPreview ? ` (${last.tokenPreview})` : ''}` : '—',
      ),
    ),
    run.error || run.cause
      ? h(
          'div',
          { class: 'errors' },
          field('error', 'Error', run.error),
          field('cause', 'Cause', run.cause),
        )
      : null,
    h(
      'div',
      { class: 'data' },
      field('input', 'Input', run.input, { json: true }),
      field('output', 'Output', run.output, { json: true }),
      field('local', 'Local', run.local, { json: true }),
    ),
    h('h4', {}, 'Attempts'),
    h('div', { class: 'table-scroll' }, attemptsTable(run)),
  );
}
