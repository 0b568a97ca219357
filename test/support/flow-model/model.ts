// The independent model: an evaluator of the generated flows, written from the reference
// (fdl-fnf.md §2-5) and the choices docs/engine.md promises, not from the engine's code.
import type { Flow, Json, JsonObject, Step, TaskStep, WaitStep } from '../../../shared/fdl/types';
import { evaluateCondition, mapObject, stepInputPath } from './data';
import { Simulation } from './sim';
import {
  type Answer,
  type FlowCase,
  type LateReport,
  lateText,
  noCoverage,
  type RunResult,
  TIME_BASE,
  taskKey,
} from './types';

/** A failure climbing to the execution (a fail step, or a task error nothing handles). */
class Failure {
  constructor(
    readonly error: string,
    readonly cause: string | undefined,
  ) {}
}

/** What one step leaves: its output, a goto, or that a succeed step ended the sequences. */
interface StepOutcome {
  output: JsonObject;
  goto?: string;
  succeeded?: boolean;
}

interface Scope {
  sim: Simulation;
  /** Steps run so far: a generated loop that does not end is the model's bug, not a hang. */
  steps: { n: number };
  /** The foreach indexes the steps run under, outermost first. */
  indexes: readonly number[];
}

/** The token the model cannot know; it only ever reaches a task's own input. */
const TOKEN = '<token>';

/** Most steps one run may take; the generated loops turn at most a few times. */
const MAX_STEP_RUNS = 5_000;

/**
 * Runs `c` through the model: the execution's end, every task attempt it schedules, and the
 * late reports the driver is to send (each must get TaskAlreadyCompleted, §5).
 */
export async function evaluate(c: FlowCase): Promise<{
  result: RunResult;
  coverage: ReturnType<typeof noCoverage>;
  late: LateReport[];
}> {
  const coverage = noCoverage();
  const sim = new Simulation(c, coverage);
  const main = runFlow(c.flow, c.input, { sim, steps: { n: 0 }, indexes: [] });
  const end = await sim.run(main);
  const { schedules, inputs } = sim;
  const plan = sim.late;
  const late = plan.map((l) => lateText(l));
  if (end.ok) {
    return {
      result: { status: 'Succeeded', output: end.value, schedules, inputs, late },
      coverage,
      late: plan,
    };
  }
  if (end.error instanceof Failure) {
    const { error, cause } = end.error;
    return {
      result: { status: 'Failed', error, cause, schedules, inputs, late },
      coverage,
      late: plan,
    };
  }
  throw end.error;
}

/**
 * The flow's input is its inputMappings over the execution input (`$local` is empty there),
 * or that input; its output is its outputMappings over that input and its `$local` (the
 * merged outputs of the top-level steps), or that local (§1, §3.1, §9 "Flow level").
 */
async function runFlow(flow: Flow, executionInput: JsonObject, scope: Scope): Promise<JsonObject> {
  const { coverage } = scope.sim;
  if (flow.inputMappings) coverage.flowInputs++;
  if (flow.outputMappings) coverage.flowOutputs++;
  const input = flow.inputMappings
    ? mapObject(flow.inputMappings, { input: executionInput, local: {} })
    : executionInput;
  const { local } = await runSteps(flow.steps, input, scope);
  return flow.outputMappings ? mapObject(flow.outputMappings, { input, local }) : local;
}

/**
 * One `steps` list: each step's input is its mappings over the parent's input and local, or
 * the two merged (local wins); each output is merged into the local (later wins).
 */
async function runSteps(
  steps: readonly Step[],
  input: JsonObject,
  scope: Scope,
): Promise<{ local: JsonObject; succeeded?: boolean }> {
  const local: JsonObject = {};
  for (let i = 0; i < steps.length; ) {
    const step = steps[i] as Step;
    const stepInput = step.inputMappings
      ? mapObject(step.inputMappings, { input, local })
      : { ...input, ...local };
    if (++scope.steps.n > MAX_STEP_RUNS) throw new Error('the model ran a generated loop too long');
    if (step.inputMappings && ['choice', 'parallel', 'foreach'].includes(step.type)) {
      scope.sim.coverage.containerInputs++;
    }
    const r = await runStep(step, stepInput, input, local, scope);
    Object.assign(local, r.output);
    if (r.succeeded) return { local, succeeded: true };
    // A goto may name any sibling, earlier ones too (§2.1): the list runs on from there, its
    // local kept; the step jumped to runs anew (a task with new attempts and fresh retry counters).
    if (r.goto !== undefined) {
      const to = steps.findIndex((s) => s.name === r.goto);
      if (to <= i && step.type === 'choice') scope.sim.coverage.loopsBack++;
      if (to <= i && step.type === 'task') scope.sim.coverage.catchesBack++;
      i = to;
      continue;
    }
    if ('end' in step && step.end) break;
    i++;
  }
  return { local };
}

