import type { Logger } from '../log';
import type { Repo } from './repo';
import { type ExecState, findTask, type Outcome, type TaskRun, walkRuns } from './state';
import { completeTask, type Txn } from './transitions';
import type { FunctionInvokeRequest } from './types';

/**
 * The callback inbox and recovery: `processInbox` delivers a child flow's end
 * (an inbox row written in the child's final transaction) to the waiting
 * task in the parent's next transition; `recover` re-arms timers, delivers
 * pending inbox rows, relaunches function calls that were in flight and
 * resumes every running execution. Holds no state of its own.
 */
export function createRecovery(deps: {
  repo: Repo;
  log: Logger;
  transition(execId: number, mutate: (t: Txn) => void): void;
  armInMemory(execId: number, key: string, atMs: number): void;
  launchInvoke(execId: number, run: TaskRun, req: FunctionInvokeRequest): void;
  kick(execId: number): void;
}) {
  const { repo, log, transition, armInMemory, launchInvoke, kick } = deps;

  function processInbox(id: number): void {
    const item = repo.inboxItem.get(id);
    if (!item) return;
    try {
      transition(item.exec_id, (t) => {
        repo.deleteInbox.run(id);
        if (!t.running) return;
        const outcome = JSON.parse(item.outcome) as Outcome;
        const run = findTask(
          t.state.root,
          (r) => r.scheduledId === item.event_id && r.phase === 'waiting' && !r.outcome,
        );
        if (run) completeTask(t, run, outcome);
      });
    } catch (err) {
      log.error('inbox transition failed', { id, error: String(err) });
    }
  }

  /** Re-arms timers, delivers pending callbacks and resumes every running execution. */
  function recover(): void {
    for (const t of repo.timers.all()) armInMemory(t.exec_id, t.key, t.at_ms);
    for (const item of repo.inbox.all()) processInbox(item.id);
    for (const { id } of repo.running.all()) {
      const stateRow = repo.state.get(id);
      if (!stateRow) continue;
      const state = JSON.parse(stateRow.state) as ExecState;
      // A function call in flight when the process died is made again (at least
      // once), once the functions are deployed (releaseLaunches).
      walkRuns(state.root, (r) => {
        if (r.kind !== 'task' || r.outcome || !r.invoke) return;
        if (r.phase === 'invoking' || (r.phase === 'waiting' && !r.invokeAccepted)) {
          launchInvoke(id, r, r.invoke);
        }
      });
      kick(id);
    }
  }

  return { processInbox, recover };
}
