import { parseRfc3339 } from '../../shared/fdl/validate-data';
import type { Store } from '../store/store';
import { fnfErrors } from './errors';
import { boolParam, intParam, optional, required } from './params';
import { type ExecRow, listExecutionsSql, type Repo } from './repo';
import type { RequestChecks } from './request-checks';
import type { ApiResult, FlowEngine } from './types';
import { executionView } from './views';

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

/**
 * ListExecutions: its filters (Status, ExecutionNamePrefix, StartedTime*) as
 * one SQL statement, and the NextTokens it has handed out (`pageStarts`, its
 * only state, in memory), so paging survives pruning.
 */
export function createListExecutions(deps: {
  repo: Repo;
  db: Store['db'];
  checks: Pick<RequestChecks, 'flowOf'>;
}): Pick<FlowEngine, 'listExecutions'> {
  const { repo, db } = deps;
  const { flowOf } = deps.checks;

  // ListExecutions' NextTokens handed out (flow id and name -> row id), so a
  // token still pages on once pruning has deleted the execution it names.
  const pageStarts = new Map<string, number>();

  return {
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
  };
}
