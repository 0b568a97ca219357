import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { Repo } from './repo';
import { findTask, walkRuns } from './state';
import { completeTask, type Ending, type Txn } from './transitions';

/**
 * Timers: each is a `flow_timers` row (written in the transition's
 * transaction) plus an in-memory clock timer armed after commit; firing one
 * runs the transition its key names (flow or Express timeout, task timeout,
 * retry backoff, wait). Owns the armed in-memory timers.
 */
export function createTimers(deps: {
  repo: Repo;
  clock: Clock;
  log: Logger;
  isStopped: () => boolean;
  transition(execId: number, mutate: (t: Txn, effects: Array<() => void>) => void): void;
  endExecution(t: Txn, ending: Ending, effects: Array<() => void>): number;
}) {
  const { repo, clock, log, isStopped, transition, endExecution } = deps;
  const armed = new Map<string, () => void>();

  function armTimer(execId: number, key: string, atMs: number, effects: Array<() => void>) {
    repo.insertTimer.run(execId, key, atMs);
    effects.push(() => armInMemory(execId, key, atMs));
  }

  function armInMemory(execId: number, key: string, atMs: number) {
    const k = `${execId}|${key}`;
    armed.get(k)?.();
    armed.set(
      k,
      clock.setTimer(atMs, () => {
        armed.delete(k);
        if (!isStopped()) fireTimer(execId, key);
      }),
    );
  }

  function cancelTimer(execId: number, key: string, effects: Array<() => void>) {
    repo.deleteTimer.run(execId, key);
    effects.push(() => {
      const k = `${execId}|${key}`;
      armed.get(k)?.();
      armed.delete(k);
    });
  }

  function fireTimer(execId: number, key: string): void {
    try {
      transition(execId, (t, effects) => {
        repo.deleteTimer.run(execId, key);
        if (!t.running) return;
        const [kind, idText] = key.split(':');
        const id = Number(idText);
        if (kind === 'flow') {
          endExecution(
            t,
            { status: 'TimedOut', error: 'FnF.Timeout', cause: 'the flow timeoutSeconds elapsed' },
            effects,
          );
        } else if (kind === 'express') {
          endExecution(
            t,
            {
              status: 'TimedOut',
              error: 'FnF.Timeout',
              cause: `an Express execution runs at most ${id} seconds`,
            },
            effects,
          );
        } else if (kind === 'timeout') {
          const run = findTask(
            t.state.root,
            (r) => r.scheduledId === id && r.phase !== 'backoff' && !r.outcome,
          );
          if (run) {
            completeTask(
              t,
              run,
              { ok: false, error: 'FnF.TaskTimeout', cause: 'task timed out' },
              true,
            );
          }
        } else if (kind === 'retry') {
          const run = findTask(t.state.root, (r) => r.enteredId === id && r.phase === 'backoff');
          if (run) {
            run.retryDue = true;
            t.changed = true;
          }
        } else if (kind === 'wait') {
          walkRuns(t.state.root, (r) => {
            if (r.kind === 'wait' && r.enteredId === id) {
              r.fired = true;
              t.changed = true;
            }
          });
        }
      });
    } catch (err) {
      log.error('timer transition failed', { execId, key, error: String(err) });
    }
  }

  return {
    armTimer,
    armInMemory,
    cancelTimer,
    /** Cancels every in-memory timer (the engine stops; the rows stay). */
    disarmAll(): void {
      for (const cancel of armed.values()) cancel();
      armed.clear();
    },
  };
}
