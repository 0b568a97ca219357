import { applyMappings } from '../../shared/fdl/mappings';
import type {
  Flow,
  ForeachStep,
  JsonObject,
  ParallelStep,
  Step,
  TaskStep,
} from '../../shared/fdl/types';
import { advanceChoice, enterChoice } from './choice-step';
import { FlowFailure } from './errors';
import { advanceForeach, advanceParallel, enterForeach, enterParallel } from './fanout-steps';
import type { ExecState, SeqFrame, StepRun } from './state';
import {
  type Completion,
  checkSize,
  type EnterBox,
  type InterpreterHost,
  pathOf,
  runInput,
  type SeqResult,
  stepInput,
  toFailure,
} from './step-support';
import { advanceTask, enterTask } from './task-step';
import { enterWait } from './wait-step';

export type { EmitEvent, InterpreterHost } from './step-support';

/** How the root sequence ended. */
export type DriveResult =
  | { state: 'blocked' }
  | { state: 'succeeded'; output: JsonObject }
  | { state: 'failed'; error: string; cause: string };

/** The state of a fresh execution (nothing entered yet). */
export function initialState(flowInput: JsonObject): ExecState {
  return {
    nextEventId: 1,
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
      ? applyMappings(flow.outputMappings, { input: state.root.input, local: state.root.local })
      : state.root.local;
    return { state: 'succeeded', output };
  } catch (err) {
    const f = toFailure(err);
    return { state: 'failed', error: f.error, cause: f.detail };
  }
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
    const input = run ? runInput(frame, step, run, host) : box.input;
    frame.step = undefined;
    // Still the step's own failure (a StepFailed event) when its output breaks the limits.
    const output = guard(step as Step, enteredId, host, () => {
      const out =
        completion.output ??
        (step.outputMappings
          ? applyMappings(step.outputMappings, { input, local: completion.local })
          : step.type === 'parallel' || step.type === 'foreach'
            ? {}
            : completion.local);
      checkSize(host, step.name, input, completion.local, out);
      return out;
    });
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

function guard<T>(step: Step, enteredId: number, host: InterpreterHost, fn: () => T): T {
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

function enter(
  frame: SeqFrame,
  step: Step,
  enteredId: number,
  host: InterpreterHost,
  box: EnterBox,
): Completion | 'blocked' {
  // A task's input may carry the token of its first attempt, whose TaskScheduled id comes next.
  const scheduledId = step.type === 'task' ? host.allocId() : undefined;
  const token = scheduledId === undefined ? undefined : host.token(scheduledId);
  const input = stepInput(frame, step.inputMappings, host, token);
  box.input = input;
  host.emit({
    type: 'StepEntered',
    stepName: step.name,
    id: enteredId,
    detail: {
      input,
      type: step.type,
      path: pathOf(frame),
      ...(frame.openedBy !== undefined ? { parentEventId: frame.openedBy } : {}),
    },
  });
  switch (step.type) {
    case 'task':
      return enterTask(frame, step, { enteredId, scheduledId: scheduledId as number }, input, host);
    case 'pass':
      return { local: {} };
    case 'succeed':
      return { local: {}, succeed: true };
    case 'fail':
      throw new FlowFailure(step.error ?? 'FnF.Fail', step.cause ?? '');
    case 'wait':
      return enterWait(frame, step, enteredId, input, host);
    case 'choice':
      return enterChoice(frame, step, enteredId, input, host, runSeq);
    case 'parallel':
      return enterParallel(frame, step, enteredId, input, host, runSeq);
    case 'foreach':
      return enterForeach(frame, step, enteredId, input, host, runSeq);
  }
}

function advance(
  frame: SeqFrame,
  step: Step,
  run: StepRun,
  host: InterpreterHost,
): Completion | 'blocked' {
  if (run.kind === 'task') return advanceTask(frame, step as TaskStep, run, host);
  if (run.kind === 'wait') return run.fired ? { local: {} } : 'blocked';
  // A choice, parallel or foreach runs its children on its own input.
  const input = runInput(frame, step, run, host);
  switch (run.kind) {
    case 'choice':
      return advanceChoice(run, input, host, runSeq);
    case 'parallel':
      return advanceParallel(run, step as ParallelStep, input, host, runSeq);
    case 'foreach':
      return advanceForeach(run, step as ForeachStep, input, host, runSeq);
  }
}
