import { evaluateCondition, parseCondition } from '../../shared/fdl/condition';
import { applyMappings, defaultStepInput } from '../../shared/fdl/mappings';
import { evaluatePath, isObject } from '../../shared/fdl/path';
import type {
  ChoiceStep,
  Flow,
  ForeachStep,
  Json,
  JsonObject,
  Mapping,
  ParallelStep,
  Step,
  TaskStep,
  WaitStep,
} from '../../shared/fdl/types';
import { FlowFailure } from './errors';
import type { FlowLimits } from './limits';
import { jsonBytes } from './limits';
import type {
  ChoiceRun,
  ExecState,
  ForeachRun,
  ParallelRun,
  SeqFrame,
  StepRun,
  TaskRun,
  WaitRun,
} from './state';

/** A history event as the interpreter emits it. */
export interface EmitEvent {
  type: string;
  stepName: string;
  detail: JsonObject;
  scheduleEventId?: number;
  /** A preallocated id (TaskScheduled ids are reserved before the token is minted). */
  id?: number;
}

/** What the interpreter needs from the engine during one transition. */
export interface InterpreterHost {
  readonly flow: Flow;
  readonly flowName: string;
  readonly executionName: string;
  readonly limits: FlowLimits;
  now(): number;
  allocId(): number;
  emit(event: EmitEvent): number;
  token(eventId: number): string;
  armTimer(key: string, atMs: number): void;
  cancelTimer(key: string): void;
  /**
   * Submits one task attempt (send the message, start the child, invoke the
   * function). Sets `run.outcome` at once for requestResponse integrations that
   * finish synchronously, or sets `run.phase` to wait.
   */
  submit(run: TaskRun, step: TaskStep, input: JsonObject): void;
}

/** How the root sequence ended. */
export type DriveResult =
  | { state: 'blocked' }
  | { state: 'succeeded'; output: JsonObject }
  | { state: 'failed'; error: string; cause: string };

type SeqResult = { state: 'blocked' } | { state: 'done'; succeed: boolean };
type Completion = { local: JsonObject; output?: JsonObject; goto?: string; succeed?: boolean };

/** The state of a fresh execution (nothing entered yet). */
export function initialState(flowInput: JsonObject): ExecState {
  return {
    nextEventId: 1,
    flowInput,
    root: { path: ['steps'], idx: 0, input: flowInput, local: {} },
  };
}

/** Advances the execution as far as it can go without waiting. */
export function drive(state: ExecState, host: InterpreterHost): DriveResult {
  try {
    const r = runSeq(state.root, host);
    if (r.state === 'blocked') return r;
    const flow = host.flow;
    const output = flow.outputMappings
      ? applyMappings(flow.outputMappings, { input: state.flowInput, local: state.root.local })
      : state.root.local;
    return { state: 'succeeded', output };
  } catch (err) {
    const f = toFailure(err);
    return { state: 'failed', error: f.error, cause: f.detail };
  }
}

/** Cancels every timer armed under `frame` (a cancelled branch or a stopped execution). */
export function cancelFrame(frame: SeqFrame, host: InterpreterHost): void {
  const run = frame.step;
  if (!run) return;
  cancelRunTimers(run, host);
  if (run.kind === 'choice') cancelFrame(run.frame, host);
  else if (run.kind === 'parallel') {
    for (const b of run.branches) if (b.frame) cancelFrame(b.frame, host);
  } else if (run.kind === 'foreach') {
    for (const it of Object.values(run.running)) cancelFrame(it.frame, host);
  }
}

function cancelRunTimers(run: StepRun, host: InterpreterHost): void {
  if (run.kind === 'task') {
    host.cancelTimer(timeoutKey(run.scheduledId));
    host.cancelTimer(retryKey(run.enteredId));
  } else if (run.kind === 'wait') host.cancelTimer(waitKey(run.enteredId));
}

/** Timer key of a task attempt's timeout. */
export const timeoutKey = (scheduledId: number) => `timeout:${scheduledId}`;
/** Timer key of a task's retry backoff. */
export const retryKey = (enteredId: number) => `retry:${enteredId}`;
/** Timer key of a wait step. */
export const waitKey = (enteredId: number) => `wait:${enteredId}`;

function toFailure(err: unknown): FlowFailure {
  if (err instanceof FlowFailure) return err;
  return new FlowFailure('FnF.RuntimeError', err instanceof Error ? err.message : String(err));
}

