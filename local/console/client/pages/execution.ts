// The execution page: status and actions, the definition beside the live graph, the
// step panel and the history table. Live through one EventSource; no polling.
import { parse as parseYaml } from 'yaml';
import { buildFlowGraph, graphStepKinds } from '../../model/flow-graph';
import { type HistoryEvent, mergeEvents } from '../../model/history';
import { layoutFlowGraph } from '../../model/layout';
import {
  deriveStepStates,
  type ExecutionView,
  maskTokenText,
  type StepState,
  stepViewAt,
} from '../../model/step-states';
import { ApiError, api } from '../api';
import { formatPayload, formatTime, h, link, replaceChildren, seg } from '../dom';
import { getElk } from '../elk';
import { renderGraph } from '../graph-view';
import { createHistoryTable } from '../history-table';
import { renderStepPanel } from '../step-panel';

const STATES: StepState[] = ['not-reached', 'running', 'waiting', 'succeeded', 'failed', 'retried'];
const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped', 'TimedOut']);

/** Mounts the page for one execution; returns a cleanup function. */
export function mountExecutionPage(
  root: HTMLElement,
  flowName: string,
  executionName: string,
): () => void {
  let disposed = false;
  let source: EventSource | undefined;
  let events: HistoryEvent[] = [];
  let view: ExecutionView = deriveStepStates([]);
  let selected: string | undefined;
  let selectedRun: number | undefined;
  let selectedPath: string | undefined;
  let types = new Map<string, string>();
  let status = '';

  const statusEl = h('span', { class: 'status', 'data-role': 'status' }, '…');
  const started = h('span', { 'data-role': 'started' }, '—');
  const stopped = h('span', { 'data-role': 'stopped' }, '—');
  const actionError = h('div', { class: 'error', role: 'alert', 'data-role': 'action-error' });
  const executionError = h('div', { class: 'execution-error', 'data-role': 'execution-error' });
  const stopButton = h(
    'button',
    { type: 'button', class: 'danger', 'data-role': 'stop', disabled: true },
    'Stop execution',
  );
  const ioInput = h('pre', { class: 'json', 'data-role': 'execution-input' }, '');
  const ioOutput = h('pre', { class: 'json', 'data-role': 'execution-output' }, '');
  const definition = h('pre', { class: 'definition', 'data-role': 'definition' }, '');
  const graphBox = h(
    'div',
    { class: 'graph-box', 'data-role': 'graph' },
    h('p', { class: 'muted' }, 'Drawing the graph…'),
  );
  const panelBox = h('div', { class: 'panel-box', 'data-role': 'step-panel' });
  const history = createHistoryTable();
  const legend = h(
    'div',
    { class: 'legend' },
    ...STATES.map((s) => h('span', { class: `state-badge state-${s}` }, s)),
  );
  let graph: ReturnType<typeof renderGraph> | undefined;

  const page = h(
    'div',
    { class: 'execution-page', 'data-flow': flowName, 'data-execution': executionName },
    h(
      'nav',
      { class: 'crumbs' },
      link('/flows', 'Flows'),
      ' / ',
      link(`/flows/${seg(flowName)}`, flowName),
      ' / ',
      executionName,
    ),
    h(
      'div',
      { class: 'exec-head' },
      h('h2', {}, executionName),
      statusEl,
      h('span', { class: 'times' }, 'started ', started, ' · stopped ', stopped),
      stopButton,
    ),
    actionError,
    executionError,
    h(
      'div',
      { class: 'io' },
      h('div', {}, h('h4', {}, 'Execution input'), ioInput),
      h('div', {}, h('h4', {}, 'Execution output'), ioOutput),
    ),
    h(
      'div',
      { class: 'split' },
      h('div', { class: 'def-col' }, h('h4', {}, 'Definition'), definition),
      h('div', { class: 'graph-col' }, h('h4', {}, 'Graph'), legend, graphBox),
      panelBox,
    ),
    h('h3', {}, 'Event history'),
    history.element,
  );
  replaceChildren(root, page);

  // Marks the selected step's `name:` line in the definition and scrolls it into view.
  const markDefinition = () => {
    let first: Element | undefined;
    for (const line of Array.from(definition.children)) {
      const m = /^\s*(?:-\s*)?name:\s*["']?(.*?)["']?\s*$/.exec(line.textContent ?? '');
      const hit = selected !== undefined && m?.[1] === selected;
      line.classList.toggle('selected', hit);
      if (hit) first ??= line;
    }
    first?.scrollIntoView({ block: 'nearest' });
  };

  const renderPanel = () => {
    graph?.select(selected);
    if (!selected) {
      replaceChildren(
        panelBox,
        h('p', { class: 'muted hint' }, 'Click a step to see its input, output and attempts.'),
      );
      return;
    }
    replaceChildren(
      panelBox,
      renderStepPanel(
        selected,
        types.get(selected) ?? '',
        stepViewAt(view, selected, selectedPath),
        selectedRun,
        (i) => {
          selectedRun = i;
          renderPanel();
        },
        () => {
          selected = undefined;
          renderPanel();
          markDefinition();
        },
      ),
    );
  };

  const recompute = () => {
    view = deriveStepStates(events);
    const end = view.ended;
    executionError.textContent =
      end?.error && end.type !== 'ExecutionSucceeded'
        ? maskTokenText(
            `${end.type.replace('Execution', '')}: ${end.error}${end.cause ? ` · ${end.cause}` : ''}`,
          )
        : '';
    const states: Record<string, StepState> = {};
    for (const [name, step] of Object.entries(view.steps)) states[name] = step.state;
    graph?.setStates(states, view.paths, {
      started: events.length > 0,
      ended: view.ended !== undefined,
    });
    history.show(events);
    renderPanel();
  };

  const showExecution = (x: {
    Status?: string;
    StartedTime?: string;
    StoppedTime?: string;
    Input?: string;
    Output?: string;
  }) => {
    status = x.Status || 'Running';
    statusEl.textContent = status;
    statusEl.className = `status status-${status}`;
    page.setAttribute('data-status', status);
    started.textContent = formatTime(x.StartedTime);
    stopped.textContent = formatTime(x.StoppedTime || undefined);
    ioInput.textContent = formatPayload(x.Input || undefined);
    ioOutput.textContent = formatPayload(x.Output || undefined);
    stopButton.disabled = TERMINAL.has(status);
  };

  const refreshExecution = async () => {
    try {
      const x = await api.describeExecution(flowName, executionName);
      if (!disposed) showExecution(x);
      return x;
    } catch (err) {
      if (!disposed) actionError.textContent = (err as Error).message;
      return undefined;
    }
  };

  stopButton.addEventListener('click', async () => {
    actionError.textContent = '';
    stopButton.disabled = true;
    try {
      showExecution(
        await api.stopExecution(flowName, executionName, {
          error: 'Stopped',
          cause: 'stopped from the console',
        }),
      );
      await refreshExecution();
    } catch (err) {
      actionError.textContent =
        err instanceof ApiError ? `${err.code}: ${err.message}` : String(err);
      stopButton.disabled = TERMINAL.has(status);
    }
  });

  // A foreach of 100 items sends hundreds of events at once: draw once per frame.
  let recomputeQueued = false;
  const scheduleRecompute = () => {
    if (recomputeQueued) return;
    recomputeQueued = true;
    requestAnimationFrame(() => {
      recomputeQueued = false;
      if (!disposed) recompute();
    });
  };

  const connect = () => {
    source = new EventSource(api.eventsUrl(flowName, executionName));
    source.addEventListener('snapshot', (ev) => {
      const data = JSON.parse((ev as MessageEvent).data) as { Events: HistoryEvent[] };
      events = mergeEvents(events, data.Events);
      page.setAttribute('data-live', 'true');
      recompute();
      // The execution may have ended between the first describe and this snapshot.
      void refreshExecution();
    });
    source.addEventListener('history', (ev) => {
      const e = JSON.parse((ev as MessageEvent).data) as HistoryEvent;
      events = mergeEvents(events, [e]);
      scheduleRecompute();
      if (e.Type.startsWith('Execution')) void refreshExecution();
    });
    // EventSource reconnects by itself; the snapshot on reconnect fills any gap.
    source.addEventListener('error', () => page.setAttribute('data-live', 'false'));
    // The name now belongs to a newer execution (its flow was deleted and
    // created again): stop here rather than mix two executions on one page.
    source.addEventListener('replaced', () => {
      source?.close();
      page.setAttribute('data-live', 'replaced');
      executionError.textContent =
        'This name now belongs to a newer execution (the flow was created again); reload the page to follow it.';
    });
  };

  void (async () => {
    const x = await refreshExecution();
    if (!x || disposed) return;
    let text = typeof x.FlowDefinition === 'string' ? x.FlowDefinition : '';
    if (!text) {
      try {
        text = (await api.describeFlow(flowName)).Definition ?? '';
      } catch (err) {
        actionError.textContent = (err as Error).message;
      }
    }
    replaceChildren(
      definition,
      ...text.split('\n').map((line) => h('span', { class: 'def-line' }, `${line}\n`)),
    );
    try {
      const g = buildFlowGraph(parseYaml(text));
      types = graphStepKinds(g);
      const layout = await layoutFlowGraph(g, getElk());
      if (disposed) return;
      graph = renderGraph(layout, (name, path) => {
        selected = name;
        selectedPath = path;
        selectedRun = undefined;
        renderPanel();
        markDefinition();
      });
      replaceChildren(graphBox, graph.element);
      page.setAttribute('data-graph', 'ready');
    } catch (err) {
      replaceChildren(
        graphBox,
        h('p', { class: 'error' }, `Cannot draw this definition: ${(err as Error).message}`),
      );
    }
    recompute();
    connect();
  })();

  return () => {
    disposed = true;
    source?.close();
  };
}
