import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { createSdkClient as createMnsSdk } from '../../support/mns-sdk';
import { shiftedSystemClock } from '../../support/shifted-clock';
import { createFnfSdk, rejection } from './fnf-sdk';
import { flowHelpers } from './helpers';

const dirs: string[] = [];
const stacks: LocalStack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function open(options: Parameters<typeof startLocalStack>[0] = {}) {
  const stack = await startLocalStack({ port: 0, logger: silentLogger, ...options });
  stacks.push(stack);
  const fnf = createFnfSdk(stack);
  const mns = createMnsSdk(stack);
  return { stack, fnf, mns, h: flowHelpers(fnf, mns, stack) };
}

const WAIT_THEN_CALLBACK = `version: v1
type: flow
steps:
  - type: wait
    name: nap
    duration: 3600
  - type: task
    name: ask
    resourceArn: acs:mns:::/queues/durable-q/messages
    pattern: waitForCallback
    inputMappings:
      - target: token
        source: $context.task.token
`;

describe('durability and the API edges', () => {
  it('continues a waiting execution after a restart on the same data folder (timers are rows)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'qf-durable-'));
    dirs.push(dataDir);
    const start = Date.UTC(2026, 10, 28, 12);
    const a = await open({ dataDir, clock: new VirtualClock(start) });
    await a.mns.createQueue('durable-q');
    const flow = await a.h.createFlow(WAIT_THEN_CALLBACK, 'durable_flow');
    const exec = await a.h.start(flow, {}, 'survivor');
    await a.stack.stop();

    const clock = new VirtualClock(start);
    const b = await open({ dataDir, clock });
    await clock.advance(3_600_000);
    const m = await b.h.receive('durable-q');
    await b.fnf.call('ReportTaskSucceeded', {
      TaskToken: m.body.token,
      Output: '{"after":"restart"}',
    });
    const d = await b.h.finished(flow, exec);
    expect(d.Status).toBe('Succeeded');
    expect(JSON.parse(d.Output ?? '{}')).toEqual({ after: 'restart' });
  });

  it('fires the timers that fell due while it was down in due order, on the wall clock too', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'qf-overdue-'));
    dirs.push(dataDir);
    const a = await open({ dataDir });
    const flow = await a.h.createFlow(
      `version: v1
type: flow
timeoutSeconds: 3
steps:
  - type: wait
    name: nap
    duration: 1
  - type: pass
    name: done
`,
      'overdue_flow',
    );
    const exec = await a.h.start(flow);
    await a.stack.stop();
    // Restarted 3.5 s later (the wall clock shifted rather than waited for): the
    // wait was due at 1 s, the flow's timeout at 3 s. The wait fires first, as it
    // would have, and the flow ends before its timeout.
    const later = shiftedSystemClock(3_500);
    const b = await open({ dataDir, clock: later });
    expect((await b.h.finished(flow, exec)).Status).toBe('Succeeded');
  });

  it('resumes foreach iterations and parallel branches after a restart, and keeps their input once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'qf-fanout-'));
    dirs.push(dataDir);
    const branch = (name: string) => `
          - steps:
              - type: task
                name: ${name}
                resourceArn: acs:mns:::/queues/fan-q/messages
                pattern: waitForCallback
                inputMappings:
                  - target: token
                    source: $context.task.token
                  - target: id
                    source: $input.order.id`;
    const definition = `version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.orders
      item: order
      index: i
    steps:
      - type: parallel
        name: both
        branches:${branch('left')}${branch('right')}
      - type: pass
        name: tag
        outputMappings:
          - target: tag
            source: $input.order.id
          - target: at
            source: $input.i
    outputMappings:
      - target: tags
        source: $local
`;
    const orders = Array.from({ length: 20 }, (_, i) => ({ id: `o-${i}`, note: 'n'.repeat(1000) }));
    const a = await open({ dataDir });
    await a.mns.createQueue('fan-q');
    const flow = await a.h.createFlow(definition, 'fanout_flow');
    const exec = await a.h.start(flow, { orders }, 'fanned');
    const tasks: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 40; i++) tasks.push((await a.h.receive('fan-q')).body);
    expect(new Set(tasks.map((t) => t.id)).size).toBe(20);
    const report = (fnf: typeof a.fnf, t: Record<string, unknown>) =>
      fnf.call('ReportTaskSucceeded', { TaskToken: t.token, Output: '{}' });
    for (const t of tasks.slice(0, 25)) await report(a.fnf, t);
    // Each of the 20 running iterations (and each branch) used to keep its own
    // copy of the step's 20 KB input: 1.2 MB saved on every report.
    const saved = a.stack.store.db
      .prepare('SELECT length(state) AS bytes FROM flow_states')
      .get() as { bytes: number };
    expect(saved.bytes).toBeLessThan(100_000);
    await a.stack.stop();

    const b = await open({ dataDir });
    for (const t of tasks.slice(25)) await report(b.fnf, t);
    const d = await b.h.finished(flow, exec);
    expect(d.Status).toBe('Succeeded');
    const { tags } = JSON.parse(d.Output ?? '{}') as { tags: Array<{ tag: string; at: number }> };
    expect(tags.map((t) => [t.tag, t.at])).toEqual(orders.map((o, i) => [o.id, i]));
  });

  it('wakes a DescribeExecution long poll when the execution ends, not when the time is up', async () => {
    const { stack, fnf, mns, h } = await open({ memory: true });
    await mns.createQueue('durable-q');
    const flow = await h.createFlow(WAIT_THEN_CALLBACK.replace('duration: 3600', 'duration: 0'));
    const exec = await h.start(flow);
    const m = await h.receive('durable-q');
    const t0 = Date.now();
    const waiting = fnf.call<{ Status: string }>('DescribeExecution', {
      FlowName: flow,
      ExecutionName: exec,
      WaitTimeSeconds: 20,
    });
    setTimeout(
      () => void fnf.call('ReportTaskSucceeded', { TaskToken: m.body.token, Output: '{}' }),
      50,
    );
    expect((await waiting).Status).toBe('Succeeded');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(
      stack.engine.getStepStates({ FlowName: flow, ExecutionName: exec }).map((s) => s.status),
    ).toEqual(['succeeded', 'succeeded']);
  });

  it('enforces the cloud limits by default and relaxes them on request', async () => {
    const strict = await open({ memory: true });
    const big = JSON.stringify({ blob: 'x'.repeat(40 * 1024) });
    const flow = await strict.h.createFlow(
      'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n',
    );
    const err = await rejection(strict.fnf.call('StartExecution', { FlowName: flow, Input: big }));
    expect(err.code).toBe('InvalidArgument');
    const badName = await rejection(
      strict.fnf.call('CreateFlow', {
        Name: '9 lives',
        Definition: 'x',
        Description: '',
        Type: 'FDL',
      }),
    );
    expect(badName.code).toBe('InvalidArgument');

    const loop = await strict.h.createFlow(`version: v1
type: flow
steps:
  - type: pass
    name: again
  - type: choice
    name: forever
    choices:
      - condition: $.go == true
        goto: again
`);
    const exec = await strict.h.start(loop, { go: true });
    const d = await strict.h.finished(loop, exec);
    expect(d.Status).toBe('Failed');
    const last = (await strict.h.history(loop, exec)).at(-1);
    expect(last?.EventId).toBeGreaterThan(5000);
    expect(JSON.parse(last?.EventDetail ?? '{}').error).toBe('FnF.HistoryLimitExceeded');

    // A step whose input + output passes 32 KiB fails, with its own StepFailed event.
    const doublerDefinition = `version: v1
type: flow
steps:
  - type: pass
    name: double
    outputMappings:
      - target: a
        source: $input.blob
      - target: b
        source: $input.blob
`;
    const doubler = await strict.h.createFlow(doublerDefinition);
    const blob = { blob: 'x'.repeat(12 * 1024) };
    const doubled = await strict.h.start(doubler, blob);
    const failed = await strict.h.finished(doubler, doubled);
    expect(failed.Status).toBe('Failed');
    const events = await strict.h.history(doubler, doubled);
    expect(events.map((e) => [e.Type, e.StepName ?? ''])).toEqual([
      ['ExecutionStarted', ''],
      ['StepEntered', 'double'],
      ['StepFailed', 'double'],
      ['ExecutionFailed', ''],
    ]);
    expect(JSON.parse(events[2]?.EventDetail ?? '{}')).toMatchObject({
      error: 'FnF.DataTooLarge',
      cause: expect.stringMatching(
        /step double: input \+ local \+ output is \d+ bytes; the limit is 32768/,
      ),
    });

    const relaxed = await open({ memory: true, relaxLimits: true });
    const flow2 = await relaxed.h.createFlow(
      'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n',
    );
    const exec2 = await relaxed.h.start(flow2, JSON.parse(big));
    expect((await relaxed.h.finished(flow2, exec2)).Status).toBe('Succeeded');
    const doubler2 = await relaxed.h.createFlow(doublerDefinition);
    const doubled2 = await relaxed.h.start(doubler2, blob);
    expect((await relaxed.h.finished(doubler2, doubled2)).Status).toBe('Succeeded');
  });

  it('checks a definition against the relaxed limits on a relaxed stack', async () => {
    const longWait =
      'version: v1\ntype: flow\nsteps:\n  - type: wait\n    name: w\n    duration: 172801\n';
    const branch = (i: number) =>
      `      - steps:\n          - type: pass\n            name: b${i}\n`;
    const wide = `version: v1\ntype: flow\nsteps:\n  - type: parallel\n    name: wide\n    branches:\n${Array.from({ length: 101 }, (_, i) => branch(i)).join('')}`;
    const strict = await open({ memory: true });
    for (const definition of [longWait, wide]) {
      expect((await rejection(strict.h.createFlow(definition))).code).toBe('InvalidArgument');
    }
    const relaxed = await open({ memory: true, relaxLimits: true });
    const waiting = await relaxed.h.start(await relaxed.h.createFlow(longWait, 'long_wait'));
    expect((await relaxed.h.describe('long_wait', waiting)).Status).toBe('Running');
    expect((await relaxed.h.run(await relaxed.h.createFlow(wide))).Status).toBe('Succeeded');
  });
});
