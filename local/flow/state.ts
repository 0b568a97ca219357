import type { JsonObject } from '../../shared/fdl/types';
import type { FunctionInvokeRequest } from './types';

/**
 * Where an execution is, as plain JSON persisted on every transition. Steps are
 * addressed by their path in the definition, so the state stays small and a
 * restarted engine resumes from it exactly.
 */
export interface ExecState {
  nextEventId: number;
  /** The flow's steps; its input is the flow input (after the flow's inputMappings). */
  root: SeqFrame;
}

/** A running `steps` list (the flow, a choice branch, a parallel branch, a foreach iteration). */
export interface SeqFrame extends ChildFrame {
  input: JsonObject;
}

/**
 * A choice branch, parallel branch or foreach iteration as the state keeps it:
 * without its input, which is its step's input (for an iteration, plus the item
 * and its index) and is set again each time the frame runs (runChild). Kept,
 * it would copy the step's input once per branch or running iteration into
 * every saved state: 100 iterations over a 30 KB input saved 2.9 MB per report.
 */
export interface ChildFrame {
  /** Path to the steps array in the definition, e.g. `["steps", 2, "branches", 0, "steps"]`. */
  path: Array<string | number>;
  idx: number;
  local: JsonObject;
  step?: StepRun;
  /**
   * EventId of what opened it: its BranchEntered or IterationEntered, or its
   * choice's StepEntered. Its steps' StepEntered carry it as `parentEventId`.
   * Absent on the root frame (and on frames saved before it existed).
   */
  openedBy?: number;
}

/** A finished task attempt, set by the event that ended it (report, invoke result, timeout). */
export type Outcome = { ok: true; local: JsonObject } | { ok: false; error: string; cause: string };

/**
 * A step in flight. Its input is not kept: it is worked out again from the
 * frame (input, local, the step's inputMappings and, for a task, the current
 * attempt's token) where it is needed, which gives the same value, since a
 * frame's input and local do not change while one of its steps runs.
 */
interface RunBase {
  name: string;
  enteredId: number;
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
  frame: ChildFrame;
  goto?: string;
}

/** A parallel step: one frame per branch until it ends. */
export interface ParallelRun extends RunBase {
  kind: 'parallel';
  branches: Array<{ enteredId: number; frame?: ChildFrame; local?: JsonObject }>;
}

/**
 * A foreach step: at most `concurrency` iterations running. Its items are read
 * from `input` each time it advances, not kept twice.
 */
export interface ForeachRun extends RunBase {
  kind: 'foreach';
  /** Path to the iteration steps. */
  path: Array<string | number>;
  next: number;
  running: Record<string, { enteredId: number; frame: ChildFrame }>;
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
export function walkRuns(frame: ChildFrame, visit: (run: StepRun) => void): void {
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
