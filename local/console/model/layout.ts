// Lays a FlowGraph out with ELK's layered algorithm and flattens the result to absolute
// coordinates, so the renderer only draws boxes and polylines.
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import { type FlowGraph, type GraphEdge, type GraphNode, nodeSubtitle } from './flow-graph';

/** A node with its absolute box. */
export interface PlacedNode {
  node: GraphNode;
  x: number;
  y: number;
  width: number;
  height: number;
  depth: number;
}

/** An edge with its absolute polyline and label position. */
export interface PlacedEdge {
  edge: GraphEdge;
  points: { x: number; y: number }[];
  label?: { text: string; x: number; y: number; width: number; height: number };
}

/** A laid-out graph. Groups come before their children, so drawing in order nests right. */
export interface GraphLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

const CHAR = 7.2;

function size(n: GraphNode): { width: number; height: number } {
  switch (n.kind) {
    case 'start':
    case 'end':
      return { width: 64, height: 28 };
    case 'join':
      return { width: 16, height: 16 };
    default: {
      const sub = nodeSubtitle(n);
      const text = Math.max(n.label.length * (CHAR + 0.6), (sub?.length ?? 0) * (CHAR - 1));
      return { width: Math.max(96, Math.ceil(text) + 28), height: sub ? 44 : 32 };
    }
  }
}

function toElk(n: GraphNode): ElkNode {
  if (n.children) {
    return {
      id: n.id,
      layoutOptions: {
        'elk.padding': n.label
          ? '[top=26,left=12,bottom=12,right=12]'
          : '[top=12,left=12,bottom=12,right=12]',
      },
      children: n.children.map(toElk),
    };
  }
  return { id: n.id, ...size(n) };
}

/**
 * What runs ELK: in the browser an elkjs API object backed by a Web Worker (the layout of
 * a big flow takes a second and must not freeze the page); in Node tests elk.bundled.
 */
export interface ElkLayouter {
  layout(graph: ElkNode): Promise<ElkNode>;
}

/** Runs the layout. Deterministic for the same graph. */
export async function layoutFlowGraph(graph: FlowGraph, elk: ElkLayouter): Promise<GraphLayout> {
  const edges: ElkExtendedEdge[] = graph.edges.map((e) => ({
    id: e.id,
    sources: [e.from],
    targets: [e.to],
    labels: e.label
      ? [{ text: e.label, width: Math.min(e.label.length, 40) * 6.4 + 8, height: 16 }]
      : [],
  }));
  const root: ElkNode = {
    id: '__root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '28',
      'elk.spacing.nodeNode': '24',
      'elk.spacing.edgeLabel': '4',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.padding': '[top=16,left=16,bottom=16,right=16]',
    },
    children: graph.nodes.map(toElk),
    edges,
  };
  const out = await elk.layout(root);

  const byId = new Map<string, GraphNode>();
  const index = (nodes: GraphNode[]) => {
    for (const n of nodes) {
      byId.set(n.id, n);
      if (n.children) index(n.children);
    }
  };
  index(graph.nodes);
  const offsets = new Map<string, { x: number; y: number }>([['__root', { x: 0, y: 0 }]]);
  const placed: PlacedNode[] = [];
  const walk = (nodes: ElkNode[] | undefined, ox: number, oy: number, depth: number) => {
    for (const n of nodes ?? []) {
      const x = ox + (n.x ?? 0);
      const y = oy + (n.y ?? 0);
      offsets.set(n.id, { x, y });
      const node = byId.get(n.id);
      if (node) placed.push({ node, x, y, width: n.width ?? 0, height: n.height ?? 0, depth });
      walk(n.children, x, y, depth + 1);
    }
  };
  walk(out.children, 0, 0, 0);

  const edgeById = new Map(graph.edges.map((e) => [e.id, e]));
  const placedEdges: PlacedEdge[] = [];
  for (const e of out.edges ?? []) {
    const edge = edgeById.get(e.id);
    if (!edge) continue;
    // ELK gives edge coordinates relative to the edge's container node.
    const o = offsets.get(e.container ?? '__root') ?? { x: 0, y: 0 };
    const points: { x: number; y: number }[] = [];
    for (const s of e.sections ?? []) {
      points.push({ x: o.x + s.startPoint.x, y: o.y + s.startPoint.y });
      for (const b of s.bendPoints ?? []) points.push({ x: o.x + b.x, y: o.y + b.y });
      points.push({ x: o.x + s.endPoint.x, y: o.y + s.endPoint.y });
    }
    const p: PlacedEdge = { edge, points };
    const l = e.labels?.[0];
    if (l && edge.label) {
      p.label = {
        text: edge.label,
        x: o.x + (l.x ?? 0),
        y: o.y + (l.y ?? 0),
        width: l.width ?? 0,
        height: l.height ?? 0,
      };
    }
    placedEdges.push(p);
  }
  return { width: out.width ?? 0, height: out.height ?? 0, nodes: placed, edges: placedEdges };
}
