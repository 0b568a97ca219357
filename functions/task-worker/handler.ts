import type { InvocationIdentity } from '../../shared/clients/config';
import type { FlowClient } from '../../shared/clients/flow-client';
import { isDone, processTask, type TaskResult } from '../../shared/task/process-task';
import type { HandlerRegistry } from '../../shared/task/registry';
import { decodeMnsQueueEvent } from './mns-events';

type ReportingFlow = Pick<FlowClient, 'reportTaskSucceeded' | 'reportTaskFailed'>;

/** What the task-worker function is built from. */
export interface TaskWorkerDeps {
  registry: HandlerRegistry;
  /** The flow client, or a function of the invocation context (STS credentials rotate). */
  flow: ReportingFlow | ((context?: InvocationIdentity) => ReportingFlow);
  /** Messages of one batch run at once (default 8). */
  concurrency?: number;
  /** Progress lines (default console.log, which FC ships to the function's logs). */
  log?: (line: string) => void;
}

/** What an invocation returns when every message is done. */
export interface TaskWorkerSummary {
  messages: number;
  succeeded: number;
  failed: number;
  alreadyCompleted: number;
  invalid: number;
  skipped: number;
}

/**
 * Thrown when some messages of the batch hit a retryable error: failing the
 * invocation is the only way to make EventBridge deliver them again.
 */
export class TaskBatchRetryError extends Error {
  readonly code = 'TaskRetry';
  readonly retryable = true;
  constructor(
    message: string,
    readonly results: readonly TaskResult[],
  ) {
    super(message);
    this.name = 'TaskBatchRetryError';
  }
}

// Messages finished by this instance. When EventBridge redelivers a batch
// because one message asked for a retry, the finished ones are skipped here
// instead of running their handlers again.
const DONE_CAP = 10_000;

/**
 * The queue-triggered task worker: decodes the EventBridge MNS event and runs
 * every message through the worker core (processTask).
 * @example export const handler = createTaskWorkerHandler({ registry, flow });
 */
export function createTaskWorkerHandler(deps: TaskWorkerDeps) {
  const log = deps.log ?? ((line: string) => console.log(line));
  const concurrency = Math.max(1, deps.concurrency ?? 8);
  const done = new Set<string>();
  const remember = (id: string) => {
    done.add(id);
    if (done.size > DONE_CAP) {
      const oldest = done.values().next().value;
      if (oldest !== undefined) done.delete(oldest);
    }
  };

  return async function handler(
    event: unknown,
    context?: InvocationIdentity,
  ): Promise<TaskWorkerSummary> {
    const flow = typeof deps.flow === 'function' ? deps.flow(context) : deps.flow;
    const { messages, undecodable } = decodeMnsQueueEvent(event);
    for (const u of undecodable) log(`task - invalid event element #${u.index}: ${u.reason}`);

    const summary: TaskWorkerSummary = {
      messages: messages.length + undecodable.length,
      succeeded: 0,
      failed: 0,
      alreadyCompleted: 0,
      invalid: undecodable.length,
      skipped: 0,
    };
    const retries: TaskResult[] = [];
    let next = 0;
    const lane = async () => {
      while (next < messages.length) {
        const m = messages[next++];
        if (!m) break;
        if (m.messageId && done.has(m.messageId)) {
          summary.skipped++;
          continue;
        }
        const r = await processTask(
          m.messageId ? { body: m.body, messageId: m.messageId } : { body: m.body },
          { registry: deps.registry, flow },
        );
        const err = r.error ? ` ${r.error.code}: ${r.error.message}` : '';
        log(`task ${r.taskType ?? '-'} ${r.outcome} ${r.durationMs}ms${err}`);
        if (isDone(r.outcome) && m.messageId) remember(m.messageId);
        if (r.outcome === 'succeeded') summary.succeeded++;
        else if (r.outcome === 'failed') summary.failed++;
        else if (r.outcome === 'already-completed') summary.alreadyCompleted++;
        else if (r.outcome === 'invalid') summary.invalid++;
        else retries.push(r);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, messages.length) }, lane));

    if (retries.length > 0) {
      const codes = [...new Set(retries.map((r) => r.error?.code ?? 'Error'))].join(', ');
      throw new TaskBatchRetryError(
        `${retries.length} of ${summary.messages} task message(s) asked for a retry (${codes}); failing the invocation so they are delivered again`,
        retries,
      );
    }
    return summary;
  };
}
