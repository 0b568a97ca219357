import ELK from 'elkjs/lib/elk.bundled.js';
import { describe, expect, it } from 'vitest';
import {
  buildFlowGraph,
  type GraphNode,
  graphStepKinds,
} from '../../../local/console/model/flow-graph';
import { layoutFlowGraph } from '../../../local/console/model/layout';

const everyStep = {
  version: 'v1',
  type: 'flow',
  steps: [
    { type: 'pass', name: 'Prepare' },
    {
      type: 'task',
      name: 'Extract',
      resourceArn: 'acs:mns:::/queues/queueflow-tasks/messages',
      pattern: 'waitForCallback',
      catch: [{ errors: ['FnF.ALL'], goto: 'Broken' }],
    },
    { type: 'wait', name: 'Pause', duration: 5 },
    {
      type: 'parallel',
      name: 'Fan',
      branches: [
        {
          steps: [
            {
              type: 'choice',
              name: 'Pick',
              choices: [
                {
                  condition: '$.n > 1',
                  steps: [
                    {
                      type: 'foreach',
                      name: 'Each',
                      iterationMapping: { collection: '$.items', item: 'it' },
                      steps: [{ type: 'pass', name: 'Inner' }],
                    },
                  ],
                },
              ],
              default: { steps: [{ type: 'pass', name: 'Other' }] },
            },
          ],
        },
        {
          steps: [
            { type: 'pass', name: 'Side', end: true },
            { type: 'pass', name: 'Skipped' },
          ],
        },
      ],
    },
    { type: 'succeed', name: 'Done' },
    { type: 'fail', name: 'Broken', error: 'Bad' },
  ],
};

function flatten(nodes: GraphNode[]): GraphNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children ?? [])]);
}

