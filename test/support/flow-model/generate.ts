// The seeded generator of small, valid FDL v1 flows, their input and the worker's script.
import type {
  CatchPolicy,
  Flow,
  JsonObject,
  Mapping,
  RetryPolicy,
  Step,
  TaskStep,
} from '../../../shared/fdl/types';
import { walkSteps } from '../../../shared/fdl/walk';
import { createRandom } from '../seeded-random';
import { type Answer, type FlowCase, QUEUE, type Script, timestampAt } from './types';

/** At most this many steps in one flow, containers and their children included. */
const MAX_STEPS = 15;
const ERRORS = ['E1', 'E2', 'E3'];
const POLICY_ERRORS = ['E1', 'E2', 'FnF.ALL', 'FnF.TaskTimeout'];
const CONDITIONS = [
  '$.v > 2',
  '$.v == 1',
  '$.v <= 3',
  '$.s == "x"',
  '$.s != "y"',
  '$.v >= 1 && $.s == "y"',
  '$.v < 2 || $.s == "x"',
  '$.b',
  '$.b != 1',
  '$.b == null',
  '$.vs[0] >= 2',
  '$.vs[1] == $.v',
];

interface Ctx {
  r: () => number;
  pick: <T>(a: readonly T[]) => T;
  int: (lo: number, hi: number) => number;
  names: number;
  budget: number;
  script: Script;
  /** Tasks with a catch back to an earlier step: their answers do not wrap around. */
  finite: Set<string>;
}

/** The case for `seed`: every run of the same seed builds the same flow and script. */
export function generateCase(seed: number, sdk = false): FlowCase {
  const r = createRandom(seed);
  const ctx: Ctx = {
    r,
    pick: (a) => a[Math.floor(r() * a.length)] as (typeof a)[number],
    int: (lo, hi) => lo + Math.floor(r() * (hi - lo + 1)),
    names: 0,
    budget: MAX_STEPS,
    script: {},
    finite: new Set(),
  };
  // A nested list always gets a step, even past the budget: draw again until the flow fits.
  let steps = genSteps(ctx, 0, 0, ctx.int(2, 5));
  while (countSteps(steps) > MAX_STEPS) {
    Object.assign(ctx, { names: 0, budget: MAX_STEPS, script: {}, finite: new Set() });
    steps = genSteps(ctx, 0, 0, ctx.int(2, 5));
  }
  const flow: Flow = { version: 'v1', type: 'flow', steps };
  // The flow's own mappings keep what the steps read (a foreach's array, a wait's path).
  if (ctx.r() < 0.3) {
    flow.inputMappings = [
      { target: 'v', source: ctx.pick(['$input.v', 1, 4]) },
      ...carried(),
      ...(ctx.r() < 0.5 ? [{ target: 'b', source: ctx.pick([0, 1, '$input.nothing']) }] : []),
    ];
  }
  if (ctx.r() < 0.3) {
    flow.outputMappings = [
      { target: 'res', source: ctx.pick(['$local', '$local.v', '$local.vs']) },
      { target: 'in', source: ctx.pick(['$input.v', '$input.s']) },
    ];
  }
  const input: JsonObject = {
    v: ctx.int(0, 4),
    s: ctx.pick(['x', 'y']),
    arr: Array.from({ length: ctx.int(0, 3) }, () => ctx.int(0, 9)),
    wd: ctx.int(1, 20),
    ts: timestampAt(ctx.int(-5, 40)),
  };
  const extra = {
    ...(ctx.finite.size > 0 ? { finite: [...ctx.finite] } : {}),
    ...(ctx.r() < 0.5 ? { late: true } : {}),
  };
  return { seed, flow, input, script: ctx.script, sdk, ...extra };
}

/** What a step with inputMappings passes on so that the steps under it still find their data. */
function carried(loops = 0): Mapping[] {
  return [
    { target: 's', source: '$input.s' },
    { target: 'arr', source: '$input.arr' },
    { target: 'wd', source: '$input.wd' },
    { target: 'ts', source: '$input.ts' },
    // The foreach indexes: the tasks under a nested step name their instance with them.
    ...Array.from({ length: loops }, (_, d) => ({ target: `i${d}`, source: `$input.i${d}` })),
  ];
}

