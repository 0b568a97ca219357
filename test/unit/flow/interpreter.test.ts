import { describe, expect, it } from 'vitest';
import {
  drive,
  type EmitEvent,
  type InterpreterHost,
  initialState,
} from '../../../local/flow/interpreter';
import { CLOUD_LIMITS } from '../../../local/flow/limits';
import { type ExecState, findTask } from '../../../local/flow/state';
import { parseFlow } from '../../../shared/fdl/parse';
import type { Flow, JsonObject } from '../../../shared/fdl/types';

/** A fake host: records events and timers; tasks wait until the test completes them. */
function fakeHost(yaml: string) {
  const parsed = parseFlow(yaml);
  if (!parsed.flow) throw new Error(JSON.stringify(parsed.problems));
  const flow: Flow = parsed.flow;
  let now = 0;
  const events: EmitEvent[] = [];
  const timers = new Map<string, number>();
  const submitted: Array<{ step: string; input: JsonObject }> = [];
  let state: ExecState | undefined;
  const host: InterpreterHost = {
    flow,
    flowName: 'f',
    executionName: 'e',
    limits: CLOUD_LIMITS,
    now: () => now,
    allocId: () => (state as ExecState).nextEventId++,
    emit: (e) => {
      const id = e.id ?? (state as ExecState).nextEventId++;
      events.push({ ...e, id });
      return id;
    },
    token: (id) => `token-${id}`,
    armTimer: (key, at) => timers.set(key, at),
    cancelTimer: (key) => timers.delete(key),
    submit: (run, step, input) => {
      run.phase = 'waiting';
      submitted.push({ step: step.name, input });
    },
  };
  return {
    host,
    events,
    timers,
    submitted,
    start(input: JsonObject = {}) {
      state = initialState(input);
      return drive(state, host);
    },
    /** Completes the waiting attempt of `step` and drives on. */
    complete(
      step: string,
      outcome: { ok: true; local: JsonObject } | { ok: false; error: string; cause: string },
    ) {
      const s = state as ExecState;
      const run = findTask(s.root, (r) => r.name === step && r.phase === 'waiting' && !r.outcome);
      if (!run) throw new Error(`${step} is not waiting`);
      run.outcome = outcome;
      return drive(s, host);
    },
    /** Fires the earliest timer (moving the fake time) and drives on. */
    fireNext() {
      const [key, at] = [...timers.entries()].sort((a, b) => a[1] - b[1])[0] ?? [];
      if (!key || at === undefined) throw new Error('no timer');
      timers.delete(key);
      now = at;
      const s = state as ExecState;
      const id = Number(key.split(':')[1]);
      const run = findTask(s.root, (r) => r.enteredId === id);
      if (run && key.startsWith('retry:')) run.retryDue = true;
      return { key, at, result: drive(s, host) };
    },
  };
}

/** One callback task `t` that maps its token into the input; `extra` goes after that mapping. */
const tokenTask = (extra: string) => `version: v1
type: flow
steps:
  - type: task
    name: t
    resourceArn: acs:mns:::/queues/q/messages
    pattern: waitForCallback
    inputMappings:
      - target: token
        source: $context.task.token
${extra}
`;

describe('the interpreter over a fake host', () => {
  it('maps the token into the task input and resumes with the reported output', () => {
    const f = fakeHost(
      tokenTask(`      - target: who
        source: $context.execution.name`),
    );
    expect(f.start()).toEqual({ state: 'blocked' });
    expect(f.submitted).toEqual([{ step: 't', input: { token: 'token-2', who: 'e' } }]);
    expect(f.complete('t', { ok: true, local: { done: 1 } })).toEqual({
      state: 'succeeded',
      output: { done: 1 },
    });
    expect(f.events.map((e) => e.type)).toEqual(['StepEntered', 'TaskScheduled', 'StepExited']);
  });

  it('backs off min(interval * multiplier^(n-1), max) between attempts, each with a new token', () => {
    const f = fakeHost(
      tokenTask(`    retry:
      - errors: [Flaky]
        intervalSeconds: 10
        multiplier: 2
        maxIntervalSeconds: 30
        maxAttempts: 3`),
    );
    f.start();
    const delays: number[] = [];
    let last = 0;
    for (let i = 0; i < 3; i++) {
      f.complete('t', { ok: false, error: 'Flaky', cause: `#${i}` });
      const fired = f.fireNext();
      delays.push(fired.at - last);
      last = fired.at;
    }
    expect(delays).toEqual([10_000, 20_000, 30_000]);
    expect(new Set(f.submitted.map((s) => s.input.token)).size).toBe(4);
    expect(f.complete('t', { ok: false, error: 'Flaky', cause: 'last' })).toEqual({
      state: 'failed',
      error: 'Flaky',
      cause: 'last',
    });
  });

  it('starts at most 100 foreach iterations and the next ones as earlier ones finish', () => {
    const f = fakeHost(`version: v1
type: flow
steps:
  - type: foreach
    name: each
    iterationMapping:
      collection: $.items
      item: item
    steps:
      - type: task
        name: t
        resourceArn: acs:mns:::/queues/q/messages
        pattern: waitForCallback
`);
    f.start({ items: Array.from({ length: 120 }, (_, i) => i) });
    expect(f.submitted).toHaveLength(100);
    f.complete('t', { ok: true, local: {} });
    expect(f.submitted).toHaveLength(101);
    expect(f.submitted.at(-1)?.input.item).toBe(100);
  });
});
