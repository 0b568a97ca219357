// Draws a laid-out flow graph as SVG and recolours its steps as states change.
import { END_ID, nodeSubtitle, START_ID } from '../model/flow-graph';
import type { GraphLayout } from '../model/layout';
import type { StepState } from '../model/step-states';
import { s } from './dom';

/** A drawn graph: the element plus a way to recolour it. */
export interface GraphView {
  element: SVGElement;
  /** Colours steps by definition path where known, else by step name. */
  setStates(
    byName: Record<string, StepState>,
    byPath: Record<string, StepState>,
    progress: { started: boolean; ended: boolean },
  ): void;
  select(stepName: string | undefined): void;
}

function pathOf(points: { x: number; y: number }[]): string {
  return points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`)
    .join(' ');
}

/** Renders `layout`; clicking a step calls `onSelect` with its name and definition path. */
export function renderGraph(
  layout: GraphLayout,
  onSelect: (stepName: string, path: string) => void,
): GraphView {
  const svg = s('svg', {
    class: 'flow-graph',
    width: Math.ceil(layout.width),
    height: Math.ceil(layout.height),
    viewBox: `0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}`,
    role: 'img',
    'aria-label': 'flow graph',
  });
  svg.append(
    s(
      'defs',
      {},
      s(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }),
      ),
    ),
  );
  const stepEls: SVGElement[] = [];
  const groupsLayer = s('g', { class: 'groups' });
  const nodesLayer = s('g', { class: 'nodes' });
  for (const p of layout.nodes) {
    const n = p.node;
    const attrs = {
      class: `node kind-${n.kind}`,
      'data-node': n.id,
      'data-kind': n.kind,
      'data-step': n.stepName,
      'data-state': n.stepName ? 'not-reached' : undefined,
      transform: `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`,
    };
    const g = s('g', attrs);
    if (n.kind === 'group') {
      g.append(s('rect', { class: 'shape', width: p.width, height: p.height, rx: 8 }));
      if (n.label) g.append(s('text', { class: 'group-label', x: 10, y: 17 }, n.label));
    } else if (n.kind === 'join') {
      g.append(
        s('circle', { class: 'shape', cx: p.width / 2, cy: p.height / 2, r: p.width / 2 - 1 }),
      );
    } else {
      const rx = n.kind === 'start' || n.kind === 'end' ? p.height / 2 : 6;
      g.append(s('rect', { class: 'shape', width: p.width, height: p.height, rx }));
      const sub = nodeSubtitle(n);
      const cx = p.width / 2;
      g.append(s('text', { class: 'label', x: cx, y: sub ? 18 : p.height / 2 + 5 }, n.label));
      if (sub) g.append(s('text', { class: 'sub', x: cx, y: 35 }, sub));
      if (n.stepName) g.append(s('title', {}, `${n.stepName} (${n.kind})`));
    }
    if (n.stepName) {
      g.setAttribute('tabindex', '0');
      const name = n.stepName;
      const path = n.id.replace(/#(group|join)$/, '');
      g.addEventListener('click', (ev) => {
        ev.stopPropagation();
        onSelect(name, path);
      });
      g.addEventListener('keydown', (ev) => {
        if ((ev as KeyboardEvent).key === 'Enter') onSelect(name, path);
      });
      stepEls.push(g);
    }
    (n.kind === 'group' ? groupsLayer : nodesLayer).append(g);
  }
  const edgesLayer = s('g', { class: 'edges' });
  const edgeEls: SVGElement[] = [];
  for (const e of layout.edges) {
    if (e.points.length < 2) continue;
    const g = s('g', {
      class: `edge edge-${e.edge.kind}`,
      'data-from': e.edge.from,
      'data-to': e.edge.to,
    });
    g.append(s('path', { d: pathOf(e.points), 'marker-end': 'url(#arrow)' }));
    if (e.label) {
      const l = e.label;
      g.append(
        s('rect', {
          class: 'edge-label-bg',
          x: l.x,
          y: l.y,
          width: l.width,
          height: l.height,
          rx: 3,
        }),
        s(
          'text',
          { class: 'edge-label', x: l.x + 4, y: l.y + 12 },
          l.text.length > 40 ? `${l.text.slice(0, 39)}…` : l.text,
        ),
      );
    }
    edgesLayer.append(g);
    edgeEls.push(g);
  }
  svg.append(groupsLayer, edgesLayer, nodesLayer);
  return {
    element: svg,
    setStates(byName, byPath, progress) {
      // An engine that reports paths reports them for every step: then names are not
      // needed, and two steps of the same name in different branches stay apart.
      const usePaths = Object.keys(byPath).length > 0;
      const nodes = new Map<string, PathNode>();
      if (progress.started) nodes.set(START_ID, { kind: 'start', state: 'succeeded' });
      if (progress.ended) nodes.set(END_ID, { kind: 'end', state: 'succeeded' });
      for (const el of stepEls) {
        const name = el.getAttribute('data-step') ?? '';
        const id = el.getAttribute('data-node') ?? '';
        const state =
          (usePaths ? byPath[id.replace(/#(group|join)$/, '')] : byName[name]) ?? 'not-reached';
        el.setAttribute('data-state', state);
        if (state !== 'not-reached') {
          nodes.set(id, { kind: el.getAttribute('data-kind') ?? '', state });
        }
      }
      for (const el of edgeEls) {
        const taken = edgeTaken(
          nodes.get(el.getAttribute('data-from') ?? ''),
          nodes.get(el.getAttribute('data-to') ?? ''),
        );
        el.setAttribute('data-taken', String(taken));
      }
    },
    select(stepName) {
      for (const el of stepEls) {
        el.classList.toggle(
          'selected',
          stepName !== undefined && el.getAttribute('data-step') === stepName,
        );
      }
    },
  };
}

/** A drawn node the execution reached, with what its step did. */
export interface PathNode {
  kind: string;
  state: StepState;
}

/**
 * Whether the execution went along an edge: both ends reached, and the source
 * left normally (succeeded, or retried and then succeeded), or it is the start,
 * or a succeed or fail step, which end the execution by design. A failed,
 * cancelled or still running step is where the path stopped. (A choice's "no
 * match" edge can still look taken when a branch ran and rejoined; the boxes'
 * colours are the exact record.)
 */
export function edgeTaken(from: PathNode | undefined, to: PathNode | undefined): boolean {
  if (!from || !to) return false;
  if (from.kind === 'start' || from.kind === 'succeed' || from.kind === 'fail') return true;
  return from.state === 'succeeded' || from.state === 'retried';
}
