// Turns an FDL flow definition into a graph of nodes, nested groups and edges, ready
// for a layout engine. Reads the definition leniently (a half-valid flow still draws)
// and stays pure so the browser bundle can use it.
import { parseResourceArn } from '../../../shared/fdl/arn';

/** What a node stands for. Groups hold the insides of choice, parallel and foreach. */
export type GraphNodeKind =
  | 'start'
  | 'end'
  | 'join'
  | 'group'
  | 'task'
  | 'pass'
  | 'choice'
  | 'parallel'
  | 'foreach'
  | 'wait'
  | 'succeed'
  | 'fail'
  | 'unknown';

/** One node; groups carry children. */
export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  label: string;
  /** The FDL step this node belongs to (header, join and group of a step share it). */
  stepName?: string;
  /** A second line: the resource, the wait, the iteration. */
  detail?: string;
  children?: GraphNode[];
}

/** How control moves along an edge. */
export type GraphEdgeKind = 'next' | 'branch' | 'catch' | 'goto' | 'end';

/** One directed edge between two leaf nodes. */
export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  kind: GraphEdgeKind;
  label?: string;
}

/** A flow as a graph. */
export interface FlowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Node ids of the two ends of every flow graph. */
export const START_ID = 'start';
export const END_ID = 'end';

type Loose = Record<string, unknown>;
interface Exit {
  from: string;
  label?: string;
  kind?: GraphEdgeKind;
}
interface Ctx {
  edges: GraphEdge[];
  seq: number;
}

const asObj = (v: unknown): Loose => (v && typeof v === 'object' ? (v as Loose) : {});
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asStr = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

function connect(ctx: Ctx, exits: Exit[], to: string, kind?: GraphEdgeKind): void {
  for (const x of exits) {
    const edge: GraphEdge = {
      id: `e${ctx.seq++}`,
      from: x.from,
      to,
      kind: kind ?? x.kind ?? 'next',
    };
    if (x.label) edge.label = x.label;
    ctx.edges.push(edge);
  }
}

function shortResource(step: Loose): string | undefined {
  const arn = asStr(step.resourceArn) ?? asStr(step.action);
  if (!arn) return undefined;
  const ref = parseResourceArn(arn);
  const what =
    ref?.kind === 'mns-queue'
      ? `queue ${ref.queue}`
      : ref?.kind === 'fc'
        ? `fc ${ref.functionName}`
        : ref?.kind === 'fnf-flow'
          ? `flow ${ref.flowName}`
          : arn;
  const pattern = asStr(step.pattern);
  return pattern && pattern !== 'requestResponse' ? `${what} · ${pattern}` : what;
}

function nodeKind(type: string | undefined): GraphNodeKind {
  switch (type) {
    case 'task':
    case 'pass':
    case 'choice':
    case 'parallel':
    case 'foreach':
    case 'wait':
    case 'succeed':
    case 'fail':
      return type;
    default:
      return 'unknown';
  }
}

/** Builds one `steps` list; returns the exits that flow to whatever follows the list. */
function buildList(
  stepsValue: unknown,
  listPath: string,
  into: GraphNode[],
  ctx: Ctx,
  incoming: Exit[],
): Exit[] {
  const steps = asList(stepsValue).map(asObj);
  const siblings = new Map<string, string>();
  steps.forEach((s, i) => {
    const name = asStr(s.name);
    if (name && !siblings.has(name)) siblings.set(name, `${listPath}[${i}]`);
  });
  const gotoTarget = (name: unknown): string | undefined => {
    const n = asStr(name);
    return n === undefined ? undefined : siblings.get(n);
  };
  let prev = incoming;
  const ended: Exit[] = [];
  steps.forEach((step, i) => {
    const id = `${listPath}[${i}]`;
    connect(ctx, prev, id);
    const exits = buildStep(step, id, into, ctx, gotoTarget);
    if (step.end === true) {
      ended.push(...exits);
      prev = [];
    } else {
      prev = exits;
    }
  });
  if (steps.length === 0) return incoming;
  return [...ended, ...prev];
}

