import { describe, expect, it } from 'vitest';
import { out, useFlowStack } from './helpers';

const ctx = useFlowStack('steps-q');

/** A flow whose task `sub` calls `resourceArn` and catches `error`, keeping its cause as `why`. */
const catchingParent = (
  resourceArn: string,
  error: string,
  pattern = 'requestResponse',
) => `version: v1
type: flow
steps:
  - type: task
    name: sub
    resourceArn: ${resourceArn}
    pattern: ${pattern}
    catch:
      - errors: [${error}]
        goto: recover
    errorMappings:
      - target: why
        source: $local.cause
  - type: pass
    name: recover
`;

describe('every FDL step type, driven through the FnF API', () => {
  it('runs pass steps with input and output mappings and merges outputs into the flow local', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: pass
    name: a
    outputMappings:
      - target: greeting
        source: hello
      - target: who
        source: $input.name
  - type: pass
    name: b
    inputMappings:
      - target: g
        source: $local.greeting
    outputMappings:
      - target: both
        source: $input.g
`);
    const exec = await ctx.h.start(flow, { name: 'ada' });
    const d = await ctx.h.finished(flow, exec);
    expect(d.Status).toBe('Succeeded');
    expect(out(d)).toEqual({ greeting: 'hello', who: 'ada', both: 'hello' });
  });

  it('takes the first true choice, runs its steps, then follows its goto', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: choice
    name: pick
    choices:
      - condition: $.n > 10
        steps:
          - type: pass
            name: big
            outputMappings:
              - target: size
                source: big
        goto: last
      - condition: $.n > 0
        steps:
          - type: pass
            name: small
            outputMappings:
              - target: size
                source: small
    default:
      goto: last
  - type: pass
    name: skipped
    outputMappings:
      - target: skipped
        source: true
  - type: pass
    name: last
    outputMappings:
      - target: last
        source: true
`);
    const big = await ctx.h.run(flow, { n: 20 });
    expect(out(big)).toEqual({ size: 'big', last: true });
    const small = await ctx.h.run(flow, { n: 5 });
    expect(out(small)).toEqual({ size: 'small', skipped: true, last: true });
    const none = await ctx.h.run(flow, { n: -1 });
    expect(out(none)).toEqual({ last: true });
  });

  it('ends the whole flow at a succeed step inside a choice branch', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: choice
    name: c
    choices:
      - condition: $.stop == true
        steps:
          - type: succeed
            name: done
  - type: pass
    name: after
    outputMappings:
      - target: after
        source: true
`);
    const d = await ctx.h.run(flow, { stop: true });
    expect(d.Status).toBe('Succeeded');
    expect(out(d)).toEqual({});
  });

  it('fails the execution at a fail step with its error and cause in the history', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: fail
    name: boom
    error: AuditFailed
    cause: the numbers do not add up
`);
    const exec = await ctx.h.start(flow);
    const d = await ctx.h.finished(flow, exec);
    expect(d.Status).toBe('Failed');
    const last = (await ctx.h.history(flow, exec)).at(-1);
    expect(last?.Type).toBe('ExecutionFailed');
    expect(JSON.parse(last?.EventDetail ?? '{}')).toEqual({
      error: 'AuditFailed',
      cause: 'the numbers do not add up',
    });
  });

  it('runs parallel branches at the same time and maps their locals as an array', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: parallel
    name: par
    branches:
      - steps:
          - type: task
            name: left
            resourceArn: acs:mns:::/queues/steps-q/messages
            pattern: waitForCallback
            inputMappings:
              - target: token
                source: $context.task.token
              - target: side
                source: left
      - steps:
          - type: task
            name: right
            resourceArn: acs:mns:::/queues/steps-q/messages
            pattern: waitForCallback
            inputMappings:
              - target: token
                source: $context.task.token
              - target: side
                source: right
    outputMappings:
      - target: sides
        source: $local[*].side
`);
    const exec = await ctx.h.start(flow);
    // Both messages are out before either is answered: the branches really run together.
    const a = await ctx.h.receive('steps-q');
    const b = await ctx.h.receive('steps-q');
    expect(new Set([a.body.side, b.body.side])).toEqual(new Set(['left', 'right']));
    for (const m of [b, a]) {
      await ctx.fnf.call('ReportTaskSucceeded', {
        TaskToken: m.body.token,
        Output: JSON.stringify({ side: m.body.side }),
      });
    }
    const d = await ctx.h.finished(flow, exec);
    expect(out(d)).toEqual({ sides: ['left', 'right'] });
  });

  it('fails a parallel step when one branch fails and cancels the other', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: parallel
    name: par
    branches:
      - steps:
          - type: wait
            name: long
            duration: 3600
      - steps:
          - type: fail
            name: broken
            error: Broken
`);
    const exec = await ctx.h.start(flow);
    const d = await ctx.h.finished(flow, exec);
    expect(d.Status).toBe('Failed');
    const cancelled = (await ctx.h.history(flow, exec)).filter(
      (e) => e.Type === 'BranchExited' && JSON.parse(e.EventDetail).cancelled === true,
    );
    expect(cancelled).toHaveLength(1);
    await ctx.h.settled();
    // The cancelled wait leaves no timer behind.
    expect(ctx.stack.store.db.prepare('SELECT COUNT(*) AS n FROM flow_timers').get()).toEqual({
      n: 0,
    });
  });

  it('runs foreach iterations over a collection with item and index', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.names
      item: name
      index: i
    steps:
      - type: pass
        name: shout
        outputMappings:
          - target: label
            source: $input.name
          - target: at
            source: $input.i
    outputMappings:
      - target: labels
        source: $local[*].label
      - target: ats
        source: $local[*].at
`);
    const d = await ctx.h.run(flow, { names: ['a', 'b', 'c'] });
    expect(out(d)).toEqual({ labels: ['a', 'b', 'c'], ats: [0, 1, 2] });
  });

  it('keeps at most 100 foreach iterations in flight at once', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.items
      item: item
    steps:
      - type: wait
        name: w
        duration: 10
`);
    const exec = await ctx.h.start(flow, { items: Array.from({ length: 150 }, (_, i) => i) });
    await ctx.h.settled();
    const waits = () =>
      (
        ctx.stack.store.db
          .prepare("SELECT COUNT(*) AS n FROM flow_timers WHERE key LIKE 'wait:%'")
          .get() as { n: number }
      ).n;
    expect(waits()).toBe(100);
    await ctx.clock.advance(10_000);
    await ctx.h.settled();
    expect(waits()).toBe(50);
    await ctx.clock.advance(10_000);
    const d = await ctx.h.finished(flow, exec);
    expect(d.Status).toBe('Succeeded');
  });

  it('waits for a duration on the virtual clock, and skips a timestamp in the past', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: wait
    name: nap
    duration: $.seconds
  - type: wait
    name: past
    timestamp: 2001-01-01T00:00:00Z
`);
    const exec = await ctx.h.start(flow, { seconds: 90 });
    await ctx.h.settled();
    await ctx.clock.advance(89_000);
    expect((await ctx.h.describe(flow, exec)).Status).toBe('Running');
    await ctx.clock.advance(1_000);
    const d = await ctx.h.finished(flow, exec);
    expect(d.Status).toBe('Succeeded');
    expect(Date.parse(d.StoppedTime ?? '') - Date.parse(d.StartedTime)).toBe(90_000);
  });

  it('fails a wait whose timestamp, read from the data, lacks its zone or is no date, and takes one with an offset', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: wait
    name: until
    timestamp: $.at
`);
    const zoneless = await ctx.h.run(flow, { at: '2001-01-01T00:00:10.000' });
    expect(zoneless.Status).toBe('Failed');
    const last = (await ctx.h.history(flow, zoneless.Name)).at(-1);
    expect(JSON.parse(last?.EventDetail ?? '{}').cause).toMatch(/RFC 3339/);
    // Not a date at all (2001 is not a leap year), though Date.parse reads it as March 1.
    expect((await ctx.h.run(flow, { at: '2001-02-29T00:00:00Z' })).Status).toBe('Failed');
    expect((await ctx.h.run(flow, { at: '2001-01-01T08:00:10+08:00' })).Status).toBe('Succeeded');
  });

  it('sends an MNS message in requestResponse and exposes MessageId and MessageBodyMD5 as $local', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: task
    name: send
    resourceArn: acs:mns:::/queues/steps-q/messages
    serviceParams:
      MessageBody: $.text
`);
    const d = await ctx.h.run(flow, { text: 'plain text' });
    const local = out(d) as Record<string, string>;
    expect(Object.keys(local).sort()).toEqual(['MessageBodyMD5', 'MessageId', 'RequestId']);
    const m = await ctx.mns.receiveMessage('steps-q', 0);
    expect(m.body.MessageBody).toBe('plain text');
    expect(m.body.MessageId).toBe(local.MessageId);
    await ctx.mns.deleteMessage('steps-q', m.body.ReceiptHandle ?? '');
  });

  it('fails an MNS topic task with a clear unsupported error', async () => {
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: task
    name: publish
    resourceArn: acs:mns:::/topics/news/messages
    serviceParams:
      MessageBody: $
`);
    const exec = await ctx.h.start(flow);
    expect((await ctx.h.finished(flow, exec)).Status).toBe('Failed');
    const last = (await ctx.h.history(flow, exec)).at(-1);
    const detail = JSON.parse(last?.EventDetail ?? '{}') as { error: string; cause: string };
    expect(detail.error).toBe('FnF.UnsupportedResource');
    expect(detail.cause).toMatch(/topics are not supported/);
  });

  it('fails an FC task with FC.FunctionNotFound when no function runtime serves it', async () => {
    ctx.stack.engine.setFunctionInvoker(async (req) => ({
      ok: false,
      error: 'FC.FunctionNotFound',
      cause: `no ${req.functionName}`,
    }));
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fc:::services/svc/functions/missing
    catch:
      - errors: [FC.FunctionNotFound]
        goto: handled
    errorMappings:
      - target: err
        source: $local.error
  - type: pass
    name: unreachable
    end: true
  - type: pass
    name: handled
`);
    const d = await ctx.h.run(flow);
    expect(out(d)).toEqual({ err: 'FC.FunctionNotFound' });
  });

  it('calls an FC function through the injected invoker and parses a JSON string result', async () => {
    const calls: string[] = [];
    ctx.stack.engine.setFunctionInvoker(async (req) => {
      calls.push(`${req.functionName}:${req.payload}`);
      return { ok: true, body: JSON.stringify(JSON.stringify({ doubled: 42 })) };
    });
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fc:::services/svc/functions/double
    inputMappings:
      - target: x
        source: $input.x
`);
    const d = await ctx.h.run(flow, { x: 21 });
    expect(out(d)).toEqual({ doubled: 42 });
    expect(calls).toEqual(['double:{"x":21}']);
  });

  it('waits for the report of an FC waitForCallback task, even when it arrives before the call returns', async () => {
    const calls: string[] = [];
    ctx.stack.engine.setFunctionInvoker(async (req) => {
      const payload = JSON.parse(req.payload) as { token: string; x: number };
      calls.push(req.functionName);
      // The old pattern: the function hands the task on, and the result is reported
      // with the token (here before the function even returns).
      await ctx.fnf.call('ReportTaskSucceeded', {
        TaskToken: payload.token,
        Output: JSON.stringify({ tripled: payload.x * 3 }),
      });
      return { ok: true, body: '"accepted"' };
    });
    const flow = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fc:::services/svc/functions/sender
    pattern: waitForCallback
    inputMappings:
      - target: token
        source: $context.task.token
      - target: x
        source: $input.x
`);
    const d = await ctx.h.run(flow, { x: 7 });
    expect(d.Status).toBe('Succeeded');
    expect(out(d)).toEqual({ tripled: 21 });
    expect(calls).toEqual(['sender']);
  });

  it('fails an FC waitForCallback attempt on a platform error, and keeps waiting after a code error', async () => {
    let called!: () => void;
    const codeErrorReturned = new Promise<void>((resolve) => {
      called = resolve;
    });
    ctx.stack.engine.setFunctionInvoker(async (req) => {
      if (req.functionName === 'missing') {
        return { ok: false, error: 'FC.FunctionNotFound', cause: 'no such function' };
      }
      setImmediate(called);
      return { ok: false, error: 'TypeError', cause: 'thrown by the handler' };
    });
    const definition = (fn: string) => `version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fc:::services/svc/functions/${fn}
    pattern: waitForCallback
    inputMappings:
      - target: token
        source: $context.task.token
`;
    const missing = await ctx.h.createFlow(definition('missing'));
    const failed = await ctx.h.run(missing);
    expect(failed.Status).toBe('Failed');
    const throwing = await ctx.h.createFlow(definition('throws'));
    const exec = await ctx.h.start(throwing);
    await codeErrorReturned;
    await ctx.h.settled();
    const still = await ctx.fnf.call<{ Status: string }>('DescribeExecution', {
      FlowName: throwing,
      ExecutionName: exec,
    });
    expect(still.Status).toBe('Running');
    await ctx.fnf.call('StopExecution', { FlowName: throwing, ExecutionName: exec });
  });

  it('runs a child flow with sync and with requestResponse', async () => {
    const child = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: pass
    name: inner
    outputMappings:
      - target: child_saw
        source: $input.value
`);
    const parent = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: task
    name: sync_child
    resourceArn: acs:fnf:::flow/${child}
    pattern: sync
    inputMappings:
      - target: value
        source: $input.v
  - type: task
    name: fire_and_forget
    resourceArn: acs:fnf:::flow/${child}
    serviceParams:
      ExecutionName: fire-1
      Input: $
    outputMappings:
      - target: started
        source: $local.ExecutionName
`);
    const d = await ctx.h.run(parent, { v: 7 });
    expect(d.Status).toBe('Succeeded');
    expect(out(d)).toEqual({ child_saw: 7, started: 'fire-1' });
    expect((await ctx.h.finished(child, 'fire-1')).Status).toBe('Succeeded');
  });

  it("gives onEvent listeners each execution's events in id order when a sync child ends within the parent's step", async () => {
    const child = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: pass
    name: inner
`);
    // The wait puts the task's submission in a timer's transition, not the start's.
    const parent = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: wait
    name: pause
    duration: 1
  - type: task
    name: call
    resourceArn: acs:fnf:::flow/${child}
    pattern: sync
  - type: pass
    name: after