describe('buildFlowGraph', () => {
  it('draws every step type, nested choice, parallel and foreach included', () => {
    const g = buildFlowGraph(everyStep);
    const nodes = flatten(g.nodes);
    const kinds = new Set(nodes.map((n) => n.kind));
    for (const k of [
      'start',
      'end',
      'task',
      'pass',
      'wait',
      'parallel',
      'choice',
      'foreach',
      'succeed',
      'fail',
      'group',
      'join',
    ]) {
      expect(kinds, k).toContain(k);
    }
    const stepKinds = graphStepKinds(g);
    expect([...stepKinds.keys()]).toEqual([
      'Prepare',
      'Extract',
      'Pause',
      'Fan',
      'Pick',
      'Each',
      'Inner',
      'Other',
      'Side',
      'Skipped',
      'Done',
      'Broken',
    ]);
    // The step panel heads each step with its kind.
    expect(stepKinds.get('Extract')).toBe('task');
    expect(stepKinds.get('Fan')).toBe('parallel');
    expect(stepKinds.get('Pick')).toBe('choice');
    expect(stepKinds.get('Inner')).toBe('pass');
    expect(stepKinds.get('Broken')).toBe('fail');
    // The foreach sits inside the choice group, which sits inside a parallel branch group.
    const fan = g.nodes.find((n) => n.id === 'steps[3]#group');
    const branch = fan?.children?.find((n) => n.id === 'steps[3].branches[0]#group');
    const pick = branch?.children?.find((n) => n.id === 'steps[3].branches[0].steps[0]#group');
    expect(
      pick?.children?.some(
        (n) => n.id === 'steps[3].branches[0].steps[0].choices[0].steps[0]#group',
      ),
    ).toBe(true);
  });

  it('draws catch, goto, condition and end edges, and no edge after an end step', () => {
    const g = buildFlowGraph(everyStep);
    const edge = (from: string, to: string) => g.edges.find((e) => e.from === from && e.to === to);
    expect(edge('start', 'steps[0]')).toBeDefined();
    expect(edge('steps[1]', 'steps[5]')?.kind).toBe('catch');
    expect(edge('steps[1]', 'steps[5]')?.label).toBe('catch FnF.ALL');
    expect(
      edge('steps[3].branches[0].steps[0]', 'steps[3].branches[0].steps[0].choices[0].steps[0]')
        ?.label,
    ).toBe('$.n > 1');
    expect(edge('steps[4]', 'end')?.kind).toBe('end');
    expect(edge('steps[5]', 'end')?.kind).toBe('end');
    expect(edge('steps[3].branches[1].steps[0]', 'steps[3]#join')).toBeDefined();
    expect(g.edges.some((e) => e.to === 'steps[3].branches[1].steps[1]')).toBe(false);
    // The fail step is reached only by the catch, not by falling through from succeed.
    expect(g.edges.filter((e) => e.to === 'steps[5]').map((e) => e.kind)).toEqual(['catch']);
  });

  it('says what each task calls on its node', () => {
    const task = (name: string, resourceArn: string, pattern?: string) => ({
      type: 'task',
      name,
      resourceArn,
      ...(pattern ? { pattern } : {}),
    });
    const g = buildFlowGraph({
      steps: [
        task('Q', 'acs:mns:::/queues/queueflow-tasks/messages', 'waitForCallback'),
        task('F', 'acs:fc:cn-hangzhou:1:services/svc.LATEST/functions/start-flow'),
        task('C', 'acs:fnf:::flow/child', 'sync'),
        task('T', 'acs:mns:::/topics/news/messages'),
        { type: 'task', name: 'A', action: 'fnf:StartExecution' },
      ],
    });
    expect(g.nodes.filter((n) => n.kind === 'task').map((n) => n.detail)).toEqual([
      'queue queueflow-tasks · waitForCallback',
      'fc start-flow',
      'flow child · sync',
      'acs:mns:::/topics/news/messages',
      'fnf:StartExecution',
    ]);
  });

  it('still draws a half-written definition', () => {
    const g = buildFlowGraph({
      steps: [{ name: 'NoType' }, 'junk', { type: 'choice', name: 'C' }],
    });
    expect(flatten(g.nodes).map((n) => n.kind)).toContain('unknown');
    expect(buildFlowGraph(undefined).edges).toEqual([
      { id: 'e0', from: 'start', to: 'end', kind: 'next' },
    ]);
  });
});

describe('layoutFlowGraph', () => {
  it('places every node, keeps children inside their groups and routes every edge', async () => {
    const g = buildFlowGraph(everyStep);
    const layout = await layoutFlowGraph(g, new ELK());
    const all = flatten(g.nodes);
    expect(layout.nodes).toHaveLength(all.length);
    const box = new Map(layout.nodes.map((p) => [p.node.id, p]));
    for (const n of all) {
      for (const c of n.children ?? []) {
        const outer = box.get(n.id)!;
        const inner = box.get(c.id)!;
        expect(inner.x).toBeGreaterThanOrEqual(outer.x);
        expect(inner.y).toBeGreaterThanOrEqual(outer.y);
        expect(inner.x + inner.width).toBeLessThanOrEqual(outer.x + outer.width + 0.5);
        expect(inner.y + inner.height).toBeLessThanOrEqual(outer.y + outer.height + 0.5);
      }
    }
    expect(layout.edges).toHaveLength(g.edges.length);
    for (const e of layout.edges) {
      expect(e.points.length).toBeGreaterThanOrEqual(2);
      // Each edge starts on its source box's border, in absolute coordinates.
      const from = box.get(e.edge.from)!;
      const p = e.points[0]!;
      expect(p.x).toBeGreaterThanOrEqual(from.x - 1);
      expect(p.x).toBeLessThanOrEqual(from.x + from.width + 1);
      expect(p.y).toBeGreaterThanOrEqual(from.y - 1);
      expect(p.y).toBeLessThanOrEqual(from.y + from.height + 1);
    }
    const start = box.get('start')!;
    const end = box.get('end')!;
    expect(end.y).toBeGreaterThan(start.y);
  });
});
