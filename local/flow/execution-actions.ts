import { randomUUID } from 'node:crypto';
import type { FlowCore } from './core';
import { errorAndCause, syncExecutionName } from './engine-params';
import { fnfErrors } from './errors';
import { HISTORY_PAGE_BYTES } from './limits';
import { intParam, optional, required } from './params';
import type { ExecRow } from './repo';
import type { RequestChecks } from './request-checks';
import { deriveStepStates } from './step-states';
import type { ApiResult, FlowEngine, HistoryEvent } from './types';
import { eventView, executionView } from './views';

/**
 * The execution actions but ListExecutions (list-executions.ts): starting one
 * (StartExecution, StartSyncExecution, which waits for its end), stopping and
 * describing one, reading its history (GetExecutionHistory, paged by count and
 * bytes) and the step states derived from it. Holds no state of its own.
 */
export function createExecutionActions(deps: {
  core: Pick<
    FlowCore,
    | 'repo'
    | 'limits'
    | 'tokens'
    | 'atomically'
    | 'createExecution'
    | 'transition'
    | 'endExecution'
    | 'waitForEnd'
  >;
  checks: Pick<RequestChecks, 'checkName' | 'flowOf' | 'execOf' | 'executionInput'>;
}): Pick<
  FlowEngine,
  | 'startExecution'
  | 'startSyncExecution'
  | 'stopExecution'
  | 'describeExecution'
  | 'getExecutionHistory'
  | 'getStepStates'
> {
  const { core } = deps;
  const { repo, limits } = core;
  const { checkName, flowOf, execOf, executionInput } = deps.checks;

  return {
    startExecution(p, options = {}) {
      const flow = flowOf(required(p, 'FlowName'));
      if (flow.execution_mode === 'Express' && !options.express) {
        throw fnfErrors.expressNotStartable(flow.name, 'start it with StartSyncExecution');
      }
      const given = optional(p, 'ExecutionName');
      // The name rule applies to names callers choose; generated ones are UUIDs,
      // which may start with a digit, as the cloud's own generated names do.
      if (given !== undefined) checkName('ExecutionName', given);
      const name =
        flow.execution_mode === 'Express' && options.expressNames
          ? syncExecutionName(given)
          : (given ?? randomUUID());
      const input = executionInput(p);
      const callbackToken = optional(p, 'CallbackFnFTaskToken');
      if (callbackToken !== undefined && !core.tokens.parse(callbackToken)) {
        throw fnfErrors.invalidArgument('CallbackFnFTaskToken is not a valid task token.');
      }
      const { row } = core.atomically((effects) =>
        core.createExecution({ flow, name, input, callbackToken }, effects),
      );
      return executionView(row);
    },
    async startSyncExecution(p, options = {}) {
      const flow = flowOf(required(p, 'FlowName'));
      if (flow.execution_mode !== 'Express') {
        throw fnfErrors.actionNotSupported(
          `Standard execution is not supported: flow ${flow.name} is a Standard flow; start it with StartExecution`,
        );
      }
      const given = optional(p, 'ExecutionName');
      if (given !== undefined) checkName('ExecutionName', given);
      const name = syncExecutionName(given);
      const input = executionInput(p);
      const { row } = core.atomically((effects) =>
        core.createExecution({ flow, name, input }, effects),
      );
      // The execution times out by itself after expressSeconds; the wait is a
      // little longer so the answer carries that end (with relaxed limits, an
      // execution still running after an hour is answered as Running).
      const waitSeconds = Number.isFinite(limits.expressSeconds) ? limits.expressSeconds + 5 : 3600;
      if (repo.exec.get(row.id)?.status === 'Running') {
        await core.waitForEnd(row.id, waitSeconds, options.signal);
      }
      const end = repo.exec.get(row.id) ?? row;
      // DescribeExecution's fields without the definition and input, plus the error.
      const result = executionView(end, 'metadata');
      if (end.output !== null) result.Output = end.output;
      if (end.error) result.ErrorCode = end.error;
      if (end.cause) result.ErrorMessage = end.cause;
      return result;
    },
    stopExecution(p) {
      const row = execOf(p);
      const { error = '', cause = '' } = errorAndCause(p, false);
      core.transition(row.id, (t, effects) => {
        if (!t.running) throw fnfErrors.executionAlreadyCompleted(row.name, row.flow_name);
        core.endExecution(
          t,
          {
            status: 'Stopped',
            error,
            cause,
          },
          effects,
        );
      });
      return executionView(repo.exec.get(row.id) as ExecRow);
    },
    async describeExecution(p, options = {}) {
      const row = execOf(p);
      const wait = intParam(p, 'WaitTimeSeconds', 0, 0, limits.describeWaitSeconds);
      if (row.status === 'Running' && wait > 0) await core.waitForEnd(row.id, wait, options.signal);
      return executionView(repo.exec.get(row.id) ?? row);
    },
    getExecutionHistory(p) {
      const row = execOf(p);
      const limit = intParam(p, 'Limit', 60, 1, 1000);
      const from = intParam(p, 'NextToken', 1, 0, Number.MAX_SAFE_INTEGER);
      // A page also ends past HISTORY_PAGE_BYTES of event detail (NextToken goes
      // on from there): 1,000 events of a 30 KB step input each would be 30 MB
      // read, held and sent in one synchronous turn of the whole stack.
      const events: HistoryEvent[] = [];
      let bytes = 0;
      let next: number | undefined;
      for (const r of repo.events.iterate(row.id, from, limit + 1)) {
        if (events.length === limit || (events.length > 0 && bytes >= HISTORY_PAGE_BYTES)) {
          next = r.event_id;
          break;
        }
        events.push(eventView(r));
        bytes += r.detail.length;
      }
      const result: ApiResult = { Events: events };
      if (next !== undefined) result.NextToken = String(next);
      return result;
    },
    getStepStates(p) {
      const row = execOf(p);
      // The history statement, from the first event, with LIMIT -1 (no limit in SQLite).
      return deriveStepStates(repo.events.all(row.id, 0, -1).map(eventView));
    },
  };
}