/** inputMappings for a choice, parallel or foreach step, or none. */
function containerInput(ctx: Ctx, loops: number): { inputMappings?: Mapping[] } {
  if (ctx.r() >= 0.3) return {};
  return {
    inputMappings: [
      { target: 'v', source: ctx.pick(['$input.v', '$local.v', 7, 8]) },
      ...carried(loops),
    ],
  };
}

/** The steps of a list, those nested in its steps included. */
function countSteps(steps: Step[]): number {
  let n = 0;
  walkSteps({ steps }, () => n++);
  return n;
}

/** A steps list of up to `len` steps; `depth` counts enclosing containers, `loops` foreach ones. */
function genSteps(ctx: Ctx, depth: number, loops: number, len: number, inChoice = false): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < len && ctx.budget > 0; i++) {
    const last = i === len - 1 || ctx.budget === 1;
    if (!last && ctx.budget > 4 && ctx.r() < 0.12) {
      out.push(...genLoop(ctx, depth, loops, inChoice));
      continue;
    }
    out.push(genStep(ctx, depth, loops, last, inChoice));
    const prev = out[out.length - 1] as Step;
    if (prev.type === 'succeed' || prev.type === 'fail') break;
  }
  if (out.length === 0) out.push(genPass(ctx));
  wireGotos(ctx, out);
  return out;
}

function genStep(ctx: Ctx, depth: number, loops: number, last: boolean, inChoice: boolean): Step {
  ctx.budget--;
  const x = ctx.r();
  const nest = depth < 2 && ctx.budget > 2;
  if (x < 0.3) return genTask(ctx, loops);
  if (x < 0.42) return genPass(ctx);
  if (x < 0.5) return genWait(ctx);
  if (x < 0.6 && nest) return genChoice(ctx, depth, loops);
  if (x < 0.7 && nest) return genParallel(ctx, depth, loops);
  if (x < 0.8 && nest && loops < 2) return genForeach(ctx, depth, loops);
  // succeed is always the last step of its list; in a choice branch it also ends the lists
  // around the choice, up to the branch, iteration or flow (docs/engine.md).
  if (x < 0.87 && last && (!inChoice || ctx.r() < 0.5)) {
    return {
      type: 'succeed',
      name: name(ctx, 'ok'),
      ...maybe(ctx, 0.5, 'outputMappings', [{ target: 'a', source: '$input.v' }]),
    };
  }
  if (x < 0.94 && last) {
    return {
      type: 'fail',
      name: name(ctx, 'no'),
      ...maybe(ctx, 0.7, 'error', ctx.pick(['F1', 'F2'])),
      ...maybe(ctx, 0.6, 'cause', ctx.pick(['because', 'why not'])),
    };
  }
  return ctx.r() < 0.5 ? genTask(ctx, loops) : genPass(ctx);
}

function name(ctx: Ctx, prefix: string): string {
  return `${prefix}${++ctx.names}`;
}

/** `{[key]: value}` with probability p, else `{}`: for optional fields. */
function maybe<K extends string, V>(ctx: Ctx, p: number, key: K, value: V): { [k in K]?: V } {
  return (ctx.r() < p ? { [key]: value } : {}) as { [k in K]?: V };
}

function genPass(ctx: Ctx): Step {
  const inputMappings: Mapping[] | undefined =
    ctx.r() < 0.5
      ? [
          { target: 'v', source: ctx.pick(['$input.v', '$input.b', '$local.v', 3, 0]) },
          { target: 'k', source: ctx.pick(['const', 7, ['A', 'B']]) },
        ]
      : undefined;
  const outputMappings: Mapping[] | undefined =
    ctx.r() < 0.7
      ? [
          { target: ctx.pick(['v', 'b']), source: ctx.pick(['$input.v', '$input.b', 1, 4]) },
          ...(ctx.r() < 0.5 ? [{ target: 's', source: ctx.pick(['x', 'y', '$input.s']) }] : []),
          ...(ctx.r() < 0.3 ? [{ target: 'gone', source: '$local.nothing' }] : []),
        ]
      : undefined;
  return {
    type: 'pass',
    name: name(ctx, 'p'),
    ...(inputMappings ? { inputMappings } : {}),
    ...(outputMappings ? { outputMappings } : {}),
  };
}

/**
 * A wait for a constant duration, a duration read by `$.path` from the step input (the
 * flow's `wd`, or the step's own inputMappings), or until a timestamp: the flow's `ts`, or a
 * constant; either may be already past when the step is reached.
 */
