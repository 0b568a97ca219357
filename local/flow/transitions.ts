import type { Flow, JsonObject } from '../../shared/fdl/types';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import { FlowFailure, fnfErrors } from './errors';
import { drive, type InterpreterHost, initialState } from './interpreter';
import type { ExecHead, Repo } from './repo';
import type { ExecState, Outcome, TaskRun } from './state';
import type { TaskTokenParts, TokenCodec } from './tokens';
import type { createTransitionHost } from './transition-host';
import { EXECUTION_END_EVENT } from './types';

/** One transition's view of an execution. */
export interface Txn {
  readonly row: ExecHead;
  readonly running: boolean;
  readonly state: ExecState;
  readonly host: InterpreterHost;
  changed: boolean;
  ended: boolean;
}

/** How an execution ends. */
export type Ending =
  | { status: 'Succeeded'; output: JsonObject }
  | { status: 'Failed' | 'TimedOut' | 'Stopped'; error: string; cause: string };

type TransitionHost = ReturnType<typeof createTransitionHost>;

/**
 * Transitions: one change to one execution (load, mutate, drive the
 * interpreter as far as it goes, persist) in one transaction, and how an
 * execution ends (terminal event, timers cancelled, parent's inbox row, waiters
 * woken). Holds no state of its own.
 */
export function createTransitions(deps: {
  repo: Repo;
  clock: Clock;
  log: Logger;
  tokens: TokenCodec;
  atomically<R>(fn: (effects: Array<() => void>) => R): R;
  followOn(fn: () => void): void;
  flowOfExecution(execId: number): Flow;
  forgetExecution(execId: number): void;
  makeHost: TransitionHost['makeHost'];
  emitEvent: TransitionHost['emitEvent'];
  cancelTimer(execId: number, key: string, effects: Array<() => void>): void;
  tokenExecution(parts: TaskTokenParts): { id: number } | undefined;
  processInbox(id: number): void;
  wakeWaiters(execId: number): void;
}) {
  const { repo, clock, log, tokens, atomically, followOn } = deps;
  const { flowOfExecution, forgetExecution, makeHost, emitEvent, cancelTimer } = deps;
  const { tokenExecution, processInbox, wakeWaiters } = deps;

  /**
   * One transition of one execution: load, mutate, drive as far as possible,
   * persist. `mutate` sees `t.running === false` for ended executions.
   */
  function transition<R>(execId: number, mutate: (t: Txn, effects: Array<() => void>) => R): R {
    return atomically((effects) => {
      const head = repo.execHead.get(execId);
      if (!head) throw fnfErrors.executionNotExists(String(execId), '');
      const { state: stateText, ...row } = head;
      const running = row.status === 'Running' && stateText !== null;
      const state: ExecState = running ? JSON.parse(stateText as string) : initialState({});
      const box = { changed: false };
      const flow = running
        ? flowOfExecution(execId)
        : ({ version: 'v1', type: 'flow', steps: [] } as Flow);
      const host = makeHost(row, state, flow, box, effects);
      const t: Txn = {
        row,
        running,
        state,
        host,
        get changed() {
          return box.changed;
        },
        set changed(v: boolean) {
          box.changed = v;
        },
        ended: false,
      };
      let result: R;
      try {
        result = mutate(t, effects);
      } catch (err) {
        if (!(err instanceof FlowFailure) || !running || t.ended) throw err;
        // A limit hit while recording a task's result outside drive() (the
        // 5,000th history event on a report, a timeout or a callback): the
        // execution fails, as the limit says, rather than the whole change being
        // undone and the execution left waiting for good. A report is accepted:
        // its answer's EventId is the terminal event's.
        const ended = endExecution(
          t,
          { status: 'Failed', error: err.error, cause: err.detail },
          effects,
        );
        return ended as R;
      }
      if (running && !t.ended) {
        const d = drive(state, host);
        if (d.state === 'succeeded')
          endExecution(t, { status: 'Succeeded', output: d.output }, effects);
        else if (d.state === 'failed') {
          endExecution(t, { status: 'Failed', error: d.error, cause: d.cause }, effects);
        }
      }
      if (running && !t.ended && t.changed) repo.saveState.run(execId, JSON.stringify(state));
      return result;
    });
  }

  /** Ends the execution in the transaction; returns its terminal event's id. */
  function endExecution(t: Txn, ending: Ending, effects: Array<() => void>): number {
    const { row, state } = t;
    // Every armed timer has its row (armTimer writes it in the same transaction), so
    // this cancels the step runs' timers and the flow timeout alike.
    for (const { key } of repo.execTimers.all(row.id)) cancelTimer(row.id, key, effects);
    const now = clock.now();
    const detail: JsonObject =
      ending.status === 'Succeeded'
        ? { output: ending.output }
        : { error: ending.error, cause: ending.cause };
    const eventId = emitEvent(
      row,
      state,
      { type: EXECUTION_END_EVENT[ending.status], stepName: '', detail },
      effects,
      true,
    );
    repo.endExec.run({
      id: row.id,
      status: ending.status,
      output: ending.status === 'Succeeded' ? JSON.stringify(ending.output) : null,
      error: ending.status === 'Succeeded' ? null : ending.error,
      cause: ending.status === 'Succeeded' ? null : ending.cause,
      stopped_ms: now,
    });
    repo.deleteState.run(row.id);
    forgetExecution(row.id);
    t.ended = true;
    if (row.callback_token) {
      const outcome: Outcome =
        ending.status === 'Succeeded'
          ? { ok: true, local: ending.output }
          : {
              ok: false,
              error: ending.status === 'Failed' ? ending.error : `FnF.Execution${ending.status}`,
              cause: ending.cause,
            };
      const parts = tokens.parse(row.callback_token);
      const target = parts && tokenExecution(parts);
      if (parts && target) {
        const info = repo.insertInbox.run(target.id, parts.eventId, JSON.stringify(outcome));
        const id = Number(info.lastInsertRowid);
        effects.push(() => followOn(() => processInbox(id)));
      }
    }
    effects.push(() => wakeWaiters(row.id));
    return eventId;
  }

  function kick(execId: number): void {
    try {
      transition(execId, () => undefined);
    } catch (err) {
      log.error('drive failed', { execId, error: String(err) });
    }
  }

  return { transition, endExecution, kick };
}

/** Ends a task attempt with `outcome` in transition `t`, recording the Task* event. Returns its EventId. */
export function completeTask(t: Txn, run: TaskRun, outcome: Outcome, timedOut = false): number {
  return recordOutcome(run, outcome, t.host, timedOut);
}

/**
 * Sets a task attempt's outcome and records its Task* event (the host's emit marks
 * the transition changed). Returns the event's id.
 */
export function recordOutcome(
  run: TaskRun,
  outcome: Outcome,
  host: InterpreterHost,
  timedOut = false,
): number {
  run.outcome = outcome;
  return host.emit({
    type: outcome.ok ? 'TaskSucceeded' : timedOut ? 'TaskTimedOut' : 'TaskFailed',
    stepName: run.name,
    scheduleEventId: run.scheduledId,
    detail: outcome.ok ? { output: outcome.local } : { error: outcome.error, cause: outcome.cause },
  });
}
