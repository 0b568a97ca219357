import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { silentLogger } from '../../../local/log';
import { startLocalStack } from '../../../local/stack';
import { rejection } from './fnf-sdk';
import { useFlowStack } from './helpers';

// Pruning ended executions (engine.pruneEnded; queueflow local --retain-days).
const ctx = useFlowStack('retain-q');
const DAY = 86_400_000;

const quick = `version: v1
type: flow
steps:
  - type: pass
    name: only
`;
const gated = `version: v1
type: flow
steps:
  - type: task
    name: gate
    resourceArn: acs:mns:::/queues/retain-q/messages
    pattern: waitForCallback
    inputMappings:
      - target: token
        source: $context.task.token
`;

describe('pruning ended executions', () => {
  it('deletes executions that ended before the cutoff, with their history, and nothing else', async () => {
    const flow = await ctx.h.createFlow(quick);
    const waits = await ctx.h.createFlow(gated);
    const old = await ctx.h.run(flow, {}); // ends now
    const waiting = await ctx.h.start(waits, {}, 'old-wait'); // runs for days
    const { body } = await ctx.h.receive('retain-q');
    await ctx.clock.advance(2 * DAY);
    const recent = await ctx.h.run(flow, {}); // ends two days later
    const db = ctx.stack.store.db;
    const events = () =>
      (db.prepare('SELECT count(*) AS n FROM flow_events').get() as { n: number }).n;
    const before = events();

    expect(ctx.stack.engine.pruneEnded(ctx.clock.now() - DAY)).toBe(1);
    const listed = await ctx.fnf.call<{ Executions: Array<{ Name: string }> }>('ListExecutions', {
      FlowName: flow,
    });
    expect(listed.Executions.map((e) => e.Name)).toEqual([recent.Name]);
    expect(events()).toBeLessThan(before);
    const gone = await rejection(
      ctx.fnf.call('DescribeExecution', { FlowName: flow, ExecutionName: old.Name }),
    );
    expect(gone).toMatchObject({ code: 'ExecutionNotExists' });

    // A running execution is never pruned, however old: it still takes its report.
    await ctx.fnf.call('ReportTaskSucceeded', { TaskToken: String(body.token), Output: '{}' });
    expect((await ctx.h.finished(waits, waiting)).Status).toBe('Succeeded');
    // Nothing more is old enough; a second pass finds nothing.
    expect(ctx.stack.engine.pruneEnded(ctx.clock.now() - DAY)).toBe(0);
  });
});

describe('retainDays on a stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qf-retain-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prunes at start what ended more than retainDays ago', async () => {
    const t0 = Date.UTC(2026, 10, 1);
    const first = await startLocalStack({
      port: 0,
      dataDir,
      logger: silentLogger,
      clock: new VirtualClock(t0),
    });
    first.engine.createFlow({ Name: 'kept_flow', Definition: quick, Description: '' });
    for (const name of ['old', 'newest']) {
      first.engine.startExecution({ FlowName: 'kept_flow', ExecutionName: name, Input: '{}' });
      await first.engine.describeExecution({
        FlowName: 'kept_flow',
        ExecutionName: name,
        WaitTimeSeconds: '5',
      });
    }
    await first.stop();

    // Three days later, keeping two: gone before the stack is even handed back,
    // all but the newest row (its id must not be given out again: tokens name it).
    const second = await startLocalStack({
      port: 0,
      dataDir,
      logger: silentLogger,
      clock: new VirtualClock(t0 + 3 * DAY),
      retainDays: 2,
    });
    try {
      const left = second.engine.listExecutions({ FlowName: 'kept_flow' }).Executions as Array<{
        Name: string;
      }>;
      expect(left.map((e) => e.Name)).toEqual(['newest']);
    } finally {
      await second.stop();
    }
  });
});
