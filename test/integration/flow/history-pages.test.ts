import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../local/flow/types';
import { useFlowStack } from './helpers';

// GetExecutionHistory pages end at Limit events, or earlier past 1 MiB of
// event detail (a local choice: no page holds the stack for long); NextToken
// goes on from there either way, and the pages together are the whole history.
const ctx = useFlowStack('pages-q');

const passes = (n: number) =>
  `version: v1
type: flow
steps:
${Array.from({ length: n }, (_, i) => `  - type: pass\n    name: p${i}\n`).join('')}`;

describe('GetExecutionHistory pages', () => {
  it('ends a page past 1 MiB of detail and goes on from there with NextToken', async () => {
    const flow = await ctx.h.createFlow(passes(60));
    // Every StepEntered carries the step's input: 60 x ~30 KB, about 1.8 MB in all.
    const exec = await ctx.h.start(flow, { blob: 'x'.repeat(30_000) });
    await ctx.h.finished(flow, exec);
    const first = await ctx.fnf.call<{ Events: HistoryEvent[]; NextToken?: string }>(
      'GetExecutionHistory',
      { FlowName: flow, ExecutionName: exec, Limit: 1000 },
    );
    const all = await ctx.h.history(flow, exec);
    expect(all.length).toBeGreaterThan(120);
    expect(first.Events.length).toBeLessThan(all.length);
    const bytes = first.Events.reduce((n, e) => n + e.EventDetail.length, 0);
    expect(bytes).toBeGreaterThanOrEqual(1024 * 1024);
    expect(bytes).toBeLessThan(1024 * 1024 + 40_000);
    expect(first.NextToken).toBe(String(first.Events.length + 1));
    // Whole and in order: event ids 1..n with no gap or repeat across pages.
    expect(all.map((e) => e.EventId)).toEqual(all.map((_, i) => i + 1));
    expect(all.at(-1)?.Type).toBe('ExecutionSucceeded');
  });

  it('ends a small page at Limit, as before', async () => {
    const flow = await ctx.h.createFlow(passes(1));
    const exec = await ctx.h.start(flow, { blob: 'y'.repeat(30_000) });
    await ctx.h.finished(flow, exec);
    const page = await ctx.fnf.call<{ Events: HistoryEvent[]; NextToken?: string }>(
      'GetExecutionHistory',
      { FlowName: flow, ExecutionName: exec, Limit: 2 },
    );
    expect(page.Events.map((e) => e.EventId)).toEqual([1, 2]);
    expect(page.NextToken).toBe('3');
  });

  it("serves the console's whole history page by page (chunked), every event once", async () => {
    const flow = await ctx.h.createFlow(passes(60));
    const exec = await ctx.h.start(flow, { blob: 'z'.repeat(30_000) });
    await ctx.h.finished(flow, exec);
    const res = await fetch(
      `${ctx.stack.endpoint}/console/api/flows/${flow}/executions/${exec}/history`,
    );
    expect(res.status).toBe(200);
    // Written as the pages are read, not built whole first.
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const body = (await res.json()) as { Events: HistoryEvent[] };
    // The console leaves out an execution-level event's empty StepName.
    const view = (e: HistoryEvent) => [e.EventId, e.Type, e.StepName || undefined, e.EventDetail];
    expect(body.Events.map(view)).toEqual((await ctx.h.history(flow, exec)).map(view));
    const missing = await fetch(
      `${ctx.stack.endpoint}/console/api/flows/${flow}/executions/nope/history`,
    );
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ Code: 'ExecutionNotExists' });
  });
});
