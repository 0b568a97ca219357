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
}

/** How an execution ended, and every task attempt scheduled on the way. */
export interface RunResult {
  status: 'Succeeded' | 'Failed' | (string & {});
  output?: unknown;
  error?: string;
  /** Undefined in the model where the reference leaves the text open (a task timeout's cause). */
  cause?: string;
  /** Task instance key (`step@i0.i1`) -> the virtual seconds after start of each attempt. */
  schedules: Record<string, number[]>;
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
});

/** The key of a task instance: its step name and the foreach indexes it runs under. */
export const taskKey = (step: string, indexes: readonly unknown[]) =>
  `${step}@${indexes.join('.')}`;

/** The answer to attempt `attempt` (from 0) of a task instance; iterations start at other offsets. */
export function answerFor(
  script: Script,
  step: string,
  indexes: readonly number[],
  attempt: number,
): Answer {
  const list = script[step] ?? [];
  const shift = indexes.reduce((a, b) => a + b, 0);
  return list[(attempt + shift) % Math.max(1, list.length)] ?? { ok: true, output: {} };
}

/** The order the driver reports the tasks waiting at one moment in (and the model resolves them in). */
export const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The queue every generated task sends to. */
export const QUEUE = 'flow-model-tasks';