function stepsAt(flow: Flow, path: Array<string | number>): Step[] {
  let node: unknown = flow;
  for (const key of path) node = (node as Record<string | number, unknown>)?.[key];
  if (!Array.isArray(node))
    throw new FlowFailure('FnF.RuntimeError', `no steps at ${path.join('.')}`);
  return node as Step[];
}

function runSeq(frame: SeqFrame, host: InterpreterHost): SeqResult {
  const steps = stepsAt(host.flow, frame.path);
  // Steps that finish on entry keep no run in the frame; their id and input come out here.
  const box: EnterBox = { enteredId: 0, input: {} };
  for (;;) {
    let completion: Completion | 'blocked';
    let step: Step | undefined;
    if (frame.step) {
      step = steps[frame.idx];
      if (!step) throw new FlowFailure('FnF.RuntimeError', 'step vanished from the definition');
      completion = guard(step, frame.step.enteredId, host, () =>
        advance(frame, step as Step, frame.step as StepRun, host),
      );
      if (completion === 'blocked') return { state: 'blocked' };
    } else {
      if (frame.idx >= steps.length) return { state: 'done', succeed: false };
      step = steps[frame.idx] as Step;
      box.enteredId = host.allocId();
      const id = box.enteredId;
      completion = guard(step, id, host, () => enter(frame, step as Step, id, host, box));
      if (completion === 'blocked') return { state: 'blocked' };
    }
    const run = frame.step;
    const enteredId = run?.enteredId ?? box.enteredId;
    const input = run?.input ?? box.input;
    frame.step = undefined;
    const output =
      completion.output ??
      (step.outputMappings
        ? applyMappings(step.outputMappings, { input, local: completion.local })
        : step.type === 'parallel' || step.type === 'foreach'
          ? {}
          : completion.local);
    checkSize(host, step.name, input, completion.local, output);
    host.emit({
      type: 'StepExited',
      stepName: step.name,
      scheduleEventId: enteredId,
      detail: { output },
    });
    frame.local = { ...frame.local, ...output };
    if (completion.succeed) return { state: 'done', succeed: true };
    if (completion.goto !== undefined) {
      const target = steps.findIndex((s) => s.name === completion.goto);
      if (target < 0)
        throw new FlowFailure('FnF.RuntimeError', `goto target ${completion.goto} not found`);
      frame.idx = target;
      continue;
    }
    if ('end' in step && step.end) return { state: 'done', succeed: false };
    frame.idx++;
  }
}

interface EnterBox {
  enteredId: number;
  input: JsonObject;
}

function guard(
  step: Step,
  enteredId: number,
  host: InterpreterHost,
  fn: () => Completion | 'blocked',
): Completion | 'blocked' {
  try {
    return fn();
  } catch (err) {
    const f = toFailure(err);
    host.emit({
      type: 'StepFailed',
      stepName: step.name,
      scheduleEventId: enteredId,
      detail: { error: f.error, cause: f.detail },
    });
    throw f;
  }
}

function checkSize(host: InterpreterHost, name: string, ...parts: JsonObject[]): void {
  if (!Number.isFinite(host.limits.stepDataBytes)) return;
  const total = parts.reduce((n, p) => n + jsonBytes(p), 0);
  if (total > host.limits.stepDataBytes) {
    throw new FlowFailure(
      'FnF.DataTooLarge',
      `step ${name}: input + local + output is ${total} bytes; the limit is ${host.limits.stepDataBytes}`,
    );
  }
}

function contextFor(host: InterpreterHost, token?: string): JsonObject {
  const ctx: JsonObject = {
    execution: { name: host.executionName },
    flow: { name: host.flowName },
  };
  if (token !== undefined) ctx.task = { token };
  return ctx;
}

function stepInput(
  frame: SeqFrame,
  mappings: Mapping[] | undefined,
  host: InterpreterHost,
  token?: string,
) {
  if (!mappings) return defaultStepInput(frame.input, frame.local);
  return applyMappings(mappings, {
    input: frame.input,
    local: frame.local,
    context: contextFor(host, token),
  });
}

function enter(
  frame: SeqFrame,
  step: Step,
  enteredId: number,
  host: InterpreterHost,
  box: EnterBox,
): Completion | 'blocked' {
  if (step.type === 'task') return enterTask(frame, step, enteredId, host, box);
  const input = stepInput(frame, step.inputMappings, host);
  box.input = input;
  host.emit({
    type: 'StepEntered',
    stepName: step.name,
    id: enteredId,
    detail: { input, type: step.type, path: pathOf(frame) },
  });
  switch (step.type) {
    case 'pass':
      return { local: {} };
    case 'succeed':
      return { local: {}, succeed: true };
    case 'fail':
      throw new FlowFailure(step.error ?? 'FnF.Fail', step.cause ?? '');
    case 'wait':
      return enterWait(frame, step, enteredId, input, host);
    case 'choice':
      return enterChoice(frame, step, enteredId, input, host);
    case 'parallel':
      return enterParallel(frame, step, enteredId, input, host);
    case 'foreach':
      return enterForeach(frame, step, enteredId, input, host);
  }
}

