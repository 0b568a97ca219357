import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { silentLogger } from '../../../local/log';
import { startLocalStack } from '../../../local/stack';
import { rejection } from './fnf-sdk';
import { callbackFlow, useFlowStack } from './helpers';

// Pruning ended executions (engine.pruneEnded; queueflow local --retain-days).
const ctx = useFlowStack('retain-q');
const DAY = 86_400_000;
/** One pruning call for what ended over a day ago (the stack clock). */
const prune = (maxEvents?: number) =>
  ctx.stack.engine.pruneEnded(ctx.clock.now() - DAY, 500, maxEvents);
/**
 * Adds `count` history rows to an execution (as a relaxed stack's history can
 * grow, far past one pruning call's budget); returns its row id.
 */
function lengthenHistory(flow: string, name: string, count: number): number {
  const db = ctx.stack.store.db;
  const { id } = db
    .prepare('SELECT id FROM flow_executions WHERE flow_name = ? AND name = ?')
    .get(flow, name) as { id: number };
  const add = db.prepare(
    `INSERT INTO flow_events (exec_id, event_id, schedule_event_id, type, step_name, time_ms, detail)
     VALUES (?, ?, 0, 'PassStateEntered', 'x', 0, '{}')`,
  );
  for (let e = 100; e < 100 + count; e++) add.run(id, e);
  return id;
}

/** Pruning calls until one finds nothing; each call's counts. */
function pruneAll(maxEvents?: number) {
  const calls: Array<{ executions: number; historyRows: number }> = [];
  for (;;) {
    const c = prune(maxEvents);
    if (c.executions === 0 && c.historyRows === 0) return calls;
    calls.push(c);
  }
}

const quick = `version: v1
type: flow
steps:
  - type: pass
    name: only
`;
const gated = callbackFlow('retain-q');

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

    expect(prune().executions).toBe(1);
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
    expect(prune()).toEqual({ executions: 0, historyRows: 0 });
  });
});

/** A flow with `old` executions ended two days before `recent` ones, and its ListExecutions by 2. */
async function pagedFlow(old: string[], recent: string[]) {
  const flow = await ctx.h.createFlow(quick);
  const run = async (name: string) => ctx.h.finished(flow, await ctx.h.start(flow, {}, name));
  for (const name of old) await run(name);
  await ctx.clock.advance(2 * DAY);
  for (const name of recent) await run(name);
  const page = (next?: string) =>
    ctx.fnf.call<{ Executions: Array<{ Name: string }>; NextToken?: string }>('ListExecutions', {
      FlowName: flow,
      Limit: 2,
      ...(next ? { NextToken: next } : {}),
    });
  return { run, page };
}

