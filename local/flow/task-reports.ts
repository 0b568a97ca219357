import type { FlowCore } from './core';
import { errorAndCause } from './engine-params';
import { fnfErrors } from './errors';
import { jsonObjectParam, required } from './params';
import { findTask, type Outcome } from './state';
import { completeTask } from './transitions';
import type { ApiResult, FlowEngine } from './types';

/**
 * The callback actions, ReportTaskSucceeded and ReportTaskFailed: a task token
 * names the execution and the waiting task whose outcome the report sets.
 * Holds no state of its own.
 */
export function createTaskReports(deps: {
  core: Pick<FlowCore, 'tokens' | 'tokenExecution' | 'transition'>;
}): Pick<FlowEngine, 'reportTaskSucceeded' | 'reportTaskFailed'> {
  const { core } = deps;

  const report = (token: string, outcome: Outcome): ApiResult => {
    const parts = core.tokens.parse(token);
    if (!parts) throw fnfErrors.invalidArgument('The task token is invalid.');
    const what = `${parts.flowName}/${parts.executionName}#${parts.eventId}`;
    const row = core.tokenExecution(parts);
    if (!row) throw fnfErrors.taskAlreadyCompleted(what);
    const eventId = core.transition(row.id, (t) => {
      if (!t.running) throw fnfErrors.taskAlreadyCompleted(what);
      const run = findTask(
        t.state.root,
        (r) => r.scheduledId === parts.eventId && r.phase === 'waiting' && !r.outcome,
      );
      if (!run) throw fnfErrors.taskAlreadyCompleted(what);
      return completeTask(t, run, outcome);
    });
    return { EventId: eventId };
  };

  return {
    reportTaskSucceeded(p) {
      const token = required(p, 'TaskToken');
      const output = jsonObjectParam(p, 'Output');
      return report(token, { ok: true, local: output });
    },
    reportTaskFailed(p) {
      const token = required(p, 'TaskToken');
      const { error = '', cause = '' } = errorAndCause(p, true);
      return report(token, { ok: false, error, cause });
    },
  };
}
