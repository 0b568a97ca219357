// Step behaviours at their edges: `end`, a wait until a future time, retry
// counted per policy, and a failed foreach iteration cancelling the others.
import { describe, expect, it } from 'vitest';
import { rejection } from './fnf-sdk';
import { callbackFlow, out, useFlowStack } from './helpers';

const Q = 'edges-q';
const ctx = useFlowStack(Q);

/** The parsed details of the history events of `type`. */
const details = (events: Array<{ Type: string; EventDetail: string }>, type: string) =>
  events.filter((e) => e.Type === type).map((e) => JSON.parse(e.EventDetail));

describe('end: true', () => {
  it('ends the top-level sequence: the steps after it do not run', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: pass
    name: a
    end: true
    outputMappings:
      - target: x
        source: 1
  - type: pass
    name: b
    outputMappings:
      - target: y
        source: 2
`);
    const exec = await ctx.h.start(flow);
    const d = await ctx.h.finished(flow, exec);
    expect(d.Status).toBe('Succeeded');
    expect(out(d)).toEqual({ x: 1 });
    const entered = (await ctx.h.history(flow, exec))
      .filter((e) => e.Type === 'StepEntered')
      .map((e) => e.StepName);
    expect(entered).toEqual(['a']);
  });

  it('ends only the choice branch it is in: the step after the choice still runs', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: choice
    name: pick
    choices:
      - condition: $.go == true
        steps:
          - type: pass
            name: first
            end: true
            outputMappings:
              - target: first
                source: true
          - type: pass
            name: skipped
            outputMappings:
              - target: skipped
                source: true
  - type: pass
    name: after
    outputMappings:
      - target: after
        source: true
`);
    const d = await ctx.h.run(flow, { go: true });
    expect(d.Status).toBe('Succeeded');
    expect(out(d)).toEqual({ first: true, after: true });
  });

  it('ends only the parallel branch it is in: the other branch and the step after run', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: parallel
    name: par
    branches:
      - steps:
          - type: pass
            name: first
            end: true
            outputMappings:
              - target: v
                source: first
          - type: pass
            name: skipped
            outputMappings:
              - target: v
                source: skipped
      - steps:
          - type: pass
            name: other
            outputMappings:
              - target: v
                source: other
    outputMappings:
      - target: vs
        source: $local[*].v
  - type: pass
    name: after
    outputMappings:
      - target: after
        source: true
`);
    const d = await ctx.h.run(flow);
    expect(d.Status).toBe('Succeeded');
    expect(out(d)).toEqual({ vs: ['first', 'other'], after: true });
  });
});

describe('a wait until a future timestamp', () => {
  it('is still running a moment before the timestamp and ends exactly at it', async () => {
    const t0 = ctx.clock.now();
    const at = new Date(t0 + 60_000).toISOString();
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: wait
    name: until
    timestamp: $.at
  - type: pass
    name: done
    outputMappings:
      - target: done
        source: true
`);
    const exec = await ctx.h.start(flow, { at });
    await ctx.h.settled();
    await ctx.clock.advance(59_999);
    expect((await ctx.h.describe(flow, exec)).Status).toBe('Running');
    await ctx.clock.advance(1);
    // No wall-clock wait: the jump has fired the wait and the execution has ended.
    const d = await ctx.h.describe(flow, exec);
    expect(d.Status).toBe('Succeeded');
    expect(out(d)).toEqual({ done: true });
    expect(Date.parse(d.StoppedTime ?? '')).toBe(t0 + 60_000);
  });
});

describe('task retry', () => {
  it('counts attempts per retry policy, not per step', async () => {
    const flow = await ctx.h.createFlow(
      callbackFlow(Q, {
        step: 'flaky',
        more: `    retry:
      - errors: [ErrA]
        maxAttempts: 2
        intervalSeconds: 1
      - errors: [ErrB]
        maxAttempts: 2
        intervalSeconds: 1
`,
      }),
    );
    const exec = await ctx.h.start(flow);
    // A, B, A: each policy has used at most 2 of its retries, so a 4th attempt comes.
    for (const error of ['ErrA', 'ErrB', 'ErrA']) {
      const m = await ctx.h.receive(Q);
      await ctx.fnf.call('ReportTaskFailed', { TaskToken: m.body.token, Error: error, Cause: '' });
      await ctx.h.settled();
      expect((await ctx.h.describe(flow, exec)).Status).toBe('Running');
      await ctx.clock.advance(10_000);
    }
    const fourth = await ctx.h.receive(Q);
    await ctx.fnf.call('ReportTaskSucceeded', {
      TaskToken: fourth.body.token,
      Output: '{"ok":true}',
    });
    const d = await ctx.h.finished(flow, exec);
    expect(d.Status).toBe('Succeeded');
    expect(out(d)).toEqual({ ok: true });
    const attempts = details(await ctx.h.history(flow, exec), 'TaskScheduled').map(
      (x) => x.attempt,
    );
    expect(attempts).toEqual([1, 2, 3, 4]);
  });
});

describe('foreach', () => {
  it('cancels the other iterations when one fails, leaving no timer and no live token', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.items
      item: item
      index: i
    steps:
      - type: task
        name: work
        resourceArn: acs:mns:::/queues/${Q}/messages
        pattern: waitForCallback
        timeoutSeconds: 3600
        inputMappings:
          - target: token
            source: $context.task.token
          - target: i
            source: $input.i
`);
    const exec = await ctx.h.start(flow, { items: ['a', 'b', 'c'] });
    const byIndex = new Map<number, string>();
    for (let n = 0; n < 3; n++) {
      const m = await ctx.h.receive(Q);
      byIndex.set(m.body.i as number, m.body.token as string);
    }
    // Each waiting iteration has its task's timeout armed.
    expect(ctx.h.timerKeys(flow, exec)).toHaveLength(3);
    await ctx.fnf.call('ReportTaskFailed', {
      TaskToken: byIndex.get(1),
      Error: 'ItemBroken',
      Cause: 'item 1',
    });
    const d = await ctx.h.finished(flow, exec);
    expect(d.Status).toBe('Failed');

    const exited = details(await ctx.h.history(flow, exec), 'IterationExited').sort(
      (a, b) => a.index - b.index,
    );
    expect(exited).toEqual([
      { index: 0, cancelled: true },
      { index: 1, failed: true },
      { index: 2, cancelled: true },
    ]);
    await ctx.h.settled();
    expect(ctx.h.timerKeys(flow, exec)).toEqual([]);
    for (const i of [0, 2]) {
      const err = await rejection(
        ctx.fnf.call('ReportTaskSucceeded', { TaskToken: byIndex.get(i), Output: '{}' }),
      );
      expect(err.code).toBe('TaskAlreadyCompleted');
    }
  });
});
