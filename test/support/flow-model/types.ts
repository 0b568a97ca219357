// The shapes shared by the generator, the model, the driver and the comparison.
import type { Flow, JsonObject } from '../../../shared/fdl/types';

/** What the scripted worker answers to one task attempt. */
export type Answer =
  | { ok: true; output: JsonObject }
  | { ok: false; error: string; cause: string }
  /** The worker takes the message and never reports: the task's timeoutSeconds ends it. */
  | { ok: false; silent: true };

/**
 * The worker's script: per task step name, the answers by attempt. The attempt of a task
 * instance (a step name plus the foreach indexes it runs under) counts every TaskScheduled
 * of that instance, from 0; see `answerFor`.
 */
export type Script = Record<string, Answer[]>;

/** One generated case: a flow, its execution input and the worker's script. */
export interface FlowCase {
  seed: number;
  flow: Flow;
  input: JsonObject;
  script: Script;
  /** Create, start and report through the unmodified pop-core RPCClient over HTTP. */
  sdk: boolean;
  /**
   * Tasks whose answers do not wrap around: past the end of their list every attempt
   * succeeds with `{}`. A catch that jumps back to an earlier step is bounded by this.
   */
  finite?: string[];
  /** Send late and duplicate reports (planned by the model: `LateReport`). */
  late?: boolean;
}

/**
 * A report the driver sends for a task attempt that is already over, just before it
 * answers attempt `before` (`key#attempt`), or once the execution has ended (`end`).
 */
export interface LateReport {
  before: string;
  /** The attempt reported again: `key#attempt`, attempts counted from 0. */
  target: string;
  /** How the model says the target ended: succeeded, failed, timed out, cut off. */
  ended: string;
  report: 'succeeded' | 'failed';
}

/** How a late report and its answer print, for the model (which expects TaskAlreadyCompleted) and the driver alike. */
export function lateText(l: LateReport, answer = 'TaskAlreadyCompleted'): string {
  return `${l.target} (${l.ended}, reported ${l.report} before ${l.before}) -> ${answer}`;
}

/** Timestamps in generated flows and inputs count from this instant; the driver moves them to the run's start. */
export const TIME_BASE = Date.UTC(2000, 0, 1);

/** A timestamp `seconds` after the run's start, as the generator writes it. */
export const timestampAt = (seconds: number) => new Date(TIME_BASE + seconds * 1000).toISOString();

/** How an execution ended, and every task attempt scheduled on the way. */
export interface RunResult {
  status: 'Succeeded' | 'Failed' | (string & {});
  output?: unknown;
  error?: string;
  /** Undefined in the model where the reference leaves the text open (a task timeout's cause). */
  cause?: string;
  /** Task instance key (`step@i0.i1`) -> the virtual seconds after start of each attempt. */
  schedules: Record<string, number[]>;
  /** Task instance key -> each attempt's input, its token left out (the model cannot know it). */
  inputs: Record<string, JsonObject[]>;
  /** Per late report, in the order sent: `target (ended, report) -> answer code or accepted`. */
  late: string[];
}

/** What a set of runs reached, so a test can prove the flows exercise each construct. */
export interface Coverage {
  runs: number;
  sdkRuns: number;
  succeeded: number;
  failed: number;
  tasks: number;
  retries: number;
  /** Attempts ended by their task's timeoutSeconds (FnF.TaskTimeout). */
  timeouts: number;
  catches: number;
  parallels: number;
  iterations: number;
  choices: number;
  waits: number;
  succeeds: number;
  /** succeed steps in a choice branch, ending the lists around the choice too. */
  choiceSucceeds: number;
  fails: number;
  /** Tasks and timers still waiting when a failure ended the execution (cancelled). */
  cutOff: number;
  /** Jumps of a choice back to an earlier step of its list (a loop turned). */
  loopsBack: number;
  /** Catch gotos to the task itself or an earlier step of its list. */
  catchesBack: number;
  /** Retries of a task entered again after such a goto (its counters start afresh). */
  freshRetries: number;
  /** Runs whose flow has inputMappings; runs whose flow has outputMappings. */
  flowInputs: number;
  flowOutputs: number;
  /** choice, parallel and foreach steps entered with inputMappings. */
  containerInputs: number;
  /** Waits whose duration is a `$.path`; waits until a timestamp, those already past. */
  waitPaths: number;
  waitTimestamps: number;
  waitsPast: number;
  /**
   * First late reports by how their attempt had ended (timed out: sent while the execution
   * runs, its retry perhaps waiting; cut off: sent after the end); `again`: a second one.
   */
  lateSucceeded: number;
  lateFailed: number;
  lateTimedOut: number;
  lateCutOff: number;
  lateAgain: number;
}

export const noCoverage = (): Coverage => ({
  runs: 0,
  sdkRuns: 0,
  succeeded: 0,
  failed: 0,
  tasks: 0,
  retries: 0,
  timeouts: 0,
  catches: 0,
  parallels: 0,
  iterations: 0,
  choices: 0,
  waits: 0,
  succeeds: 0,
  choiceSucceeds: 0,
  fails: 0,
  cutOff: 0,
  loopsBack: 0,
  catchesBack: 0,
  freshRetries: 0,
  flowInputs: 0,
  flowOutputs: 0,
  containerInputs: 0,
  waitPaths: 0,
  waitTimestamps: 0,
  waitsPast: 0,
  lateSucceeded: 0,
  lateFailed: 0,
  lateTimedOut: 0,
  lateCutOff: 0,
  lateAgain: 0,
});

/** The key of a task instance: its step name and the foreach indexes it runs under. */
export const taskKey = (step: string, indexes: readonly unknown[]) =>
  `${step}@${indexes.join('.')}`;

/**
 * The answer to attempt `attempt` (from 0) of a task instance; iterations start at other
 * offsets. A finite task's list does not wrap around: past its end, attempts succeed.
 */
export function answerFor(
  c: Pick<FlowCase, 'script' | 'finite'>,
  step: string,
  indexes: readonly number[],
  attempt: number,
): Answer {
  const list = c.script[step] ?? [];
  const at = attempt + indexes.reduce((a, b) => a + b, 0);
  if (c.finite?.includes(step) && at >= list.length) return { ok: true, output: {} };
  return list[at % Math.max(1, list.length)] ?? { ok: true, output: {} };
}

/** A task input without the token mapped into it. */
export function withoutToken(input: JsonObject): JsonObject {
  const { token: _token, ...rest } = input;
  return rest;
}

/** The key of one attempt of a task instance. */
export const attemptId = (key: string, attempt: number) => `${key}#${attempt}`;

/** The order the driver reports the tasks waiting at one moment in (and the model resolves them in). */
export const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The queue every generated task sends to. */
export const QUEUE = 'flow-model-tasks';
