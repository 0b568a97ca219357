import type { FlowClient, ReportResult } from '../../../shared/clients/flow-client';
import { FlowError } from '../../../shared/clients/flow-errors';

/** A recorded Report* call. */
export type Report =
  | { kind: 'succeeded'; taskToken: string; output: unknown }
  | { kind: 'failed'; taskToken: string; error: string; cause?: string };

/**
 * An in-memory stand-in for the two Report* calls (a pure-unit fake; the
 * integration tests use the real client against the local stack). A token
 * reported once answers TaskAlreadyCompleted afterwards, as FnF does.
 */
export function createFakeFlow(options: { failWith?: FlowError[] } = {}) {
  const reports: Report[] = [];
  const completed = new Set<string>();
  const queued = [...(options.failWith ?? [])];
  const take = (token: string): ReportResult => {
    const next = queued.shift();
    if (next) throw next;
    if (completed.has(token)) return { status: 'already-completed' };
    completed.add(token);
    return { status: 'reported', eventId: reports.length };
  };
  const flow: Pick<FlowClient, 'reportTaskSucceeded' | 'reportTaskFailed'> = {
    async reportTaskSucceeded({ taskToken, output }) {
      const r = take(taskToken);
      if (r.status === 'reported') reports.push({ kind: 'succeeded', taskToken, output });
      return r;
    },
    async reportTaskFailed({ taskToken, error, cause }) {
      const r = take(taskToken);
      if (r.status === 'reported') {
        reports.push(
          cause === undefined
            ? { kind: 'failed', taskToken, error }
            : { kind: 'failed', taskToken, error, cause },
        );
      }
      return r;
    },
  };
  return { flow, reports, completed };
}

/** A FlowError as the client raises it for a given API code. */
export function flowError(code: string, retryable: boolean): FlowError {
  return new FlowError({ code, message: `${code} (fake)`, retryable });
}