describe('pruning, continued', () => {
  it('keeps a NextToken working after the execution it names is pruned', async () => {
    const { page } = await pagedFlow(['p1', 'p2', 'p3'], ['p4', 'p5']);
    const first = await page();
    expect(first.NextToken).toBe('p3');
    expect(prune().executions).toBeGreaterThanOrEqual(3); // p1..p3
    const second = await page(first.NextToken);
    expect(second.Executions.map((e) => e.Name)).toEqual([]);
    expect(second.NextToken).toBeUndefined();
  });

  it("pages on from a live execution of the token's name, as a fresh stack does", async () => {
    const { run, page } = await pagedFlow(['q1', 'q2'], ['q3', 'q4']);
    const first = await page();
    expect(first.NextToken).toBe('q2');
    pruneAll();
    await run('q2'); // the name again, now the newest execution
    const second = await page(first.NextToken);
    expect(second.Executions.map((e) => e.Name)).toEqual(['q2', 'q4']);
  });

  it('deletes a history longer than a whole call over several calls, its execution at once', async () => {
    const flow = await ctx.h.createFlow(quick);
    const long = await ctx.h.run(flow, {});
    await ctx.clock.advance(2 * DAY);
    await ctx.h.run(flow, {}); // the newest: kept
    const db = ctx.stack.store.db;
    const id = lengthenHistory(flow, long.Name, 50);
    const rows = () =>
      (
        db.prepare('SELECT count(*) AS n FROM flow_events WHERE exec_id = ?').get(id) as {
          n: number;
        }
      ).n;
    const exists = () =>
      db.prepare('SELECT 1 FROM flow_executions WHERE id = ?').get(id) !== undefined;
    expect(rows()).toBeGreaterThan(50);
    // Older executions of this file's other tests go first; then this one:
    // gone from the API in the call that reaches it, its rows 20 a call.
    let seenGone = false;
    for (;;) {
      const before = rows();
      const c = prune(20);
      if (c.executions === 0 && c.historyRows === 0) break;
      expect(c.historyRows).toBeLessThanOrEqual(20);
      if (!exists() && rows() > 0) seenGone = true;
      expect(before - rows()).toBeLessThanOrEqual(20);
    }
    expect(seenGone).toBe(true);
    expect(rows()).toBe(0);
    const gone = await rejection(
      ctx.fnf.call('DescribeExecution', { FlowName: flow, ExecutionName: long.Name }),
    );
    expect(gone).toMatchObject({ code: 'ExecutionNotExists' });
  });

  it('deletes a history whole with its execution, or leaves it for the next call', async () => {
    await ctx.clock.advance(2 * DAY);
    pruneAll(); // what the file's other tests left
    const flow = await ctx.h.createFlow(quick);
    for (let i = 0; i < 3; i++) await ctx.h.run(flow, {});
    await ctx.clock.advance(2 * DAY);
    await ctx.h.run(flow, {}); // the newest: kept
    const db = ctx.stack.store.db;
    const names = () =>
      (ctx.stack.engine.listExecutions({ FlowName: flow }).Executions as unknown[]).length;
    expect(names()).toBe(4);
    // Executions still listed whose history lost its first events: never.
    const partial = () =>
      db
        .prepare(
          `SELECT e.name FROM flow_executions e JOIN
             (SELECT exec_id, count(*) AS n, max(event_id) AS hi FROM flow_events GROUP BY exec_id) h
           ON h.exec_id = e.id WHERE h.n != h.hi`,
        )
        .all();
    // A budget of a history and a half: a call fits one whole history, and the
    // next execution's does not fit what is left.
    const perExecution = (
      db.prepare('SELECT max(event_id) AS n FROM flow_events').get() as { n: number }
    ).n;
    for (;;) {
      const c = prune(Math.floor(perExecution * 1.5));
      expect(partial()).toEqual([]);
      if (c.executions === 0 && c.historyRows === 0) break;
      expect(c.executions).toBe(1);
    }
    expect(names()).toBe(1);
  });

  it('deletes a definition once no execution points at it', async () => {
    const flow = await ctx.h.createFlow(quick);
    const db = ctx.stack.store.db;
    const definitions = () =>
      (
        db.prepare('SELECT definition FROM flow_definitions').all() as Array<{ definition: string }>
      ).map((r) => r.definition);
    const version = (n: number) => `${quick}    comment: v${n}\n`;
    for (const n of [1, 2]) {
      await ctx.fnf.call('UpdateFlow', { Name: flow, Definition: version(n) });
      await ctx.h.run(flow, {});
    }
    await ctx.clock.advance(2 * DAY);
    await ctx.fnf.call('UpdateFlow', { Name: flow, Definition: version(3) });
    await ctx.h.run(flow, {}); // on v3, newest: kept
    pruneAll();
    const left = definitions();
    expect(left.some((d) => d.includes('comment: v1'))).toBe(false);
    expect(left.some((d) => d.includes('comment: v2'))).toBe(false);
    expect(left.some((d) => d.includes('comment: v3'))).toBe(true);
  });
});

describe('pruning, a call that ends on a long history', () => {
  it('still deletes the definitions of the executions it deleted before it', async () => {
    const flow = await ctx.h.createFlow(quick);
    const db = ctx.stack.store.db;
    const version = (n: string) => `${quick}    comment: ${n}\n`;
    await ctx.fnf.call('UpdateFlow', { Name: flow, Definition: version('short-lived') });
    await ctx.h.run(flow, {});
    await ctx.fnf.call('UpdateFlow', { Name: flow, Definition: version('long-history') });
    const long = await ctx.h.run(flow, {});
    const id = lengthenHistory(flow, long.Name, 100);
    await ctx.clock.advance(2 * DAY);
    await ctx.fnf.call('UpdateFlow', { Name: flow, Definition: version('newest') });
    await ctx.h.run(flow, {}); // the newest: kept
    // Older executions of this file's other tests go first; then, in one call,
    // the short-lived one and the start of the long history.
    const hasDefinition = (text: string) =>
      db.prepare('SELECT 1 FROM flow_definitions WHERE definition LIKE ?').get(`%${text}%`) !==
      undefined;
    while (hasDefinition('comment: short-lived')) {
      const c = prune(50);
      expect(c.executions + c.historyRows).toBeGreaterThan(0);
    }
    pruneAll(50);
    expect(db.prepare('SELECT count(*) AS n FROM flow_events WHERE exec_id = ?').get(id)).toEqual({
      n: 0,
    });
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
