// The independent model: an evaluator of the generated flows, written from the reference
// (fdl-fnf.md §2-5) and the choices docs/engine.md promises, not from the engine's code.
import type { Flow, Json, JsonObject, Step, TaskStep } from '../../../shared/fdl/types';
import { evaluateCondition, mapObject, stepInputPath } from './data';
import { Simulation } from './sim';
import { type Answer, type FlowCase, noCoverage, type RunResult, taskKey } from './types';

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
  /** The foreach indexes the steps run under, outermost first. */
  indexes: readonly number[];
}

/** The token the model cannot know; it only ever reaches a task's own input. */
const TOKEN = '<token>';

/** Runs `c` through the model: the execution's end and every task attempt it schedules. */
export async function evaluate(
  c: FlowCase,
): Promise<{ result: RunResult; coverage: ReturnType<typeof noCoverage> }> {
  const coverage = noCoverage();
  const sim = new Simulation(c.script, coverage);
  const main = runFlow(c.flow, c.input, { sim, indexes: [] });
  const end = await sim.run(main);
  const schedules = sim.schedules;
  if (end.ok) return { result: { status: 'Succeeded', output: end.value, schedules }, coverage };
  if (end.error instanceof Failure) {
    return {
      result: { status: 'Failed', error: end.error.error, cause: end.error.cause, schedules },
      coverage,
    };
  }
  throw end.error;
}

/** The flow's output is its `$local`: the merged outputs of the top-level steps (§3.1). */
async function runFlow(flow: Flow, input: JsonObject, scope: Scope): Promise<JsonObject> {
  return (await runSteps(flow.steps, input, scope)).local;
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
    const r = await runStep(step, stepInput, input, local, scope);
    Object.assign(local, r.output);
    if (r.succeeded) return { local, succeeded: true };
    if (r.goto !== undefined) {
      i = steps.findIndex((s) => s.name === r.goto);
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
      await sim.sleep(Number(step.duration));
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
          return runSteps(step.steps, iterationInput, { sim, indexes: [...scope.indexes, i] });
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
  const matches = (errors: readonly string[], e: string) =>
    errors.includes(e) || errors.includes('FnF.ALL');
  for (;;) {
    const roots = { input: parentInput, local: parentLocal, context: { task: { token: TOKEN } } };
    const input = step.inputMappings
      ? mapObject(step.inputMappings, roots)
      : { ...parentInput, ...parentLocal };
    const reply = sim.task(step.name, scope.indexes, taskKey(step.name, scope.indexes));
    const answer = step.timeoutSeconds
      ? await withTimeout(reply, step.timeoutSeconds, sim)
      : await reply;
    if ('silent' in answer) throw new Error('the model resolved a silent answer');
    if (answer.ok) {
      return { output: outputOf(step, input, answer.output, answer.output) };
    }
    const policy = (step.retry ?? []).findIndex((p) => matches(p.errors, answer.error));
    const p = step.retry?.[policy];
    if (p && (retried[policy] ?? 0) < (p.maxAttempts ?? 3)) {
      const n = (retried[policy] ?? 0) + 1;
      retried[policy] = n;
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
