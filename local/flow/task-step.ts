import { applyMappings } from '../../shared/fdl/mappings';
import type { JsonObject, TaskStep } from '../../shared/fdl/types';
import { FlowFailure } from './errors';
import type { SeqFrame, TaskRun } from './state';
import {
  type Completion,
  type InterpreterHost,
  retryKey,
  runInput,
  stepInput,
  timeoutKey,
} from './step-support';

/** Starts a task's first attempt (its StepEntered is already recorded). */
export function enterTask(
  frame: SeqFrame,
  step: TaskStep,
  /** The StepEntered and TaskScheduled event ids allocated for it. */
  ids: { enteredId: number; scheduledId: number },
  input: JsonObject,
  host: InterpreterHost,
): Completion | 'blocked' {
  const { enteredId, scheduledId } = ids;
  const run: TaskRun = {
    kind: 'task',
    name: step.name,
    enteredId,
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
      stepEventId: run.enteredId,
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

export function advanceTask(
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
      ? applyMappings(step.errorMappings, {
          input: runInput(frame, step, run, host),
          local: errLocal,
        })
      : {};
    return { local: errLocal, output, goto: handler.goto };
  }
  throw new FlowFailure(outcome.error, outcome.cause);
}