function buildStep(
  step: Loose,
  id: string,
  into: GraphNode[],
  ctx: Ctx,
  gotoTarget: (name: unknown) => string | undefined,
): Exit[] {
  const type = asStr(step.type);
  const name = asStr(step.name) ?? '(unnamed)';
  const node: GraphNode = { id, kind: nodeKind(type), label: name, stepName: name };
  switch (type) {
    case 'task': {
      const detail = shortResource(step);
      if (detail) node.detail = detail;
      into.push(node);
      for (const c of asList(step.catch).map(asObj)) {
        const target = gotoTarget(c.goto);
        if (!target) continue;
        const errors = asList(c.errors).map(asStr).filter(Boolean).join(', ');
        connect(ctx, [{ from: id, label: `catch ${errors}`.trim() }], target, 'catch');
      }
      return [{ from: id }];
    }
    case 'wait': {
      const d = asStr(step.duration);
      const t = asStr(step.timestamp);
      node.detail =
        d !== undefined ? `wait ${d}${/^\d+$/.test(d) ? ' s' : ''}` : `until ${t ?? '?'}`;
      into.push(node);
      return [{ from: id }];
    }
    case 'succeed':
    case 'fail': {
      if (type === 'fail' && step.error !== undefined) node.detail = `error ${asStr(step.error)}`;
      into.push(node);
      connect(ctx, [{ from: id }], END_ID, 'end');
      return [];
    }
    case 'choice': {
      const group: GraphNode = { id: `${id}#group`, kind: 'group', label: '', stepName: name };
      const children: GraphNode[] = [node];
      group.children = children;
      into.push(group);
      const out: Exit[] = [];
      const branch = (b: Loose, path: string, label: string) => {
        const target = gotoTarget(b.goto);
        const hasSteps = asList(b.steps).length > 0;
        const exits = hasSteps
          ? buildList(b.steps, `${path}.steps`, children, ctx, [
              { from: id, label, kind: 'branch' },
            ])
          : [{ from: id, label, kind: 'branch' as const }];
        if (target) connect(ctx, exits, target, hasSteps ? 'goto' : 'branch');
        else out.push(...exits);
      };
      asList(step.choices).forEach((c, k) => {
        const choice = asObj(c);
        branch(choice, `${id}.choices[${k}]`, asStr(choice.condition) ?? `choice ${k + 1}`);
      });
      if (step.default !== undefined) branch(asObj(step.default), `${id}.default`, 'default');
      else out.push({ from: id, label: 'no match', kind: 'branch' });
      return out;
    }
    case 'parallel':
    case 'foreach': {
      const group: GraphNode = { id: `${id}#group`, kind: 'group', label: '', stepName: name };
      const join: GraphNode = { id: `${id}#join`, kind: 'join', label: '', stepName: name };
      const children: GraphNode[] = [node];
      group.children = children;
      into.push(group);
      if (type === 'parallel') {
        asList(step.branches).forEach((b, k) => {
          const path = `${id}.branches[${k}]`;
          const sub: GraphNode = {
            id: `${path}#group`,
            kind: 'group',
            label: `branch ${k + 1}`,
            children: [],
          };
          children.push(sub);
          const exits = buildList(asObj(b).steps, `${path}.steps`, sub.children!, ctx, [
            { from: id, kind: 'branch' },
          ]);
          connect(ctx, exits, join.id);
        });
      } else {
        const it = asObj(step.iterationMapping);
        node.detail = `each ${asStr(it.item) ?? 'item'} in ${asStr(it.collection) ?? '?'}`;
        const exits = buildList(step.steps, `${id}.steps`, children, ctx, [{ from: id }]);
        connect(ctx, exits, join.id);
      }
      children.push(join);
      return [{ from: join.id }];
    }
    default:
      into.push(node);
      return [{ from: id }];
  }
}

/** The small second line of a node: its type, then what it calls or waits for. */
export function nodeSubtitle(n: GraphNode): string | undefined {
  if (n.kind === 'start' || n.kind === 'end' || n.kind === 'join' || n.kind === 'group') {
    return undefined;
  }
  return n.detail ? `${n.kind} · ${n.detail}` : n.kind;
}

/** Builds the graph of a parsed flow definition: Start, every step, End. */
export function buildFlowGraph(definition: unknown): FlowGraph {
  const ctx: Ctx = { edges: [], seq: 0 };
  const nodes: GraphNode[] = [{ id: START_ID, kind: 'start', label: 'Start' }];
  const exits = buildList(asObj(definition).steps, 'steps', nodes, ctx, [{ from: START_ID }]);
  nodes.push({ id: END_ID, kind: 'end', label: 'End' });
  connect(ctx, exits, END_ID);
  return { nodes, edges: ctx.edges };
}

/**
 * The kind of every step the graph draws, by step name in document order (nested steps
 * included; a name used twice keeps its first place and its last kind).
 */
export function graphStepKinds(graph: FlowGraph): Map<string, GraphNodeKind> {
  const kinds = new Map<string, GraphNodeKind>();
  const walk = (nodes: GraphNode[]) => {
    for (const n of nodes) {
      if (n.stepName && n.kind !== 'group' && n.kind !== 'join') kinds.set(n.stepName, n.kind);
      if (n.children) walk(n.children);
    }
  };
  walk(graph.nodes);
  return kinds;
}