function genWait(ctx: Ctx): Step {
  const n = name(ctx, 'w');
  const x = ctx.r();
  if (x < 0.4) return { type: 'wait', name: n, duration: ctx.int(1, 20) };
  if (x < 0.7) {
    const own = ctx.r() < 0.5;
    return {
      type: 'wait',
      name: n,
      duration: '$.wd',
      ...(own ? { inputMappings: [{ target: 'wd', source: ctx.int(1, 20) }] } : {}),
    };
  }
  const timestamp = ctx.r() < 0.5 ? '$.ts' : timestampAt(ctx.int(-3, 30));
  return { type: 'wait', name: n, timestamp };
}

/**
 * A loop: a pass step that shifts a counter (`k1` is set, each `kj` takes the `k(j-1)` it
 * saw), one or two steps, and a choice that jumps back to the pass step while `kN` is not
 * set yet: the steps run N times (1 to 4), the jump back is taken N-1 times.
 */
function genLoop(ctx: Ctx, depth: number, loops: number, inChoice: boolean): Step[] {
  const id = ++ctx.names;
  const key = (j: number) => `k${id}n${j}`;
  ctx.budget -= 2;
  const shift: Step = {
    type: 'pass',
    name: `lp${id}`,
    outputMappings: [1, 2, 3, 4].map((j) => ({
      target: key(j),
      source: j === 1 ? 1 : `$input.${key(j - 1)}`,
    })),
  };
  const body = Array.from({ length: ctx.int(1, 2) }, () =>
    genStep(ctx, depth, loops, false, inChoice),
  );
  const back: Step = {
    type: 'choice',
    name: `loop${id}`,
    choices: [{ condition: `$.${key(ctx.int(1, 4))} == null`, goto: shift.name }],
  };
  return [shift, ...body, back];
}

function genAnswer(ctx: Ctx, timeout: boolean): Answer {
  if (timeout && ctx.r() < 0.3) return { ok: false, silent: true };
  if (ctx.r() < 0.55) {
    const output: JsonObject = { v: ctx.int(0, 4), s: ctx.pick(['x', 'y']) };
    if (ctx.r() < 0.4) output.b = ctx.int(0, 2);
    return { ok: true, output };
  }
  return { ok: false, error: ctx.pick(ERRORS), cause: `cause ${ctx.int(1, 99)}` };
}

function genTask(ctx: Ctx, loops: number): TaskStep {
  const n = name(ctx, 't');
  // Only a task with a timeout may get a worker that never reports.
  const timeoutSeconds = ctx.r() < 0.3 ? ctx.int(1, 12) : undefined;
  ctx.script[n] = Array.from({ length: ctx.int(1, 4) }, () => genAnswer(ctx, !!timeoutSeconds));
  const inputMappings: Mapping[] = [
    { target: 'token', source: '$context.task.token' },
    { target: 'step', source: n },
    ...Array.from({ length: loops }, (_, d) => ({ target: `i${d}`, source: `$input.i${d}` })),
  ];
  if (ctx.r() < 0.5) inputMappings.push({ target: 'v', source: '$input.v' });
  const step: TaskStep = {
    type: 'task',
    name: n,
    resourceArn: `acs:mns:::/queues/${QUEUE}/messages`,
    pattern: 'waitForCallback',
    inputMappings,
    ...(timeoutSeconds ? { timeoutSeconds } : {}),
  };
  if (ctx.r() < 0.4) {
    step.outputMappings = [
      { target: 'v', source: '$local.v' },
      { target: ctx.pick(['b', 'c']), source: ctx.pick(['$local.b', '$input.v', 2]) },
    ];
  }
  if (ctx.r() < 0.55) step.retry = Array.from({ length: ctx.int(1, 2) }, () => genRetry(ctx));
  // The catch policies are filled in by wireGotos once the step's siblings are known.
  if (ctx.r() < 0.55) step.catch = [{ errors: [ctx.pick(POLICY_ERRORS)], goto: '' }];
  if (step.catch && ctx.r() < 0.6) {
    step.errorMappings = [
      { target: 'err', source: '$local.error' },
      // A timeout's cause is the engine's own text: mapped only where no timeout can happen.
      {
        target: ctx.pick(['why', 's']),
        source: timeoutSeconds ? '$input.v' : ctx.pick(['$local.cause', '$input.v']),
      },
    ];
  }
  return step;
}