`);
    // A listener that calls the API mid-delivery (it starts another execution
    // when the parent submits its task) must not reorder what the next one sees.
    let started = 0;
    const offCaller = ctx.stack.engine.onEvent((e) => {
      if (e.flowName === parent && e.event.Type === 'TaskSubmitted') {
        ctx.stack.engine.startExecution({ FlowName: child, ExecutionName: `side-${started++}` });
      }
    });
    const seen = new Map<string, number[]>();
    const off = ctx.stack.engine.onEvent((e) => {
      const key = `${e.flowName}/${e.executionName}`;
      seen.set(key, [...(seen.get(key) ?? []), e.event.EventId]);
    });
    try {
      const name = await ctx.h.start(parent);
      await ctx.clock.advance(1_000);
      expect((await ctx.h.finished(parent, name)).Status).toBe('Succeeded');
    } finally {
      off();
      offCaller();
    }
    expect(started).toBe(1);
    const parents = [...seen].filter(([k]) => k.startsWith(`${parent}/`));
    expect(parents).toHaveLength(1);
    for (const [key, ids] of seen) {
      expect(ids, key).toEqual([...ids].sort((a, b) => a - b));
    }
  });

  it('lets a sync child-flow task wait on a child of that name already running, and lets no second parent', async () => {
    const child = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: wait
    name: w
    duration: 10
  - type: pass
    name: done
    outputMappings:
      - target: done
        source: yes
`);
    await ctx.h.start(child, {}, 'kid');
    const parentOf = async () =>
      ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: task
    name: call
    resourceArn: acs:fnf:::flow/${child}
    pattern: sync
    serviceParams:
      ExecutionName: kid
