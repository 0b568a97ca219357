import type { Logger } from '../log';
import { invokeOutcome } from './invoke-outcome';
import { findTask, type TaskRun } from './state';
import { completeTask, type Txn } from './transitions';
import type { FunctionInvokeRequest, FunctionInvoker } from './types';

/**
 * Function calls (FC tasks): the injectable invoker, one call in flight per
 * attempt, calls held until the stack's functions are deployed, and the
 * transition that records a call's result. Owns the invoker, the in-flight
 * set and the held launches.
 */
export function createInvocations(deps: {
  log: Logger;
  isStopped: () => boolean;
  transition(execId: number, mutate: (t: Txn) => void): void;
}) {
  const { log, isStopped, transition } = deps;
  let invoker: FunctionInvoker = async (req) => ({
    ok: false,
    error: 'FC.FunctionNotFound',
    cause: `function ${req.functionName} does not exist (no local function runtime is attached)`,
  });
  // Function calls this process has in flight (execution id and scheduled event
  // id): never launched twice.
  const invoking = new Set<string>();
  // Until the stack's functions are deployed (releaseLaunches), function calls
  // wait here: the ones a stop cut off and any a transition makes meanwhile.
  let heldLaunches: Array<() => void> | undefined = [];

  function launchInvoke(execId: number, run: TaskRun, req: FunctionInvokeRequest): void {
    const scheduledId = run.scheduledId;
    const call = `${execId}:${scheduledId}`;
    if (heldLaunches) {
      heldLaunches.push(() => launchInvoke(execId, run, req));
      return;
    }
    if (invoking.has(call)) return;
    invoking.add(call);
    invoker(req)
      .catch((err: unknown) => ({ ok: false as const, error: 'FC.Unknown', cause: String(err) }))
      .then((res) => {
        invoking.delete(call);
        if (isStopped()) return;
        transition(execId, (t) => {
          if (!t.running) return;
          const r = findTask(
            t.state.root,
            (x) =>
              x.scheduledId === scheduledId &&
              !x.outcome &&
              (x.phase === 'invoking' || (x.phase === 'waiting' && x.invoke !== undefined)),
          );
          if (!r) return;
          if (r.phase === 'invoking') {
            // An async call (InvocationType Async) answers once FC has stored it,
            // with an empty body: the step goes on with {} while the function runs.
            completeTask(t, r, invokeOutcome(res));
            return;
          }
          // waitForCallback: only a platform error (FC.FunctionNotFound,
          // FC.ResourceThrottled, ...) fails the attempt; an error thrown by the
          // function's code leaves the step waiting for a report or its timeout
          // (docs/engine.md). With InvocationType Async the function's errors never
          // reach here: the call is accepted, and FC's retries are the runtime's.
          if (!res.ok && res.error.startsWith('FC.')) completeTask(t, r, invokeOutcome(res));
          else {
            if (!res.ok)
              log.warn('function failed in a waitForCallback task', { error: res.error });
            r.invokeAccepted = true;
            t.changed = true;
          }
        });
      })
      .catch((err: unknown) =>
        log.error('invoke transition failed', { execId, error: String(err) }),
      );
  }

  return {
    launchInvoke,
    /** Launches the function calls held since the engine started; later ones go at once. */
    releaseLaunches(): void {
      const held = heldLaunches ?? [];
      heldLaunches = undefined;
      for (const launch of held) launch();
    },
    setInvoker(fn: FunctionInvoker) {
      invoker = fn;
    },
  };
}
