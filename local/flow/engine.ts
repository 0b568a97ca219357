import { randomUUID } from 'node:crypto';
import { parseFlow } from '../../shared/fdl/parse';
import { LIMITS } from '../../shared/fdl/schema';
import { parseRfc3339 } from '../../shared/fdl/validate-data';
import { createPopRoute } from '../pop/route';
import { createPopVerifier } from '../pop/verify';
import type { StackContext } from '../stack';
import { createFlowCore, type FlowQueues } from './core';
import { fnfErrors } from './errors';
import {
  definitionLimits,
  HISTORY_PAGE_BYTES,
  isValidName,
  jsonBytes,
  PRUNE_EVENT_BUDGET,
} from './limits';
import { boolParam, intParam, jsonObjectParam, optional, required } from './params';
import { type ExecRow, type FlowRow, listExecutionsSql } from './repo';
import { findTask, type Outcome } from './state';
import { deriveStepStates } from './step-states';
import type { ApiParams, ApiResult, FlowEngine, HistoryEvent } from './types';
import { eventView, executionView, flowView } from './views';

/** The FnF API version the engine serves. */
export const FNF_API_VERSION = '2019-03-15';

/**
 * A flow's Environment: JSON `{Variables: [{Name, Value, Description}]}` (the
 * API reference). Checked so that bad text is refused, not stored and echoed.
 */
function environmentParam(p: ApiParams): string | undefined {
  const text = optional(p, 'Environment');
  if (text === undefined || text === '') return text;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw fnfErrors.invalidArgument(
      'Environment must be JSON like {"Variables":[{"Name":"K","Value":"v"}]}',
    );
  }
  const vars = (v as { Variables?: unknown } | null)?.Variables;
  const ok =
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    (vars === undefined ||
      (Array.isArray(vars) &&
        vars.every(
          (x) =>
            x !== null &&
            typeof x === 'object' &&
            typeof (x as { Name?: unknown }).Name === 'string',
        )));
  if (!ok) {
    throw fnfErrors.invalidArgument(
      'Environment must be a JSON object {"Variables":[{"Name":"K","Value":"v"}]}, each variable with a Name',
    );
  }
  return text;
}

/** The flow Type: FDL, the only one (CreateFlow and UpdateFlow). */
function flowType(p: ApiParams, fallback: string): string {
  const type = optional(p, 'Type') ?? fallback;
  if (type !== 'FDL') throw fnfErrors.invalidArgument(`Type must be FDL; got ${type}`);
  return type;
}

/** CreateFlow's ExecutionMode: Standard (the default) or Express. */
function executionMode(p: ApiParams): string {
  const mode = optional(p, 'ExecutionMode') ?? 'Standard';
  if (mode !== 'Standard' && mode !== 'Express') {
    throw fnfErrors.invalidArgument(`ExecutionMode must be Standard or Express; got ${mode}`);
  }
  return mode;
}

/**
 * The Error and Cause of ReportTaskFailed and StopExecution, within the API's
 * bounds (Error 1-128, Cause up to 4096 characters); Error may be required.
 */
function errorAndCause(p: ApiParams, errorRequired: boolean): { error?: string; cause?: string } {
  const error = errorRequired ? required(p, 'Error') : optional(p, 'Error');
  if (error !== undefined && error.length > LIMITS.errorNameMaxLength) {
    throw fnfErrors.invalidArgument(`Error must be 1-${LIMITS.errorNameMaxLength} characters`);
  }
  const cause = optional(p, 'Cause');
  if (cause !== undefined && cause.length > LIMITS.causeMaxLength) {
    throw fnfErrors.invalidArgument(`Cause must be at most ${LIMITS.causeMaxLength} characters`);
  }
  return { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) };
}

/** Names need not be unique for StartSyncExecution: the service makes one, {ExecutionName}:{UUID}. */
function syncExecutionName(given: string | undefined): string {
  return given === undefined ? randomUUID() : `${given}:${randomUUID()}`;
}

/**
 * The execution states ListExecutions can filter by (the Status values in the fnf-20190315 models
 * of aliyun/alibabacloud-typescript-sdk); this engine never reports Starting.
 */