`);
    const parentA = await parentOf();
    const execA = await ctx.h.start(parentA);
    const parentB = await parentOf();
    const execB = await ctx.h.start(parentB);
    await ctx.h.settled();
    await ctx.clock.advance(11_000);
    expect((await ctx.h.finished(child, 'kid')).Status).toBe('Succeeded');
    const a = await ctx.h.finished(parentA, execA);
    expect(a.Status).toBe('Succeeded');
    expect(out(a)).toMatchObject({ done: 'yes' });
    // Only one task can wait on a child: the second parent's attempt fails at once.
    const b = await ctx.h.finished(parentB, execB);
    expect(b.Status).toBe('Failed');
    const last = (await ctx.h.history(parentB, execB)).at(-1);
    expect(JSON.parse(last?.EventDetail ?? '{}').error).toBe('fnf.ExecutionAlreadyExists');
  });

  it('starts a flow through action fnf:StartExecution with FlowName and Input in serviceParams', async () => {
    const child = await ctx.h.createFlow(
      'version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n',
    );
    const parent = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: task
    name: start_other
    action: fnf:StartExecution
    serviceParams:
      FlowName: ${child}
      ExecutionName: $.name
      Input: $
`);
    const d = await ctx.h.run(parent, { name: 'by-action' });
    expect(out(d)).toEqual({ FlowName: child, ExecutionName: 'by-action' });
    expect((await ctx.h.finished(child, 'by-action')).Status).toBe('Succeeded');
  });

  it('fails a child-flow task whose flow does not exist with fnf.FlowNotExists', async () => {
    const parent = await ctx.h.createFlow(
      catchingParent('acs:fnf:::flow/no_such_flow', 'fnf.FlowNotExists'),
    );
    const d = await ctx.h.run(parent);
    expect(out(d)).toEqual({ why: 'Flow  no_such_flow does not exist.' });
  });

  it('fails a sync child-flow task with the child error, which the parent can catch', async () => {
    const child = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: fail
    name: nope
    error: AuditErrorNeedsRetry
    cause: bad audit
`);
    const parent = await ctx.h.createFlow(
      catchingParent(`acs:fnf:::flow/${child}`, 'AuditErrorNeedsRetry', 'sync'),
    );
    const d = await ctx.h.run(parent);
    expect(out(d)).toEqual({ why: 'bad audit' });
  });

  it('resumes a waiting task when an execution started with its CallbackFnFTaskToken ends', async () => {
    const parent = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: task
    name: hand_off
    resourceArn: acs:mns:::/queues/steps-q/messages
    pattern: waitForCallback
    inputMappings:
      - target: token
        source: $context.task.token
`);
    const other = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: pass
    name: compute
    outputMappings:
      - target: answer
        source: $input.q
`);
    const exec = await ctx.h.start(parent);
    const m = await ctx.h.receive('steps-q');
    await ctx.fnf.call('StartExecution', {
      FlowName: other,
      ExecutionName: 'called-back',
      Input: JSON.stringify({ q: 42 }),
      CallbackFnFTaskToken: m.body.token,
    });
    const d = await ctx.h.finished(parent, exec);
    expect(out(d)).toEqual({ answer: 42 });
  });

  it('waits for a child flow that reports with the token passed as waitForCallback input', async () => {
    const child = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: task
    name: ask
    resourceArn: acs:mns:::/queues/steps-q/messages
    pattern: waitForCallback
    inputMappings:
      - target: token
        source: $context.task.token
      - target: parent_token
        source: $input.parent_token
`);
    const parent = await ctx.h.createFlow(`version: v1
type: flow
steps:
  - type: task
    name: sub
    resourceArn: acs:fnf:::flow/${child}
    pattern: waitForCallback
    inputMappings:
      - target: parent_token
        source: $context.task.token
`);
    const exec = await ctx.h.start(parent);
    const m = await ctx.h.receive('steps-q');
    await ctx.fnf.call('ReportTaskSucceeded', {
      TaskToken: m.body.parent_token,
      Output: '{"via":"parent"}',
    });
    const d = await ctx.h.finished(parent, exec);
    expect(out(d)).toEqual({ via: 'parent' });
    await ctx.fnf.call('ReportTaskSucceeded', { TaskToken: m.body.token, Output: '{}' });
  });
});