function pathOf(frame: SeqFrame): string {
  return [...frame.path, frame.idx]
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
    .join('')
    .slice(1);
}

function advance(
  frame: SeqFrame,
  step: Step,
  run: StepRun,
  host: InterpreterHost,
): Completion | 'blocked' {
  switch (run.kind) {
    case 'task':
      return advanceTask(frame, step as TaskStep, run, host);
    case 'wait':
      return run.fired ? { local: {} } : 'blocked';
    case 'choice':
      return advanceChoice(run, host);
    case 'parallel':
      return advanceParallel(run, step as ParallelStep, host);
    case 'foreach':
      return advanceForeach(run, step as ForeachStep, host);
  }
}

// ---- task ----

function enterTask(
  frame: SeqFrame,
  step: TaskStep,
  enteredId: number,
  host: InterpreterHost,
  box: EnterBox,
): Completion | 'blocked' {
  const scheduledId = host.allocId();
  const input = stepInput(frame, step.inputMappings, host, host.token(scheduledId));
  box.input = input;
  host.emit({
    type: 'StepEntered',
    stepName: step.name,
    id: enteredId,
    detail: { input, type: 'task', path: pathOf(frame) },
  });
  const run: TaskRun = {
    kind: 'task',
    name: step.name,
    enteredId,
    input,
    attempt: 0,
    policyUsed: [],
    phase: 'waiting',
    scheduledId,
  };
  frame.step = run;
  startAttempt(run, step, host, input);
  return advanceTask(frame, step, run, host);
}

function startAttempt(
  run: TaskRun,
  step: TaskStep,
  host: InterpreterHost,
  input: JsonObject,
): void {
  run.attempt++;
  run.phase = 'waiting';
  run.input = input;
  host.emit({
    type: 'TaskScheduled',
    stepName: step.name,
    id: run.scheduledId,
    scheduleEventId: run.scheduledId,
    detail: {
      resourceArn: step.resourceArn ?? step.action ?? '',
      pattern: step.pattern ?? 'requestResponse',
      input,
      attempt: run.attempt,
    },
  });
  if (step.timeoutSeconds && step.timeoutSeconds > 0) {
    host.armTimer(timeoutKey(run.scheduledId), host.now() + step.timeoutSeconds * 1000);
  }
  host.submit(run, step, input);
}

function matches(errors: readonly string[], error: string): boolean {
  return errors.includes(error) || errors.includes('FnF.ALL');
}

function advanceTask(
  frame: SeqFrame,
  step: TaskStep,
  run: TaskRun,
  host: InterpreterHost,
): Completion | 'blocked' {
  if (run.phase === 'backoff') {
    if (!run.retryDue) return 'blocked';
    run.retryDue = false;
    run.scheduledId = host.allocId();
    const input = stepInput(frame, step.inputMappings, host, host.token(run.scheduledId));
    startAttempt(run, step, host, input);
  }
  const outcome = run.outcome;
  if (!outcome) return 'blocked';
  run.outcome = undefined;
  if (step.timeoutSeconds && step.timeoutSeconds > 0) host.cancelTimer(timeoutKey(run.scheduledId));
  if (outcome.ok) return { local: outcome.local };
  const policies = step.retry ?? [];
  const i = policies.findIndex((p) => matches(p.errors, outcome.error));
  const policy = i >= 0 ? policies[i] : undefined;
  if (policy) {
    const used = run.policyUsed[i] ?? 0;
    if (used < (policy.maxAttempts ?? 3)) {
      run.policyUsed[i] = used + 1;
      const interval = policy.intervalSeconds ?? 1;
      const delay = Math.min(
        interval * (policy.multiplier ?? 2) ** used,
        policy.maxIntervalSeconds ?? 86400,
      );
      run.phase = 'backoff';
      host.armTimer(retryKey(run.enteredId), host.now() + delay * 1000);
      return 'blocked';
    }
  }
  const handler = (step.catch ?? []).find((c) => matches(c.errors, outcome.error));
  if (handler) {
    const errLocal: JsonObject = { error: outcome.error, cause: outcome.cause };
    const output = step.errorMappings
      ? applyMappings(step.errorMappings, { input: run.input, local: errLocal })
      : {};
    return { local: errLocal, output, goto: handler.goto };
  }
  throw new FlowFailure(outcome.error, outcome.cause);
}