const EXECUTION_STATUSES = new Set([
  'Starting',
  'Running',
  'Succeeded',
  'Failed',
  'TimedOut',
  'Stopped',
]);

/** NextTokens remembered (see pageStarts): a paging caller's next call comes soon. */
const PAGE_STARTS_KEPT = 10_000;

/** Builds the local flow engine: durable interpreter, FnF POP API, in-process API. */
export function createFlowEngine(ctx: StackContext, deps: { queues: FlowQueues }): FlowEngine {
  const core = createFlowCore(ctx, deps);
  const { repo, limits } = core;
  const db = ctx.store.db;

  const checkName = (kind: string, name: string) => {
    if (limits.names && !isValidName(name)) {
      throw fnfErrors.invalidArgument(
        `${kind} "${name}" is invalid: use letters, digits, _ and -, start with a letter or _, 1-128 characters`,
      );
    }
  };

  const flowOf = (name: string): FlowRow => {
    const f = repo.flow.get(name);
    if (!f) throw fnfErrors.flowNotExists(name);
    return f;
  };

  const execOf = (p: ApiParams): ExecRow => {
    const flow = flowOf(required(p, 'FlowName'));
    const name = required(p, 'ExecutionName');
    const e = repo.execByName.get(flow.id, name);
    if (!e) throw fnfErrors.executionNotExists(name, flow.name);
    return e;
  };

  const checkDefinition = (definition: string) => {
    const { problems } = parseFlow(definition, { limits: definitionLimits(limits) });
    const errors = problems.filter((x) => x.severity === 'error');
    if (errors.length > 0) {
      const text = errors
        .map(
          (x) =>
            `${x.line !== undefined ? `line ${x.line}:${x.column ?? 1} ` : ''}${x.path || '(root)'}: ${x.message}`,
        )
        .join('; ');
      throw fnfErrors.invalidArgument(`The flow definition is invalid: ${text}`);
    }
  };

  /** An execution's Input: a JSON object within the step data limit. */
  const executionInput = (p: ApiParams) => {
    const input = jsonObjectParam(p, 'Input', {});
    if (jsonBytes(input) > limits.stepDataBytes) {
      throw fnfErrors.invalidArgument(`Input exceeds ${limits.stepDataBytes} bytes`);
    }
    return input;
  };

  // ListExecutions' NextTokens handed out (flow id and name -> row id), so a
  // token still pages on once pruning has deleted the execution it names.
  const pageStarts = new Map<string, number>();

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
      return core.completeTask(t, run, outcome);
    });
    return { EventId: eventId };
  };

  const engine: FlowEngine = {
    name: 'flow',
    routes: [],
    createFlow(p) {
      const name = required(p, 'Name');
      checkName('Name', name);
      const definition = required(p, 'Definition');
      const type = flowType(p, 'FDL');
      const environment = environmentParam(p);
      checkDefinition(definition);
      const now = ctx.clock.now();
      const row: FlowRow = {
        name,
        id: randomUUID(),
        type,
        definition,
        description: optional(p, 'Description') ?? '',
        role_arn: optional(p, 'RoleArn') ?? '',
        execution_mode: executionMode(p),
        environment: environment ?? null,
        created_ms: now,
        modified_ms: now,
      };
      core.atomically(() => {
        if (repo.flow.get(name)) throw fnfErrors.flowAlreadyExists(name);
        repo.insertFlow.run(row);
      });
      return flowView(row);
    },
    updateFlow(p) {
      const current = flowOf(required(p, 'Name'));
      flowType(p, current.type);
      const environment = environmentParam(p);
      // ExecutionMode is not an UpdateFlow parameter: a flow keeps its mode.
      const mode = optional(p, 'ExecutionMode');
      if (mode !== undefined && mode !== '' && mode !== current.execution_mode) {
        throw fnfErrors.invalidArgument(
          `ExecutionMode cannot change: flow ${current.name} is ${current.execution_mode}; create a new flow for ${mode}`,
        );
      }
      const definition = optional(p, 'Definition') ?? current.definition;
      if (definition !== current.definition) checkDefinition(definition);
      const next: FlowRow = {
        ...current,
        definition,
        description: optional(p, 'Description') ?? current.description,
        role_arn: optional(p, 'RoleArn') ?? current.role_arn,
        environment: environment ?? current.environment,
        modified_ms: ctx.clock.now(),
      };
      repo.updateFlow.run(next);
      return flowView(next);
    },
    describeFlow(p) {
      return flowView(flowOf(required(p, 'Name')));
    },
    listFlows(p) {
      const limit = intParam(p, 'Limit', 60, 1, 1000);
      const rows = repo.flowsFrom.all(optional(p, 'NextToken') ?? '', limit + 1);
      const result: ApiResult = { Flows: rows.slice(0, limit).map(flowView) };
      if (rows.length > limit) result.NextToken = rows[limit]?.name;
      return result;
    },
    deleteFlow(p) {
      const name = required(p, 'Name');
      const flow = flowOf(name);
      // The cloud stops each running execution of a deleted flow once its
      // current step is done, and its history can no longer be read. Here they
      // stop at once, in the same transaction: the step in flight is not
      // finished (a late report gets TaskAlreadyCompleted, which workers count
      // as done), and no timer or callback of theirs is left behind.
      core.atomically(() => {
        for (const { id } of repo.runningOfFlow.all(flow.id)) {
          core.transition(id, (t, effects) => {
            if (!t.running) return;
            core.endExecution(
              t,
              { status: 'Stopped', error: 'FlowDeleted', cause: `flow ${name} was deleted` },
              effects,
            );
          });
        }
        repo.deleteFlow.run(name);
      });
      return {};
    },
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
    listExecutions(p) {
      const flow = flowOf(required(p, 'FlowName'));
      const limit = intParam(p, 'Limit', 60, 1, 100);
      const fields = boolParam(p, 'MetadataOnly', false) ? 'metadata' : 'full';
      const where = ['e.flow_id = ?'];
      const args: unknown[] = [flow.id];
      const token = optional(p, 'NextToken');
      if (token !== undefined) {
        // A token is the name of an execution (callers may write one). One this
        // stack handed out whose execution was pruned since still pages on from
        // where it stood (until the stack stops).
        const from =
          repo.execByName.get(flow.id, token)?.id ?? pageStarts.get(`${flow.id}\n${token}`);
        if (from === undefined) throw fnfErrors.invalidArgument('NextToken is invalid.');
        where.push('e.id <= ?');
        args.push(from);
      }
      const status = optional(p, 'Status');
      if (status !== undefined) {
        if (!EXECUTION_STATUSES.has(status)) {
          throw fnfErrors.invalidArgument(
            `Status must be one of ${[...EXECUTION_STATUSES].join(', ')}; got ${status}`,
          );
        }
        where.push('e.status = ?');
        args.push(status);
      }
      const prefix = optional(p, 'ExecutionNamePrefix');
      if (prefix !== undefined) {
        // GLOB, not LIKE: names are case-sensitive (SQLite's LIKE folds ASCII case).
        where.push('e.name GLOB ?');
        args.push(`${prefix.replace(/[*?[]/g, (c) => `[${c}]`)}*`);
      }
      for (const [param, op] of [
        ['StartedTimeBegin', '>='],
        ['StartedTimeEnd', '<='],
      ] as const) {
        const v = optional(p, param);
        if (v === undefined) continue;
        // RFC 3339 with its zone: Date.parse alone takes "2026", a zoneless local time or Feb 30.
        const ms = parseRfc3339(v);
        if (!Number.isFinite(ms)) {
          throw fnfErrors.invalidArgument(
            `${param} must be an RFC 3339 time like 2026-11-29T12:00:00Z; got ${v}`,
          );
        }
        where.push(`e.started_ms ${op} ?`);
        args.push(ms);
      }
      const rows = db
        .prepare(listExecutionsSql(where.join(' AND ')))
        .all(...args, limit + 1) as ExecRow[];
      const result: ApiResult = {
        Executions: rows.slice(0, limit).map((r) => executionView(r, fields)),
      };
      const next = rows[limit];
      if (next) {
        result.NextToken = next.name;
        pageStarts.set(`${flow.id}\n${next.name}`, next.id);
        if (pageStarts.size > PAGE_STARTS_KEPT) {
          const oldest = pageStarts.keys().next().value;
          if (oldest !== undefined) pageStarts.delete(oldest);
        }
      }
      return result;
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
    getStepStates(p) {
      const row = execOf(p);
      // The history statement, from the first event, with LIMIT -1 (no limit in SQLite).
      return deriveStepStates(repo.events.all(row.id, 0, -1).map(eventView));
    },
    pruneEnded(beforeMs, max = 500, maxEvents = PRUNE_EVENT_BUDGET) {
      return core.atomically(() => {
        let executions = 0;
        let rows = 0;
        // First the histories of executions already pruned that one call could
        // not delete whole.
        for (const { exec_id: id } of repo.prunePending.all()) {
          if (rows >= maxEvents) return { executions, historyRows: rows };
          const deleted = repo.deleteFirstEvents.run({ id, n: maxEvents - rows }).changes;
          rows += deleted;
          if (repo.eventSpan.get(id)?.first == null) repo.donePrunePending.run(id);
        }
        const definitions = new Set<number>();
        for (const row of repo.endedBefore.all(beforeMs, max)) {
          if (rows >= maxEvents) break;
          const span = repo.eventSpan.get(row.id);
          const size = span?.first == null ? 0 : (span.last ?? 0) - span.first + 1;
          // A history is deleted whole, with its execution, or not touched:
          // one that does not fit what is left of this call waits for the next.
          if (size > maxEvents - rows && executions > 0) break;
          repo.deleteExec.run(row.id);
          if (row.definition_id !== null) definitions.add(row.definition_id);
          executions++;
          if (size > maxEvents - rows) {
            // Longer than a whole call (a relaxed stack's history has no cap):
            // the execution is gone now, its events go over the next calls.
            rows += repo.deleteFirstEvents.run({ id: row.id, n: maxEvents - rows }).changes;
            repo.addPrunePending.run(row.id);
            break;
          }
          rows += repo.deleteEvents.run(row.id).changes;
        }
        // A definition no execution points at any more goes too (one in use
        // again later is stored again).
        for (const id of definitions) repo.deleteDefinitionIfUnused.run({ id });
        return { executions, historyRows: rows };
      });
    },
    setFunctionInvoker(fn) {
      core.setInvoker(fn);
    },
    onEvent(listener) {
      core.listeners.add(listener);
      return () => core.listeners.delete(listener);
    },
    start() {
      core.recover();
    },
    resume() {
      core.releaseLaunches();
    },
    stop() {
      core.stop();
    },
  };

  (engine as { routes: FlowEngine['routes'] }).routes = [
    createPopRoute({
      name: 'fnf',
      version: FNF_API_VERSION,
      hostId: `fnf.${ctx.region}.aliyuncs.com`,
      verifier: createPopVerifier({ secrets: ctx.secrets }),
      logger: ctx.logger.child('fnf'),
      actions: {
        CreateFlow: engine.createFlow,
        UpdateFlow: engine.updateFlow,
        DescribeFlow: engine.describeFlow,
        ListFlows: engine.listFlows,
        DeleteFlow: engine.deleteFlow,
        StartExecution: (p) => engine.startExecution(p),
        // The long polls end when their caller hangs up, not at their timeout.
        StartSyncExecution: (p, call) => engine.startSyncExecution(p, { signal: call.signal }),
        StopExecution: engine.stopExecution,
        DescribeExecution: (p, call) => engine.describeExecution(p, { signal: call.signal }),
        ListExecutions: engine.listExecutions,
        GetExecutionHistory: engine.getExecutionHistory,
        // Reports come in bursts (a worker's batch): group-committed.
        ReportTaskSucceeded: (p) => core.batched(() => engine.reportTaskSucceeded(p)),
        ReportTaskFailed: (p) => core.batched(() => engine.reportTaskFailed(p)),
      },
    }),
  ];
  return engine;
}