/** The output a step's outputMappings build over its input and local, or `fallback`. */
function outputOf(step: Step, input: JsonObject, local: Json, fallback: JsonObject): JsonObject {
  return step.outputMappings ? mapObject(step.outputMappings, { input, local }) : fallback;
}

async function runStep(
  step: Step,
  input: JsonObject,
  parentInput: JsonObject,
  parentLocal: JsonObject,
  scope: Scope,
): Promise<StepOutcome> {
  const { sim } = scope;
  switch (step.type) {
    case 'pass':
      return { output: outputOf(step, input, {}, {}) };
    case 'wait':
      sim.coverage.waits++;
      await wait(step, input, sim);
      return { output: outputOf(step, input, {}, {}) };
    case 'succeed':
      sim.coverage.succeeds++;
      return { output: outputOf(step, input, {}, {}), succeeded: true };
    case 'fail':
      sim.coverage.fails++;
      sim.ended = true;
      throw new Failure(step.error ?? 'FnF.Fail', step.cause ?? '');
    case 'task':
      return runTask(step, parentInput, parentLocal, scope);
    case 'choice': {
      const branch =
        step.choices.find((c) => evaluateCondition(c.condition, input)) ?? step.default;
      if (branch) sim.coverage.choices++;
      const r = branch?.steps ? await runSteps(branch.steps, input, scope) : { local: {} };
      const output = outputOf(step, input, r.local, r.local);
      if (r.succeeded) {
        sim.coverage.choiceSucceeds++;
        return { output, succeeded: true };
      }
      return branch?.goto ? { output, goto: branch.goto } : { output };
    }
    case 'parallel': {
      sim.coverage.parallels++;
      const locals = await fanOut(
        step.branches.map((b) => () => runSteps(b.steps, input, scope)),
        sim,
      );
      return { output: outputOf(step, input, locals, {}) };
    }
    case 'foreach': {
      const items = stepInputPath(input, step.iterationMapping.collection);
      if (!Array.isArray(items)) throw new Failure('model', 'foreach over a non-array');
      const { item, index } = step.iterationMapping;
      const locals = await fanOut(
        items.map((it, i) => () => {
          sim.coverage.iterations++;
          const iterationInput: JsonObject = {
            ...input,
            [item]: it,
            ...(index ? { [index]: i } : {}),
          };
          return runSteps(step.steps, iterationInput, {
            ...scope,
            indexes: [...scope.indexes, i],
          });
        }),
        sim,
      );
      return { output: outputOf(step, input, locals, {}) };
    }
  }
}

/**
 * Branches (or iterations) start in order; each runs until it waits before the next starts
 * (an await in the model is not a wait: `quiet` lets the branch run on to its task or timer).
 * A failure in one fails the step at once: the ones not started yet never start (§4.2.4,
 * docs/engine.md "Branch/iteration failure"). A succeed ends only its own branch.
 */
async function fanOut(
  starts: ReadonlyArray<() => Promise<{ local: JsonObject }>>,
  sim: Simulation,
): Promise<JsonObject[]> {
  const running: Array<Promise<{ local: JsonObject }>> = [];
  const level = ++sim.starting;
  try {
    for (const start of starts) {
      if (sim.ended) break;
      const p = start();
      p.catch(() => {});
      running.push(p);
      await sim.quiet(level);
    }
  } finally {
    sim.starting--;
  }
  return (await Promise.all(running)).map((r) => r.local);
}

/**
 * A waitForCallback task (§2.2, §4.2, §5): each attempt's input is the mappings over the
 * parent's input and local (the token from `$context`); an error goes to the first retry
 * policy naming it (or FnF.ALL) while that policy has retries left, waiting
 * min(interval * multiplier^(n-1), maxInterval); then to the first matching catch, whose
 * output is the errorMappings over `$local = {error, cause}`; else the task fails.
 */