function genRetry(ctx: Ctx): RetryPolicy {
  const p: RetryPolicy = {
    errors: Array.from(new Set([ctx.pick(POLICY_ERRORS), ctx.pick(POLICY_ERRORS)])),
  };
  if (ctx.r() < 0.7) p.intervalSeconds = ctx.int(1, 6);
  if (ctx.r() < 0.7) p.maxAttempts = ctx.int(0, 3);
  if (ctx.r() < 0.6) p.multiplier = ctx.pick([1, 1.5, 2, 3]);
  if (ctx.r() < 0.4) p.maxIntervalSeconds = ctx.int(2, 10);
  return p;
}

function genChoice(ctx: Ctx, depth: number, loops: number): Step {
  const branches = ctx.int(1, 2);
  const choices = Array.from({ length: branches }, () => ({
    condition: ctx.pick(CONDITIONS),
    steps: genSteps(ctx, depth + 1, loops, ctx.int(1, 2), true),
    goto: '',
  }));
  const step: Step = {
    type: 'choice',
    name: name(ctx, 'c'),
    ...containerInput(ctx, loops),
    choices,
  };
  if (ctx.r() < 0.6) {
    step.default = { steps: genSteps(ctx, depth + 1, loops, 1, true) };
  }
  if (ctx.r() < 0.3) step.outputMappings = [{ target: 'b', source: '$local.v' }];
  return step;
}

function genParallel(ctx: Ctx, depth: number, loops: number): Step {
  const branches = Array.from({ length: ctx.int(2, 3) }, () => ({
    steps: genSteps(ctx, depth + 1, loops, ctx.int(1, 2)),
  }));
  return {
    type: 'parallel',
    name: name(ctx, 'par'),
    ...containerInput(ctx, loops),
    branches,
    ...maybe(ctx, 0.6, 'outputMappings', [{ target: 'vs', source: '$local[*].v' }]),
  };
}

function genForeach(ctx: Ctx, depth: number, loops: number): Step {
  return {
    type: 'foreach',
    name: name(ctx, 'each'),
    ...containerInput(ctx, loops),
    iterationMapping: { collection: '$.arr', item: `it${loops}`, index: `i${loops}` },
    steps: genSteps(ctx, depth + 1, loops + 1, ctx.int(1, 2)),
    ...maybe(ctx, 0.6, 'outputMappings', [{ target: 'vs', source: '$local[*].v' }]),
  };
}

/**
 * Points choice gotos at later siblings (a loop's choice keeps its jump back) and catch
 * gotos at later siblings or, now and then, back at the task itself or an earlier sibling;
 * such a task's answers do not wrap around, so it fails at most as often as its list says
 * and every flow ends. Drops gotos with no target; marks a few steps `end: true`.
 */
function wireGotos(ctx: Ctx, list: Step[]): void {
  list.forEach((step, i) => {
    const later = list.slice(i + 1).map((s) => s.name);
    if (step.type === 'task' && step.catch) {
      const back = ctx.r() < 0.5;
      if (back) {
        ctx.finite.add(step.name);
        // Failures enough to go round more than once, and a retry policy that would run out
        // on the second round if its counter were not started afresh.
        const fails = Array.from({ length: ctx.int(1, 3) }, () => ({
          ok: false as const,
          error: ctx.pick(ERRORS),
          cause: `cause ${ctx.int(1, 99)}`,
        }));
        ctx.script[step.name] = [...fails, ...(ctx.script[step.name] ?? [])];
        step.retry ??= [{ errors: ['FnF.ALL'], maxAttempts: ctx.int(1, 2) }];
      }
      const targets = back ? list.slice(0, i + 1).map((s) => s.name) : later;
      const target = targets.length > 0 ? ctx.pick(targets) : undefined;
      if (target) step.catch = step.catch.map((c): CatchPolicy => ({ ...c, goto: target }));
      else {
        delete step.catch;
        delete step.errorMappings;
      }
    }
    if (step.type === 'choice' && !step.name.startsWith('loop')) {
      for (const c of step.choices) {
        if (later.length > 0 && ctx.r() < 0.4) c.goto = ctx.pick(later);
        else delete c.goto;
      }
      if (step.default && later.length > 0 && ctx.r() < 0.3) step.default.goto = ctx.pick(later);
    }
    const endable = step.type !== 'succeed' && step.type !== 'fail';
    if (endable && i < list.length - 1 && ctx.r() < 0.1) (step as { end?: boolean }).end = true;
  });
}
