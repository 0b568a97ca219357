import { describe, expect, it } from 'vitest';
import { createFnfSdk, rejection } from './fnf-sdk';
import { out, useFlowStack } from './helpers';

const ctx = useFlowStack('err-q');
const callbackTask = (extra: string) => `version: v1
type: flow
steps:
  - type: task
    name: work
    resourceArn: acs:mns:::/queues/err-q/messages
    pattern: waitForCallback
    inputMappings:
      - target: token
        source: $context.task.token
${extra}
  - type: pass
    name: ok
    end: true
  - type: pass
    name: recovered
`;

describe('retry, catch and timeouts on the virtual clock', () => {
  it('retries a timed-out task with exponential backoff capped by maxIntervalSeconds, then catches', async () => {
    const flow = await ctx.h.createFlow(
      callbackTask(`    timeoutSeconds: 10
    retry:
      - errors: [FnF.TaskTimeout]
        intervalSeconds: 2
        multiplier: 3
        maxIntervalSeconds: 5
        maxAttempts: 2
    catch:
      - errors: [FnF.ALL]
        goto: recovered
    errorMappings:
      - target: errCode
        source: $local.error
      - target: errMsg
        source: $local.cause`),
    );
    const exec = await ctx.h.start(flow);
    await ctx.h.settled();
    // attempt 1 times out at +10 s, backoff 2 s; attempt 2 at +12 s times out at +22 s,
    // backoff min(2*3, 5) = 5 s; attempt 3 at +27 s times out at +37 s; then catch.
    for (let i = 0; i < 40; i++) await ctx.clock.advance(1000);
    const d = await ctx.h.finished(flow, exec);
    expect(d.Status).toBe('Succeeded');
    expect(out(d)).toEqual({ errCode: 'FnF.TaskTimeout', errMsg: 'task timed out' });
    const events = await ctx.h.history(flow, exec);
    const t0 = Date.parse(events[0]?.Time ?? '');
    const scheduled = events
      .filter((e) => e.Type === 'TaskScheduled')
      .map((e) => Date.parse(e.Time) - t0);
    expect(scheduled).toEqual([0, 12_000, 27_000]);
    expect(events.filter((e) => e.Type === 'TaskTimedOut')).toHaveLength(3);
    // Each attempt sent its own message with its own token.
    const tokens = new Set<unknown>();
    for (let i = 0; i < 3; i++) tokens.add((await ctx.h.receive('err-q')).body.token);
    expect(tokens.size).toBe(3);
  });

  it('counts retries per policy: a second matching policy is never consulted', async () => {
    const flow = await ctx.h.createFlow(
      callbackTask(`    retry:
      - errors: [Flaky]
        intervalSeconds: 1
        maxAttempts: 1
      - errors: [FnF.ALL]
        intervalSeconds: 1
        maxAttempts: 5`),
    );
    const exec = await ctx.h.start(flow);
    for (let i = 0; i < 2; i++) {
      const m = await ctx.h.receive('err-q');
      await ctx.fnf.call('ReportTaskFailed', {
        TaskToken: m.body.token,
        Error: 'Flaky',
        Cause: `try ${i}`,
      });
      await ctx.clock.advance(1000);
    }
    const d = await ctx.h.finished(flow, exec);
    expect(d.Status).toBe('Failed');
    const last = (await ctx.h.history(flow, exec)).at(-1);
    expect(JSON.parse(last?.EventDetail ?? '{}')).toEqual({ error: 'Flaky', cause: 'try 1' });
  });

  it('lets a catch handle a ReportTaskFailed, with errorMappings of error and cause', async () => {
    const flow = await ctx.h.createFlow(
      callbackTask(`    catch:
      - errors: [BookFlightError]
        goto: recovered
    errorMappings:
      - target: code
        source: $local.error
      - target: why
        source: $local.cause`),
    );
    const exec = await ctx.h.start(flow);
    const m = await ctx.h.receive('err-q');
    const r = await ctx.fnf.call<{ EventId: number }>('ReportTaskFailed', {
      TaskToken: m.body.token,
      Error: 'BookFlightError',
      Cause: 'no seats',
    });
    expect(r.EventId).toBeGreaterThan(0);
    const d = await ctx.h.finished(flow, exec);
    expect(out(d)).toEqual({ code: 'BookFlightError', why: 'no seats' });
  });

  it('ends the execution TimedOut when the flow timeoutSeconds elapses', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
timeoutSeconds: 60
steps:
  - type: wait
    name: forever
    duration: 3600
`);
    const exec = await ctx.h.start(flow);
    await ctx.h.settled();
    await ctx.clock.advance(59_000);
    expect((await ctx.h.describe(flow, exec)).Status).toBe('Running');
    await ctx.clock.advance(1_000);
    const d = await ctx.h.finished(flow, exec);
    expect(d.Status).toBe('TimedOut');
    expect((await ctx.h.history(flow, exec)).at(-1)?.Type).toBe('ExecutionTimedOut');
  });
});

describe('task tokens', () => {
  it('rejects a report after StopExecution with TaskAlreadyCompleted', async () => {
    const flow = await ctx.h.createFlow(callbackTask(''));
    const exec = await ctx.h.start(flow);
    const m = await ctx.h.receive('err-q');
    const stopped = await ctx.fnf.call<{ Status: string }>('StopExecution', {
      FlowName: flow,
      ExecutionName: exec,
      Error: 'Cancelled',
      Cause: 'by test',
    });
    expect(stopped.Status).toBe('Stopped');
    const err = await rejection(
      ctx.fnf.call('ReportTaskSucceeded', { TaskToken: m.body.token, Output: '{}' }),
    );
    expect(err.code).toBe('TaskAlreadyCompleted');
    expect(err.entry?.response?.statusCode).toBe(400);
    const again = await rejection(
      ctx.fnf.call('StopExecution', { FlowName: flow, ExecutionName: exec }),
    );
    expect(again.code).toBe('ExecutionAlreadyCompleted');
  });

  it('drops the task timeout and the flow timeout of a stopped execution', async () => {
    const flow = await ctx.h.createFlow(
      callbackTask('    timeoutSeconds: 30').replace(
        'type: flow\n',
        'type: flow\ntimeoutSeconds: 600\n',
      ),
    );
    const exec = await ctx.h.start(flow);
    await ctx.h.receive('err-q');
    const timers = () => ctx.h.timerKeys(flow, exec);
    expect(timers()).toEqual(['flow', 'timeout:3']);
    await ctx.fnf.call('StopExecution', { FlowName: flow, ExecutionName: exec });
    expect(timers()).toEqual([]);
    await ctx.h.settled();
    await ctx.clock.advance(600_000);
    const events = await ctx.h.history(flow, exec);
    expect(events.at(-1)?.Type).toBe('ExecutionStopped');
    expect(events.some((e) => e.Type === 'TaskTimedOut')).toBe(false);
  });

  it('keeps each task token to its own execution when a deleted flow comes back under the same names', async () => {
    const flow = await ctx.h.createFlow(callbackTask(''));
    const exec = await ctx.h.start(flow, {}, 'reused');
    const old = await ctx.h.receive('err-q');
    // DeleteFlow stops the running execution (the cloud stops it after its
    // current step); the names are free again.
    await ctx.fnf.call('DeleteFlow', { Name: flow });
    await ctx.h.createFlow(callbackTask(''), flow);
    await ctx.h.start(flow, {}, exec);
    const fresh = await ctx.h.receive('err-q');
    expect(fresh.body.token).not.toBe(old.body.token);
    // The old worker's late report is refused as done, and does not touch the new one.
    const late = await rejection(
      ctx.fnf.call('ReportTaskSucceeded', { TaskToken: old.body.token, Output: '{"who":"old"}' }),
    );
    expect(late.code).toBe('TaskAlreadyCompleted');
    expect((await ctx.h.describe(flow, exec)).Status).toBe('Running');
    await ctx.fnf.call('ReportTaskSucceeded', {
      TaskToken: fresh.body.token,
      Output: '{"who":"new"}',
    });
    expect(out(await ctx.h.finished(flow, exec))).toEqual({ who: 'new' });
    const both = ctx.stack.store.db
      .prepare('SELECT status, output FROM flow_executions WHERE name = ? ORDER BY id')
      .all(exec);
    expect(both).toEqual([
      { status: 'Stopped', output: null },
      { status: 'Succeeded', output: '{"who":"new"}' },
    ]);
  });

  it('stops the running executions of a deleted flow, leaving no timer behind', async () => {
    const flow = await ctx.h.createFlow(
      callbackTask('    timeoutSeconds: 60').replace(
        'type: flow\n',
        'type: flow\ntimeoutSeconds: 600\n',
      ),
    );
    const a = await ctx.h.start(flow, {}, 'del-a');
    const b = await ctx.h.start(flow, {}, 'del-b');
    await ctx.h.receive('err-q');
    await ctx.h.receive('err-q');
    await ctx.h.settled();
    const ids = ctx.stack.store.db
      .prepare('SELECT id FROM flow_executions WHERE name IN (?, ?)')
      .pluck()
      .all(a, b) as number[];
    const timers = () =>
      ctx.stack.store.db
        .prepare(`SELECT count(*) FROM flow_timers WHERE exec_id IN (${ids.join(',')})`)
        .pluck()
        .get();
    expect(timers()).toBe(4);
    await ctx.fnf.call('DeleteFlow', { Name: flow });
    const rows = ctx.stack.store.db
      .prepare(`SELECT status, error, cause FROM flow_executions WHERE id IN (${ids.join(',')})`)
      .all();
    expect(rows).toEqual([
      { status: 'Stopped', error: 'FlowDeleted', cause: `flow ${flow} was deleted` },
      { status: 'Stopped', error: 'FlowDeleted', cause: `flow ${flow} was deleted` },
    ]);
    expect(timers()).toBe(0);
  });

  it('answers InvalidArgument to a malformed or forged token and keeps serving', async () => {
    const flow = await ctx.h.createFlow(callbackTask(''));
    const exec = await ctx.h.start(flow, {}, 'forgery');
    const m = await ctx.h.receive('err-q');
    const real = Buffer.from(String(m.body.token), 'base64').toString('utf8');
    const forged = Buffer.from(real.replace(/#[^#]+$/, '#AAAAAAAAAAAAAAAAAAAAAAAAAAA=')).toString(
      'base64',
    );
    for (const token of ['not-a-token', '', forged, Buffer.from('v1#a#b#c#d').toString('base64')]) {
      const err = await rejection(
        ctx.fnf.call('ReportTaskSucceeded', { TaskToken: token, Output: '{}' }),
      );
      expect(['InvalidArgument', 'MissingRequiredParams']).toContain(err.code);
    }
    const bad = await rejection(
      ctx.fnf.call('ReportTaskSucceeded', { TaskToken: m.body.token, Output: 'nope' }),
    );
    expect(bad.code).toBe('InvalidArgument');
    await ctx.fnf.call('ReportTaskSucceeded', { TaskToken: m.body.token, Output: '{"fine":true}' });
    expect(out(await ctx.h.finished(flow, exec))).toEqual({ fine: true });
  });
});

describe('the history limit', () => {
  it('fails the execution when a report would record its 5,001st event, and accepts the report', async () => {
    // The callback task after a foreach and a pad step: 8 + 4 events per
    // iteration, so with 1248 items the task waits as event 5000.
    const flow = await ctx.h.createFlow(
      callbackTask('').replace(
        'steps:\n',
        `steps:
  - type: foreach
    name: fe
    iterationMapping:
      collection: $.items
      item: it
    steps:
      - type: pass
        name: p
  - type: pass
    name: pad
`,
      ),
    );
    const exec = await ctx.h.start(flow, { items: Array.from({ length: 1248 }, (_, i) => i) });
    const m = await ctx.h.receive('err-q');
    const tail = async () => (await ctx.h.history(flow, exec)).at(-1);
    expect((await tail())?.EventId).toBe(5000);
    const r = await ctx.fnf.call<{ EventId: number }>('ReportTaskSucceeded', {
      TaskToken: m.body.token,
      Output: '{}',
    });
    expect(r.EventId).toBe(5001);
    const d = await ctx.h.finished(flow, exec);
    expect(d.Status).toBe('Failed');
    const last = await tail();
    expect(last).toMatchObject({ EventId: 5001, Type: 'ExecutionFailed' });
    expect(JSON.parse(last?.EventDetail ?? '{}').error).toBe('FnF.HistoryLimitExceeded');
  });
});

describe('group-committed reports', () => {
  it('keeps the good reports of a burst when one of them is refused', async () => {
    const flow = await ctx.h.createFlow(callbackTask(''));
    const execs = [await ctx.h.start(flow), await ctx.h.start(flow), await ctx.h.start(flow)];
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) tokens.push(String((await ctx.h.receive('err-q')).body.token));
    const results = await Promise.allSettled([
      ...tokens.map((token, i) =>
        ctx.fnf.call('ReportTaskSucceeded', { TaskToken: token, Output: JSON.stringify({ i }) }),
      ),
      ctx.fnf.call('ReportTaskSucceeded', { TaskToken: 'forged', Output: '{}' }),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
    ]);
    for (const exec of execs) expect((await ctx.h.finished(flow, exec)).Status).toBe('Succeeded');
  });
});

describe('the POP layer', () => {
  it('answers SignatureDoesNotMatch with HTTP 403 to a wrong secret', async () => {
    const wrong = createFnfSdk(ctx.stack, { accessKeySecret: 'not-the-secret' });
    const err = await rejection(wrong.call('ListFlows', {}));
    expect(err.code).toBe('SignatureDoesNotMatch');
    expect(err.entry?.response?.statusCode).toBe(403);
  });

  it('answers APIVersionNotSupported and ActionNotSupported as POP JSON errors', async () => {
    const version = await fetch(
      `${ctx.stack.endpoint}/?${await signedQuery({ Action: 'ListFlows', Version: '2020-01-01' })}`,
    );
    expect(version.status).toBe(400);
    expect(((await version.json()) as { Code: string }).Code).toBe('APIVersionNotSupported');
    const action = await fetch(
      `${ctx.stack.endpoint}/?${await signedQuery({ Action: 'DoMagic' })}`,
    );
    expect(action.status).toBe(400);
    expect(((await action.json()) as { Code: string }).Code).toBe('ActionNotSupported');
  });

  it('rejects a replayed signature nonce', async () => {
    const params = { Action: 'ListFlows' };
    const first = await fetch(`${ctx.stack.endpoint}/?${await signedQuery(params)}`);
    expect(first.status).toBe(200);
    const url = `${ctx.stack.endpoint}/?${await signedQuery(params, 'fixed-nonce')}`;
    expect((await fetch(url)).status).toBe(200);
    const replay = await fetch(url);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { Code: string }).Code).toBe('SignatureNonceUsed');
  });

  it('answers JSON with a distinct 24-hex RequestId on every response, errors included', async () => {
    const ids: string[] = [];
    for (const action of ['ListFlows', 'ListFlows', 'DoMagic']) {
      const res = await fetch(`${ctx.stack.endpoint}/?${await signedQuery({ Action: action })}`);
      expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
      const text = await res.text();
      expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
      ids.push((JSON.parse(text) as { RequestId: string }).RequestId);
    }
    for (const id of ids) expect(id).toMatch(/^[0-9A-F]{24}$/);
    expect(new Set(ids).size).toBe(3);
  });

  it("takes a 20 KB Input by GET (pop-core's default) and names the problem past the header limit", async () => {
    const flow = await ctx.h.createFlow(
      'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n',
    );
    const input = JSON.stringify({ blob: '{"x":1}'.repeat(2800) });
    await ctx.fnf.raw.request(
      'StartExecution',
      { FlowName: flow, Input: input },
      { timeout: 10_000 },
    );
    const huge = await rejection(
      ctx.fnf.raw.request('ListFlows', { Junk: 'x'.repeat(200_000) }, { timeout: 10_000 }),
    );
    expect(huge.code).toBe('RequestHeaderFieldsTooLarge');
    expect(huge.message).toContain('POST body');
    expect(await ctx.fnf.call('ListFlows')).toHaveProperty('Flows');
  });

  it('answers EntityTooLarge to a form body over 1 MiB and still serves the next call', async () => {
    const big = await fetch(`${ctx.stack.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-acs-action': 'ListFlows' },
      body: `Pad=${'x'.repeat(1024 * 1024 + 16)}`,
    });
    expect(big.status).toBe(400);
    expect(((await big.json()) as { Code: string }).Code).toBe('EntityTooLarge');
    expect((await ctx.fnf.call<{ Flows: unknown[] }>('ListFlows', {})).Flows).toBeInstanceOf(Array);
  });

  it('reads a signed form body that arrives in many chunks', async () => {
    const query = await signedQuery(
      { Action: 'ListFlows', Pad: 'y'.repeat(200_000) },
      undefined,
      'POST',
    );
    const chunks = query.match(/[\s\S]{1,4096}/g) ?? [];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const res = await fetch(`${ctx.stack.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-acs-action': 'ListFlows' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { Flows: unknown[] }).Flows).toBeInstanceOf(Array);
  });
});

describe('flows and executions through the API', () => {
  it('answers InvalidArgument, never a 500, to data nested past the depth limit, numbers past a double and loose integers', async () => {
    const deep = (n: number) => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`;
    const flow = await ctx.h.createFlow(callbackTask(''));
    const start = await rejection(
      ctx.fnf.call('StartExecution', { FlowName: flow, Input: deep(9000) }),
    );
    expect(start.code).toBe('InvalidArgument');
    expect(start.entry?.response?.statusCode).toBe(400);
    expect(start.message).toContain('256 levels');
    const exec = await ctx.h.start(flow, JSON.parse(deep(200)));
    const m = await ctx.h.receive('err-q');
    const report = await rejection(
      ctx.fnf.call('ReportTaskSucceeded', { TaskToken: m.body.token, Output: deep(9000) }),
    );
    expect(report.code).toBe('InvalidArgument');
    // A number past a double's range would be stored as null: refused, not rewritten.
    const huge = await rejection(
      ctx.fnf.call('ReportTaskSucceeded', { TaskToken: m.body.token, Output: '{"n":-1e400}' }),
    );
    expect(huge.code).toBe('InvalidArgument');
    expect(huge.message).toContain('beyond the range of a double');
    expect(
      (await rejection(ctx.fnf.call('StartExecution', { FlowName: flow, Input: '{"n":[1E+999]}' })))
        .code,
    ).toBe('InvalidArgument');
    expect((await ctx.h.describe(flow, exec)).Status).toBe('Running');
    // A short exponent overflows too, with a long enough mantissa.
    const longMantissa = `{"n":${'9'.repeat(211)}e99}`;
    expect(
      (await rejection(ctx.fnf.call('StartExecution', { FlowName: flow, Input: longMantissa })))
        .code,
    ).toBe('InvalidArgument');
    // A wide input the check walks is refused for its size, not crashed on (150,000
    // array items spread as call arguments overflowed the stack: a 500 over HTTP).
    const wide = `{"n":[${Array(150_000).fill('1e100').join(',')}]}`;
    expect(() => ctx.stack.engine.startExecution({ FlowName: flow, Input: wide })).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
    // The same text inside a string is just text.
    const text = await ctx.h.start(flow, { n: '1e400' });
    expect(JSON.parse((await ctx.h.describe(flow, text)).Input ?? '{}')).toEqual({ n: '1e400' });
    await ctx.h.receive('err-q'); // its task's message, off the queue the next tests read
    for (const limit of ['1e2', '0x10', '2.5']) {
      const err = await rejection(ctx.fnf.call('ListFlows', { Limit: limit }));
      expect(err.code, limit).toBe('InvalidArgument');
    }
  });

  it('refuses an ExecutionMode other than Standard and Express', async () => {
    const err = await rejection(
      ctx.fnf.call('CreateFlow', {
        Name: 'mode_bogus',
        Type: 'FDL',
        Description: '',
        ExecutionMode: 'Bogus',
        Definition: 'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n',
      }),
    );
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toContain('Standard or Express');
  });

  it('filters ListExecutions by a name prefix, case-sensitively and literally', async () => {
    const flow = await ctx.h.createFlow(
      'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n',
    );
    for (const name of ['a_1', 'A_3', 'a-2', 'ab1']) await ctx.h.start(flow, {}, name);
    const names = async (prefix: string) =>
      (
        await ctx.fnf.call<{ Executions: Array<{ Name: string }> }>('ListExecutions', {
          FlowName: flow,
          ExecutionNamePrefix: prefix,
        })
      ).Executions.map((e) => e.Name).sort();
    expect(await names('a_')).toEqual(['a_1']);
    expect(await names('a')).toEqual(['a-2', 'a_1', 'ab1']);
    expect(await names('A')).toEqual(['A_3']);
    // Pattern characters are literal: no name has them (the name rule), so nothing matches.
    expect(await names('a*')).toEqual([]);
    expect(await names('a?')).toEqual([]);
    expect(await names('[a]')).toEqual([]);
  });

  it('filters ListExecutions by start time, and refuses a time that is not RFC 3339', async () => {
    const flow = await ctx.h.createFlow(
      'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n',
    );
    const first = await ctx.h.start(flow);
    await ctx.clock.advance(60_000);
    const second = await ctx.h.start(flow);
    const at = new Date(ctx.clock.now() - 30_000).toISOString();
    const names = async (params: Record<string, string>) =>
      (
        await ctx.fnf.call<{ Executions: Array<{ Name: string }> }>('ListExecutions', {
          FlowName: flow,
          ...params,
        })
      ).Executions.map((e) => e.Name);
    expect(await names({ StartedTimeBegin: at })).toEqual([second]);
    expect(await names({ StartedTimeEnd: at })).toEqual([first]);
    for (const bad of ['2026', '2026-11-28T12:00:00', 'yesterday', '2026-11-31T00:00:00Z']) {
      const err = await rejection(
        ctx.fnf.call('ListExecutions', { FlowName: flow, StartedTimeBegin: bad }),
      );
      expect(err.code).toBe('InvalidArgument');
      expect(err.message).toContain(`StartedTimeBegin must be an RFC 3339 time`);
    }
  });

  it('checks Type and Environment on CreateFlow and UpdateFlow, and keeps a flow in its mode', async () => {
    const definition = 'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n';
    const flow = await ctx.h.createFlow(definition);
    const refused = async (action: string, params: Record<string, unknown>) =>
      (await rejection(ctx.fnf.call(action, params))).message;
    expect(await refused('UpdateFlow', { Name: flow, Type: 'X' })).toContain('Type must be FDL');
    expect(await refused('UpdateFlow', { Name: flow, Environment: '{' })).toContain(
      'Environment must be JSON',
    );
    expect(
      await refused('UpdateFlow', { Name: flow, Environment: '{"Variables":[{"Value":"v"}]}' }),
    ).toContain('each variable with a Name');
    expect(await refused('UpdateFlow', { Name: flow, ExecutionMode: 'Express' })).toContain(
      'ExecutionMode cannot change',
    );
    expect(
      await refused('CreateFlow', {
        Name: 'env_bad',
        Type: 'FDL',
        Description: '',
        Definition: definition,
        Environment: 'not json',
      }),
    ).toContain('Environment must be JSON');
    // Nothing was applied, and a good Environment is kept as given.
    const env = '{"Variables":[{"Name":"STAGE","Value":"dev","Description":"where"}]}';
    await ctx.fnf.call('UpdateFlow', { Name: flow, Environment: env, Type: 'FDL' });
    const d = await ctx.fnf.call<{ Environment?: string; ExecutionMode?: string; Type: string }>(
      'DescribeFlow',
      { Name: flow },
    );
    expect(d).toMatchObject({ Environment: env, Type: 'FDL' });
    await expect(ctx.fnf.call('DescribeFlow', { Name: 'env_bad' })).rejects.toMatchObject({
      code: 'FlowNotExists',
    });
  });

  it('refuses an unknown Status filter and a StopExecution Error or Cause past the API bounds', async () => {
    const flow = await ctx.h.createFlow(callbackTask(''));
    const exec = await ctx.h.start(flow);
    await ctx.h.receive('err-q'); // its task message: the queue is shared by this file's tests
    const status = await rejection(
      ctx.fnf.call('ListExecutions', { FlowName: flow, Status: 'Bogus' }),
    );
    expect(status.code).toBe('InvalidArgument');
    expect(status.message).toContain('Running');
    // Starting is one of the API's states, though this engine never reports it.
    const starting = await ctx.fnf.call<{ Executions: unknown[] }>('ListExecutions', {
      FlowName: flow,
      Status: 'Starting',
    });
    expect(starting.Executions).toEqual([]);
    for (const params of [{ Error: 'E'.repeat(129) }, { Cause: 'c'.repeat(4097) }]) {
      const err = await rejection(
        ctx.fnf.call('StopExecution', { FlowName: flow, ExecutionName: exec, ...params }),
      );
      expect(err.code).toBe('InvalidArgument');
    }
    expect((await ctx.h.describe(flow, exec)).Status).toBe('Running');
    await ctx.fnf.call('StopExecution', {
      FlowName: flow,
      ExecutionName: exec,
      Error: 'E'.repeat(128),
    });
  });

  it('refuses an invalid definition with InvalidArgument naming the line and path', async () => {
    const err = await rejection(
      ctx.fnf.call('CreateFlow', {
        Name: 'broken',
        Type: 'FDL',
        Description: '',
        Definition:
          'version: v1\ntype: flow\nsteps:\n  - type: choice\n    name: c\n    choices:\n      - condition: $.a == 1\n        goto: nowhere\n',
      }),
    );
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toMatch(/line \d+/);
    expect(err.message).toContain('steps[0].choices[0].goto');
  });

  it('describes, lists, updates and deletes flows, with FlowAlreadyExists and FlowNotExists', async () => {
    const def = 'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n';
    const name = await ctx.h.createFlow(def, 'crud_flow');
    const dup = await rejection(
      ctx.fnf.call('CreateFlow', { Name: name, Definition: def, Description: '', Type: 'FDL' }),
    );
    expect(dup.code).toBe('FlowAlreadyExists');
    const updated = await ctx.fnf.call<{ Description: string }>('UpdateFlow', {
      Name: name,
      Description: 'now described',
    });
    expect(updated.Description).toBe('now described');
    const d = await ctx.fnf.call<{ Name: string; Id: string; Type: string }>('DescribeFlow', {
      Name: name,
    });
    expect(d).toMatchObject({ Name: name, Type: 'FDL' });
    const page = await ctx.fnf.call<{ Flows: Array<{ Name: string }> }>('ListFlows', {
      Limit: 1000,
    });
    expect(page.Flows.map((f) => f.Name)).toContain(name);
    await ctx.fnf.call('DeleteFlow', { Name: name });
    const gone = await rejection(ctx.fnf.call('DescribeFlow', { Name: name }));
    expect(gone.code).toBe('FlowNotExists');
    expect(gone.entry?.response?.statusCode).toBe(404);
  });

  it('returns the running execution for a repeated name and ExecutionAlreadyExists once it ended', async () => {
    const flow = await ctx.h.createFlow(callbackTask(''));
    await ctx.h.start(flow, {}, 'same');
    const again = await ctx.fnf.call<{ Name: string; Status: string }>('StartExecution', {
      FlowName: flow,
      ExecutionName: 'same',
      Input: '{}',
    });
    expect(again).toMatchObject({ Name: 'same', Status: 'Running' });
    const m = await ctx.h.receive('err-q');
    await ctx.fnf.call('ReportTaskSucceeded', { TaskToken: m.body.token, Output: '{}' });
    await ctx.h.finished(flow, 'same');
    const err = await rejection(ctx.h.start(flow, {}, 'same'));
    expect(err.code).toBe('ExecutionAlreadyExists');
  });

  it('generates a valid name for every StartExecution without one, and checks names callers choose', async () => {
    const flow = await ctx.h.createFlow(
      'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n',
    );
    const names = new Set<string>();
    // Generated names are UUIDs; many start with a digit, which the caller-name rule forbids.
    for (let i = 0; i < 40; i++) {
      const started = await ctx.fnf.call<{ Name: string }>('StartExecution', {
        FlowName: flow,
        Input: '{}',
      });
      names.add(started.Name);
    }
    expect(names.size).toBe(40);
    const bad = await rejection(
      ctx.fnf.call('StartExecution', {
        FlowName: flow,
        ExecutionName: '1-starts-with-digit',
        Input: '{}',
      }),
    );
    expect(bad.code).toBe('InvalidArgument');
  });

  it('pages ListExecutions and GetExecutionHistory and filters by status and prefix', async () => {
    const flow = await ctx.h.createFlow(
      'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n',
    );
    for (const n of ['job-1', 'job-2', 'job-3', 'other']) await ctx.h.start(flow, {}, n);
    const first = await ctx.fnf.call<{ Executions: Array<{ Name: string }>; NextToken?: string }>(
      'ListExecutions',
      { FlowName: flow, Limit: 2, ExecutionNamePrefix: 'job-', Status: 'Succeeded' },
    );
    expect(first.Executions.map((e) => e.Name)).toEqual(['job-3', 'job-2']);
    const second = await ctx.fnf.call<{ Executions: Array<{ Name: string }>; NextToken?: string }>(
      'ListExecutions',
      { FlowName: flow, Limit: 2, ExecutionNamePrefix: 'job-', NextToken: first.NextToken },
    );
    expect(second.Executions.map((e) => e.Name)).toEqual(['job-1']);
    expect(second.NextToken).toBeUndefined();
    // Rows carry DescribeExecution's fields; MetadataOnly leaves out the bulky ones.
    const full = await ctx.fnf.call<{ Executions: Array<Record<string, unknown>> }>(
      'ListExecutions',
      { FlowName: flow, ExecutionNamePrefix: 'job-1' },
    );
    const described = await ctx.fnf.call<Record<string, unknown>>('DescribeExecution', {
      FlowName: flow,
      ExecutionName: 'job-1',
    });
    const { RequestId: _, ...describedFields } = described;
    expect(full.Executions).toEqual([describedFields]);
    const slim = await ctx.fnf.call<{ Executions: Array<Record<string, unknown>> }>(
      'ListExecutions',
      { FlowName: flow, ExecutionNamePrefix: 'job-1', MetadataOnly: 'true' },
    );
    expect(Object.keys(slim.Executions[0] ?? {}).sort()).toEqual(
      ['FlowName', 'Name', 'StartedTime', 'Status', 'StoppedTime'].sort(),
    );
    await expect(
      ctx.fnf.call('ListExecutions', { FlowName: flow, MetadataOnly: 'yes' }),
    ).rejects.toMatchObject({ code: 'InvalidArgument' });
    const page = await ctx.fnf.call<{ Events: Array<{ EventId: number }>; NextToken?: string }>(
      'GetExecutionHistory',
      { FlowName: flow, ExecutionName: 'job-1', Limit: 2 },
    );
    expect(page.Events.map((e) => e.EventId)).toEqual([1, 2]);
    const rest = await ctx.fnf.call<{
      Events: Array<{ EventId: number; Type: string }>;
      NextToken?: string;
    }>('GetExecutionHistory', {
      FlowName: flow,
      ExecutionName: 'job-1',
      NextToken: page.NextToken,
    });
    expect(rest.Events.at(-1)?.Type).toBe('ExecutionSucceeded');
  });
});

async function signedQuery(
  extra: Record<string, string>,
  nonce?: string,
  method = 'GET',
): Promise<string> {
  const { createHmac, randomUUID } = await import('node:crypto');
  const { stringToSign } = await import('../../../local/pop/encode');
  const { popEncode } = await import('../../../local/pop/encode');
  const params: Record<string, string> = {
    Format: 'JSON',
    Version: '2019-03-15',
    AccessKeyId: ctx.stack.credentials.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: nonce ?? randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    ...extra,
  };
  const sig = createHmac('sha1', `${ctx.stack.credentials.accessKeySecret}&`)
    .update(stringToSign(method, params))
    .digest('base64');
  return Object.entries({ ...params, Signature: sig })
    .map(([k, v]) => `${popEncode(k)}=${popEncode(v)}`)
    .join('&');
}
