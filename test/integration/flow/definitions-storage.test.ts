import { describe, expect, it } from 'vitest';
import { callbackFlow, useFlowStack } from './helpers';

// An execution runs the definition its flow had when it started; the text is
// kept once per distinct definition (flow_definitions), not in every execution's row.
const ctx = useFlowStack('defs-q');

const gated = (label: string) =>
  callbackFlow('defs-q', { more: `  - type: pass\n    name: ${label}\n` });

interface ExecutionView {
  Name: string;
  Status: string;
  FlowDefinition?: string;
}

describe('definitions kept once', () => {
  it('stores a definition once for all its executions, and each execution keeps its own', async () => {
    const flow = await ctx.h.createFlow(gated('first'));
    for (const name of ['a1', 'a2', 'a3']) await ctx.h.start(flow, {}, name);
    const db = ctx.stack.store.db;
    const rows = db
      .prepare(
        `SELECT e.name, length(e.definition) AS inline, e.definition_id AS def
         FROM flow_executions e WHERE e.flow_name = ? ORDER BY e.id`,
      )
      .all(flow) as Array<{ name: string; inline: number; def: number }>;
    expect(rows.map((r) => r.inline)).toEqual([0, 0, 0]);
    expect(new Set(rows.map((r) => r.def)).size).toBe(1);

    // A new version of the flow: new executions run it, running ones keep theirs.
    await ctx.fnf.call('UpdateFlow', { Name: flow, Definition: gated('second') });
    await ctx.h.start(flow, {}, 'b1');
    const count = db.prepare('SELECT count(*) AS n FROM flow_definitions').get() as { n: number };
    const old = await ctx.fnf.call<ExecutionView>('DescribeExecution', {
      FlowName: flow,
      ExecutionName: 'a1',
    });
    expect(old.FlowDefinition).toBe(gated('first'));
    const listed = await ctx.fnf.call<{ Executions: ExecutionView[] }>('ListExecutions', {
      FlowName: flow,
    });
    expect(listed.Executions.map((e) => [e.Name, e.FlowDefinition?.includes('second')])).toEqual([
      ['b1', true],
      ['a3', false],
      ['a2', false],
      ['a1', false],
    ]);
    // Every execution finishes the steps of its own version.
    for (let i = 0; i < 4; i++) {
      const { body } = await ctx.h.receive('defs-q');
      await ctx.fnf.call('ReportTaskSucceeded', { TaskToken: String(body.token), Output: '{}' });
    }
    for (const [name, last] of [
      ['a1', 'first'],
      ['b1', 'second'],
    ] as const) {
      await ctx.h.finished(flow, name);
      const steps = (await ctx.h.history(flow, name)).map((e) => e.StepName).filter(Boolean);
      expect(steps.at(-1)).toBe(last);
    }
    // Starting more of either version adds no definition row.
    await ctx.h.start(flow, {}, 'b2');
    expect(db.prepare('SELECT count(*) AS n FROM flow_definitions').get()).toEqual(count);
  });
});
