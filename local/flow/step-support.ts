// Types and helpers shared by the interpreter and the step kinds (one file per kind).
import { applyMappings, defaultStepInput } from '../../shared/fdl/mappings';
import type { Flow, JsonObject, Mapping, Step, TaskStep } from '../../shared/fdl/types';
import { FlowFailure } from './errors';
import type { FlowLimits } from './limits';
import { jsonBytes } from './limits';
import { type ChildFrame, type SeqFrame, type StepRun, type TaskRun, walkRuns } from './state';

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

/** How a `steps` list stopped: waiting on something, or done (maybe through a succeed step). */
export type SeqResult = { state: 'blocked' } | { state: 'done'; succeed: boolean };
/** How a step ended: its local, and an explicit output, goto or succeed when it has one. */
export type Completion = {
  local: JsonObject;
  output?: JsonObject;
  goto?: string;
  succeed?: boolean;
};

/** Runs a `steps` list as far as it can go (passed in to avoid an import cycle). */
export type RunSeq = (frame: SeqFrame, host: InterpreterHost) => SeqResult;

/** Runs a branch or iteration with its input, which the state does not keep (see ChildFrame). */
export function runChild(
  frame: ChildFrame,
  input: JsonObject,
  host: InterpreterHost,
  runSeq: RunSeq,
): SeqResult {
  const live: SeqFrame = Object.assign(frame, { input });
  try {
    return runSeq(live, host);
  } finally {
    delete (live as Partial<SeqFrame>).input;
  }
}

/** What a step that finishes on entry hands back to its sequence. */
export interface EnterBox {
  enteredId: number;
  input: JsonObject;
}

/** Cancels every timer armed under `frame` (a cancelled branch or a stopped execution). */
export function cancelFrame(frame: ChildFrame, host: InterpreterHost): void {
  walkRuns(frame, (run) => cancelRunTimers(run, host));
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

export function toFailure(err: unknown): FlowFailure {
  if (err instanceof FlowFailure) return err;
  return new FlowFailure('FnF.RuntimeError', err instanceof Error ? err.message : String(err));
}

export function checkSize(host: InterpreterHost, name: string, ...parts: JsonObject[]): void {
  if (!Number.isFinite(host.limits.stepDataBytes)) return;
  const total = parts.reduce((n, p) => n + jsonBytes(p), 0);
  if (total > host.limits.stepDataBytes) {
    throw new FlowFailure(
      'FnF.DataTooLarge',
      `step ${name}: input + local + output is ${total} bytes; the limit is ${host.limits.stepDataBytes}`,
    );
  }
}

export function contextFor(host: InterpreterHost, token?: string): JsonObject {
  const ctx: JsonObject = {
    execution: { name: host.executionName },
    flow: { name: host.flowName },
  };
  if (token !== undefined) ctx.task = { token };
  return ctx;
}

export function stepInput(
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

/** The input of the step `run` is running in `frame` (see RunBase: it is not kept). */
export function runInput(frame: SeqFrame, step: Step, run: StepRun, host: InterpreterHost) {
  const token = run.kind === 'task' ? host.token(run.scheduledId) : undefined;
  return stepInput(frame, step.inputMappings, host, token);
}

export function pathOf(frame: SeqFrame): string {
  return [...frame.path, frame.idx]
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
    .join('')
    .slice(1);
}

export function localArray(items: JsonObject[]): { local: JsonObject } {
  // $local of parallel/foreach is an array; carried as a JSON object for the Completion type.
  return { local: items as unknown as JsonObject };
}