// ---- wait ----

function enterWait(
  frame: SeqFrame,
  step: WaitStep,
  enteredId: number,
  input: JsonObject,
  host: InterpreterHost,
): Completion | 'blocked' {
  let due: number;
  if (step.timestamp !== undefined) {
    const v = resolveDollar(step.timestamp, input);
    const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
    if (!Number.isFinite(t))
      throw new FlowFailure(
        'FnF.RuntimeError',
        `wait ${step.name}: timestamp ${JSON.stringify(v)} is not RFC 3339`,
      );
    due = t;
  } else {
    const v = resolveDollar(step.duration ?? 0, input);
    const seconds = typeof v === 'string' ? Number(v) : v;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw new FlowFailure(
        'FnF.RuntimeError',
        `wait ${step.name}: duration ${JSON.stringify(v)} is not a number of seconds`,
      );
    }
    due = host.now() + seconds * 1000;
  }
  if (due - host.now() > host.limits.waitSeconds * 1000) {
    throw new FlowFailure(
      'FnF.RuntimeError',
      `wait ${step.name}: longer than ${host.limits.waitSeconds} s`,
    );
  }
  if (due <= host.now()) return { local: {} };
  const run: WaitRun = { kind: 'wait', name: step.name, enteredId, input };
  frame.step = run;
  host.armTimer(waitKey(enteredId), due);
  return 'blocked';
}

function resolveDollar(value: Json | undefined, input: JsonObject): Json | undefined {
  if (typeof value === 'string' && value.startsWith('$')) return evaluatePath(value, { $: input });
  return value;
}

// ---- choice ----

function enterChoice(
  frame: SeqFrame,
  step: ChoiceStep,
  enteredId: number,
  input: JsonObject,
  host: InterpreterHost,
): Completion | 'blocked' {
  let branchPath: Array<string | number> | undefined;
  let goto: string | undefined;
  let chosen = false;
  for (const [i, c] of step.choices.entries()) {
    const parsed = parseCondition(c.condition);
    if (!parsed.ok)
      throw new FlowFailure('FnF.RuntimeError', `choice ${step.name}: ${parsed.message}`);
    if (evaluateCondition(parsed.ast, input)) {
      chosen = true;
      goto = c.goto;
      if (c.steps?.length) branchPath = [...frame.path, frame.idx, 'choices', i, 'steps'];
      break;
    }
  }
  if (!chosen && step.default) {
    goto = step.default.goto;
    if (step.default.steps?.length) branchPath = [...frame.path, frame.idx, 'default', 'steps'];
  }
  if (!branchPath) return goto === undefined ? { local: {} } : { local: {}, goto };
  const run: ChoiceRun = {
    kind: 'choice',
    name: step.name,
    enteredId,
    input,
    frame: { path: branchPath, idx: 0, input, local: {} },
  };
  if (goto !== undefined) run.goto = goto;
  frame.step = run;
  return advanceChoice(run, host);
}

function advanceChoice(run: ChoiceRun, host: InterpreterHost): Completion | 'blocked' {
  const r = runSeq(run.frame, host);
  if (r.state === 'blocked') return r.state;
  // A succeed inside a choice branch ends the enclosing sequences too (reference §2.8).
  const c: Completion = { local: run.frame.local, succeed: r.succeed };
  if (run.goto !== undefined && !r.succeed) c.goto = run.goto;
  return c;
}

// ---- parallel ----

function enterParallel(
  frame: SeqFrame,
  step: ParallelStep,
  enteredId: number,
  input: JsonObject,
  host: InterpreterHost,
): Completion | 'blocked' {
  if (step.branches.length > host.limits.parallelBranches) {
    throw new FlowFailure(
      'FnF.RuntimeError',
      `parallel ${step.name}: more than ${host.limits.parallelBranches} branches`,
    );
  }
  const run: ParallelRun = {
    kind: 'parallel',
    name: step.name,
    enteredId,
    input,
    branches: step.branches.map((_, i) => {
      const id = host.emit({
        type: 'BranchEntered',
        stepName: step.name,
        scheduleEventId: enteredId,
        detail: { index: i },
      });
      return {
        enteredId: id,
        frame: {
          path: [...frame.path, frame.idx, 'branches', i, 'steps'],
          idx: 0,
          input,
          local: {},
        },
      };
    }),
  };
  frame.step = run;
  return advanceParallel(run, step, host);
}

