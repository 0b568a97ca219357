// The per-step read models (the engine's getStepStates and the console's) over
// real histories: attempts belong to their own foreach iteration, and steps cut
// off by a failed sibling or by the end of the execution are not left running.
import { describe, expect, it } from 'vitest';
import { deriveStepStates as consoleView } from '../../../local/console/model/step-states';
import { useFlowStack } from './helpers';

const ctx = useFlowStack('states-q');

const task = (name: string, indent: string, retry = '') =>
  [
    `${indent}- type: task`,
    `${indent}  name: ${name}`,
    `${indent}  resourceArn: acs:mns:::/queues/states-q/messages`,
    `${indent}  pattern: waitForCallback`,
    `${indent}  inputMappings:`,
    `${indent}    - target: token`,
    `${indent}      source: $context.task.token`,
    `${indent}    - target: item`,
    `${indent}      source: $input.item`,
    ...(retry ? [`${indent}  retry:`, `${indent}    - errors: [${retry}]`] : []),
    `${indent}  serviceParams:`,
    `${indent}    MessageBody: $`,
  ].join('\n');

/** The engine's and the console's view of one execution. */
async function views(flow: string, exec: string) {
  const engine = ctx.stack.engine.getStepStates({ FlowName: flow, ExecutionName: exec });
  return { engine, console: consoleView(await ctx.h.history(flow, exec)) };
}

describe('per-step state', () => {
  it('counts each foreach iteration its own attempts, whichever reports first', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.items
      item: item
    steps:
${task('work', '      ', 'Flaky')}
`);
    const exec = await ctx.h.start(flow, { items: [0, 1] });
    const byItem = async () => {
      const got = [await ctx.h.receive('states-q'), await ctx.h.receive('states-q')];
      return new Map(got.map((m) => [m.body.item as number, m.body.token as string]));
    };
    const first = await byItem();
    // Item 1 fails first, then item 0: each is retried once.
    for (const item of [1, 0]) {
      await ctx.fnf.call('ReportTaskFailed', { TaskToken: first.get(item), Error: 'Flaky' });
    }
    await ctx.clock.advance(1000);
    const second = await byItem();
    for (const item of [0, 1]) {
      await ctx.fnf.call('ReportTaskSucceeded', { TaskToken: second.get(item), Output: '{}' });
    }
    expect((await ctx.h.finished(flow, exec)).Status).toBe('Succeeded');
    const { engine, console } = await views(flow, exec);
    expect(engine.filter((s) => s.name === 'work').map((s) => s.attempts)).toEqual([2, 2]);
    const runs = console.steps.work?.runs ?? [];
    expect(runs.map((r) => r.attempts.map((a) => a.outcome))).toEqual([
      ['failed', 'succeeded'],
      ['failed', 'succeeded'],
    ]);
    // Each attempt is one of its own iteration's (its item is in the input).
    for (const run of runs) {
      const items = run.attempts.map((a) => (a.input as { item: number }).item);
      expect(new Set(items).size).toBe(1);
    }
  });

  it('cancels the steps of the branches a failed sibling cut off, and what a stop cut off', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: parallel
    name: both
    branches:
      - steps:
${task('slow', '          ')}
      - steps:
          - type: fail
            name: boom
            error: Boom
`);
    const exec = await ctx.h.run(flow);
    expect(exec.Status).toBe('Failed');
    await ctx.h.receive('states-q'); // the cancelled task's message
    const { engine, console } = await views(flow, exec.Name);
    expect(engine.map((s) => [s.name, s.status])).toEqual([
      ['both', 'failed'],
      ['slow', 'cancelled'],
      ['boom', 'failed'],
    ]);
    expect(engine.every((s) => s.exitedTime !== undefined)).toBe(true);
    expect(console.steps.slow?.runs[0]).toMatchObject({ closed: true, failed: true });
    expect(console.steps.slow?.runs[0]?.attempts[0]?.outcome).toBe('cancelled');
    // Every BranchEntered has its BranchExited: the failed branch's says so.
    const exits = (await ctx.h.history(flow, exec.Name))
      .filter((e) => e.Type === 'BranchExited')
      .map((e) => JSON.parse(e.EventDetail));
    expect(exits).toEqual([
      { index: 1, failed: true },
      { index: 0, cancelled: true },
    ]);

    const waiting = await ctx.h.createFlow(`version: v1
type: flow
steps:
${task('held', '  ')}
`);
    const stopped = await ctx.h.start(waiting);
    await ctx.h.receive('states-q');
    await ctx.fnf.call('StopExecution', { FlowName: waiting, ExecutionName: stopped });
    const after = await views(waiting, stopped);
    expect(after.engine.map((s) => [s.name, s.status])).toEqual([['held', 'cancelled']]);
  });
});
