import type { Json, JsonObject } from '../../shared/fdl/types';
import type { FunctionInvokeRequest } from './types';

/**
 * Where an execution is, as plain JSON persisted on every transition. Steps are
 * addressed by their path in the definition, so the state stays small and a
 * restarted engine resumes from it exactly.
 */
export interface ExecState {
  nextEventId: number;
  flowInput: JsonObject;
  root: SeqFrame;
}

/** A running `steps` list (the flow, a choice branch, a parallel branch, a foreach iteration). */
export interface SeqFrame {
  /** Path to the steps array in the definition, e.g. `["steps", 2, "branches", 0, "steps"]`. */
  path: Array<string | number>;
  idx: number;
  input: JsonObject;
  local: JsonObject;
  step?: StepRun;
}

/** A finished task attempt, set by the event that ended it (report, invoke result, timeout). */
export type Outcome = { ok: true; local: JsonObject } | { ok: false; error: string; cause: string };

interface RunBase {
  name: string;
  enteredId: number;
  input: JsonObject;
}

/** A task step in flight. */
export interface TaskRun extends RunBase {
  kind: 'task';
  /** Attempts made so far (1 = first). */
  attempt: number;
  /** Retries used per retry policy (by index). */
  policyUsed: number[];
  phase: 'waiting' | 'invoking' | 'backoff';
  /** EventId of the current attempt's TaskScheduled (the token names it). */
  scheduledId: number;
  outcome?: Outcome;
  retryDue?: boolean;
  /** The function call of an FC attempt, kept so a restart can make it again. */
  invoke?: FunctionInvokeRequest;
  /**
   * An FC waitForCallback attempt whose call the function runtime accepted: the
   * step now waits for the report only, and a restart does not call the function again.
   */
  invokeAccepted?: boolean;
}

/** A choice step running its chosen branch. */
export interface ChoiceRun extends RunBase {
  kind: 'choice';
  frame: SeqFrame;
  goto?: string;
}

/** A parallel step: one frame per branch until it ends. */
export interface ParallelRun extends RunBase {
  kind: 'parallel';
  branches: Array<{ enteredId: number; frame?: SeqFrame; local?: JsonObject }>;
}

/** A foreach step: at most `concurrency` iterations running. */
export interface ForeachRun extends RunBase {
  kind: 'foreach';
  items: Json[];
  /** Path to the iteration steps. */
  path: Array<string | number>;
  next: number;
  running: Record<string, { enteredId: number; frame: SeqFrame }>;
  results: Array<JsonObject | null>;
}

/** A wait step until its timer fires. */
export interface WaitRun extends RunBase {
  kind: 'wait';
  fired?: boolean;
}

/** Any step that spans more than one transition. */
export type StepRun = TaskRun | ChoiceRun | ParallelRun | ForeachRun | WaitRun;

/** Calls `visit` on every step run in the tree (depth first). */
export function walkRuns(frame: SeqFrame, visit: (run: StepRun) => void): void {
  const run = frame.step;
  if (!run) return;
  visit(run);
  if (run.kind === 'choice') walkRuns(run.frame, visit);
  else if (run.kind === 'parallel') {
    for (const b of run.branches) if (b.frame) walkRuns(b.frame, visit);
  } else if (run.kind === 'foreach') {
    for (const it of Object.values(run.running)) walkRuns(it.frame, visit);
  }
}

/** The first task run matching `pred`. */
export function findTask(frame: SeqFrame, pred: (t: TaskRun) => boolean): TaskRun | undefined {
  let found: TaskRun | undefined;
  walkRuns(frame, (r) => {
    if (!found && r.kind === 'task' && pred(r)) found = r;
  });
  return found;
}