function advanceParallel(
  run: ParallelRun,
  step: ParallelStep,
  host: InterpreterHost,
): Completion | 'blocked' {
  for (const [i, b] of run.branches.entries()) {
    if (!b.frame) continue;
    let r: SeqResult;
    try {
      r = runSeq(b.frame, host);
    } catch (err) {
      b.frame = undefined;
      cancelSiblings(
        run.branches.map((x, index) => ({ frame: x.frame, enteredId: x.enteredId, index })),
        host,
        step.name,
        'BranchExited',
      );
      throw err;
    }
    if (r.state === 'done') {
      b.local = b.frame.local;
      b.frame = undefined;
      host.emit({
        type: 'BranchExited',
        stepName: step.name,
        scheduleEventId: b.enteredId,
        detail: { index: i },
      });
    }
  }
  if (run.branches.some((b) => b.frame)) return 'blocked';
  return localArray(run.branches.map((b) => b.local ?? {}));
}

function localArray(items: JsonObject[]): { local: JsonObject } {
  // $local of parallel/foreach is an array; carried as a JSON object for the Completion type.
  return { local: items as unknown as JsonObject };
}

function cancelSiblings(
  items: Array<{ frame: SeqFrame | undefined; enteredId: number; index: number }>,
  host: InterpreterHost,
  stepName: string,
  type: 'BranchExited' | 'IterationExited',
): void {
  for (const { frame, enteredId, index } of items) {
    if (!frame) continue;
    cancelFrame(frame, host);
    host.emit({ type, stepName, scheduleEventId: enteredId, detail: { index, cancelled: true } });
  }
}

// ---- foreach ----

function enterForeach(
  frame: SeqFrame,
  step: ForeachStep,
  enteredId: number,
  input: JsonObject,
  host: InterpreterHost,
): Completion | 'blocked' {
  const items = evaluatePath(step.iterationMapping.collection, { $: input, input });
  if (!Array.isArray(items)) {
    throw new FlowFailure(
      'FnF.RuntimeError',
      `foreach ${step.name}: ${step.iterationMapping.collection} is not an array`,
    );
  }
  const run: ForeachRun = {
    kind: 'foreach',
    name: step.name,
    enteredId,
    input,
    items,
    path: [...frame.path, frame.idx, 'steps'],
    next: 0,
    running: {},
    results: items.map(() => null),
  };
  frame.step = run;
  return advanceForeach(run, step, host);
}

function advanceForeach(
  run: ForeachRun,
  step: ForeachStep,
  host: InterpreterHost,
): Completion | 'blocked' {
  for (;;) {
    let progressed = false;
    while (
      run.next < run.items.length &&
      Object.keys(run.running).length < host.limits.foreachConcurrency
    ) {
      const i = run.next++;
      const itemInput: JsonObject = {
        ...run.input,
        [step.iterationMapping.item]: run.items[i] as Json,
      };
      if (step.iterationMapping.index) itemInput[step.iterationMapping.index] = i;
      const path = run.path;
      const id = host.emit({
        type: 'IterationEntered',
        stepName: step.name,
        scheduleEventId: run.enteredId,
        detail: { index: i },
      });
      run.running[String(i)] = {
        enteredId: id,
        frame: { path, idx: 0, input: itemInput, local: {} },
      };
    }
    for (const [key, it] of Object.entries(run.running)) {
      let r: SeqResult;
      try {
        r = runSeq(it.frame, host);
      } catch (err) {
        delete run.running[key];
        cancelSiblings(
          Object.entries(run.running).map(([k, x]) => ({
            frame: x.frame,
            enteredId: x.enteredId,
            index: Number(k),
          })),
          host,
          step.name,
          'IterationExited',
        );
        run.running = {};
        throw err;
      }
      if (r.state === 'done') {
        run.results[Number(key)] = it.frame.local;
        delete run.running[key];
        host.emit({
          type: 'IterationExited',
          stepName: step.name,
          scheduleEventId: it.enteredId,
          detail: { index: Number(key) },
        });
        progressed = true;
      }
    }
    if (!progressed || run.next >= run.items.length) break;
  }
  if (run.next < run.items.length || Object.keys(run.running).length > 0) return 'blocked';
  return localArray(run.results.map((r) => r ?? {}));
}

/** True when `v` is a JSON object (not an array). */
export function isJsonObject(v: unknown): v is JsonObject {
  return isObject(v);
}