async function runTask(
  step: TaskStep,
  parentInput: JsonObject,
  parentLocal: JsonObject,
  scope: Scope,
): Promise<StepOutcome> {
  const { sim } = scope;
  const retried = (step.retry ?? []).map(() => 0);
  // A task entered again (by a goto back) with attempts before: its counters start afresh.
  const rerun = sim.attempted(taskKey(step.name, scope.indexes));
  const matches = (errors: readonly string[], e: string) =>
    errors.includes(e) || errors.includes('FnF.ALL');
  for (;;) {
    const roots = { input: parentInput, local: parentLocal, context: { task: { token: TOKEN } } };
    const input = step.inputMappings
      ? mapObject(step.inputMappings, roots)
      : { ...parentInput, ...parentLocal };
    const key = taskKey(step.name, scope.indexes);
    const { id, reply } = sim.task(step.name, scope.indexes, key, input);
    const answer = step.timeoutSeconds
      ? await withTimeout(reply, step.timeoutSeconds, sim)
      : await reply;
    if ('error' in answer && answer.cause === undefined) sim.end(id, 'timed out');
    if ('silent' in answer) throw new Error('the model resolved a silent answer');
    if (answer.ok) {
      return { output: outputOf(step, input, answer.output, answer.output) };
    }
    const policy = (step.retry ?? []).findIndex((p) => matches(p.errors, answer.error));
    const p = step.retry?.[policy];
    if (p && (retried[policy] ?? 0) < (p.maxAttempts ?? 3)) {
      const n = (retried[policy] ?? 0) + 1;
      retried[policy] = n;
      if (n === 1 && rerun) sim.coverage.freshRetries++;
      const wait = Math.min(
        (p.intervalSeconds ?? 1) * (p.multiplier ?? 2) ** (n - 1),
        p.maxIntervalSeconds ?? 86400,
      );
      await sim.sleep(wait);
      continue;
    }
    const handler = (step.catch ?? []).find((c) => matches(c.errors, answer.error));
    if (handler) {
      sim.coverage.catches++;
      const local = { error: answer.error, cause: answer.cause ?? null };
      const output = step.errorMappings ? mapObject(step.errorMappings, { input, local }) : {};
      return { output, goto: handler.goto };
    }
    sim.ended = true;
    throw new Failure(answer.error, answer.cause);
  }
}

/** A task error the model has no cause text for (the reference names only the error). */
type Timeout = { ok: false; error: 'FnF.TaskTimeout'; cause: undefined };

/**
 * An attempt's answer, or FnF.TaskTimeout once `seconds` pass first (§2.2 timeoutSeconds,
 * §5 "Timeout"); the timeout's timer is armed when the attempt is scheduled.
 */
async function withTimeout(
  reply: Promise<Answer>,
  seconds: number,
  sim: Simulation,
): Promise<Answer | Timeout> {
  const timer = sim.timer(seconds);
  const timeout: Promise<Timeout> = timer.done.then(() => ({
    ok: false,
    error: 'FnF.TaskTimeout',
    cause: undefined,
  }));
  const answer = await Promise.race([reply, timeout]);
  timer.cancel();
  if ('error' in answer && answer.cause === undefined) sim.coverage.timeouts++;
  return answer;
}

/** A wait's `duration` or `timestamp`: a constant, or a `$.path` into the step input (§2.7). */
function waitValue(value: Json | undefined, input: JsonObject): Json | undefined {
  if (typeof value === 'string' && value.startsWith('$')) return stepInputPath(input, value);
  return value;
}

/**
 * A wait for a number of seconds, or until a timestamp: one already reached ends the step at
 * once (§2.7: "If it is already in the past, the step ends at once"; at the very instant
 * there is nothing left to wait for either). The generated timestamps count from TIME_BASE,
 * which the driver moves to the run's start.
 */
async function wait(step: WaitStep, input: JsonObject, sim: Simulation): Promise<void> {
  if (typeof step.duration === 'string') sim.coverage.waitPaths++;
  if (step.timestamp === undefined) {
    await sim.sleep(Number(waitValue(step.duration, input)));
    return;
  }
  sim.coverage.waitTimestamps++;
  const at = Date.parse(String(waitValue(step.timestamp, input))) - TIME_BASE;
  if (at <= sim.now) sim.coverage.waitsPast++;
  else await sim.until(at);
}
