import { parseResourceArn } from '../../shared/fdl/arn';
import type { FlowEngine, FlowEvent, HistoryEvent } from '../flow/types';
import { parseEventDetail } from '../flow/views';

/** How an execution ended, with what the terminal shows. */
export interface FollowedExecution {
  status: string;
  output: unknown;
  error?: string;
  cause?: string;
  /** Top-level steps in the order they ran. */
  steps: string[];
  durationMs: number;
  history: HistoryEvent[];
}

/** followExecution's real-time limit passed before the execution ended. */
export class FollowTimeoutError extends Error {
  override readonly name = 'FollowTimeoutError';
  constructor(
    message: string,
    /** The execution, still running. */
    readonly executionName: string,
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped', 'TimedOut']);

/**
 * Prints an execution's steps live, as the engine records them (step entered,
 * task sent, task reported, step done, with times relative to the start), and
 * resolves once the execution has ended. Subscribe before the start so no event
 * is missed: call this first, then start the execution.
 */
export function followExecution(options: {
  engine: Pick<FlowEngine, 'onEvent' | 'describeExecution' | 'getExecutionHistory'>;
  flowName: string;
  executionName: string;
  write: (line: string) => void;
  /** Real-time limit; the promise rejects after it. Default 120 s. */
  timeoutMs?: number;
  /** Stops following (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /**
   * After this long without news of a task sent to a queue, says once that it
   * waits for a worker (none may be running: --no-functions). Default 5 s.
   */
  quietTaskMs?: number;
}): Promise<FollowedExecution> {
  const { engine, flowName, executionName, write } = options;
  let startMs: number | undefined;
  const entered = new Map<string, number>();
  const resources = new Map<string, Record<string, unknown>>();
  let unsubscribe: () => void = () => {};
  let timer: NodeJS.Timeout | undefined;
  // The one task sent and not yet heard of again, with its "still waiting" timer.
  let quietTask: NodeJS.Timeout | undefined;
  const quietTaskMs = options.quietTaskMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 120_000;

  const onEvent = (e: FlowEvent) => {
    if (e.flowName !== flowName || e.executionName !== executionName) return;
    const ev = e.event;
    const t = Date.parse(ev.Time);
    startMs ??= t;
    const at = `+${String(t - startMs).padStart(5)} ms`;
    const detail = parseEventDetail(ev.EventDetail);
    clearTimeout(quietTask);
    switch (ev.Type) {
      case 'ExecutionStarted':
        write(`  ${at}  execution ${executionName} started`);
        break;
      case 'StepEntered':
        entered.set(ev.StepName, t);
        break;
      case 'TaskScheduled':
        resources.set(ev.StepName, detail);
        break;
      case 'TaskSubmitted': {
        const resource = resources.get(ev.StepName) ?? detail;
        const ref = resourceOf(resource);
        write(`  ${at}  ${ev.StepName.padEnd(10)} task sent${describeResource(ref)}`);
        const queue = ref?.kind === 'mns-queue' ? ref.queue : undefined;
        if (queue) {
          const seconds = Math.round(quietTaskMs / 1000);
          quietTask = setTimeout(() => {
            write(
              `  ${''.padStart(9)}  ${ev.StepName.padEnd(10)} still waiting after ${seconds} s: a worker must take the message from queue ${queue} and report (with --no-functions, start the worker the banner shows)`,
            );
          }, quietTaskMs);
          quietTask.unref?.();
        }
        break;
      }
      case 'TaskSucceeded':
        write(`  ${at}  ${ev.StepName.padEnd(10)} reported done${since(entered, ev.StepName, t)}`);
        break;
      case 'TaskFailed':
      case 'TaskTimedOut':
      case 'TaskSubmitFailed':
        write(
          `  ${at}  ${ev.StepName.padEnd(10)} ${ev.Type}: ${String(detail.error ?? '')} ${String(detail.cause ?? '')}`.trimEnd(),
        );
        break;
      case 'StepFailed':
        write(`  ${at}  ${ev.StepName.padEnd(10)} step failed${since(entered, ev.StepName, t)}`);
        break;
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
      case 'ExecutionStopped':
      case 'ExecutionTimedOut':
        write(`  ${at}  execution ${ev.Type.replace('Execution', '').toLowerCase()}`);
        break;
      default:
        break;
    }
  };

  const finished = new Promise<FollowedExecution>((resolve, reject) => {
    const check = async () => {
      try {
        const d = (await engine.describeExecution({
          FlowName: flowName,
          ExecutionName: executionName,
        })) as Record<string, unknown>;
        const status = String(d.Status ?? '');
        if (!TERMINAL.has(status)) return;
        cleanup();
        const history = readHistory(engine, flowName, executionName);
        const started = Date.parse(String(d.StartedTime ?? ''));
        const stopped = Date.parse(String(d.StoppedTime ?? ''));
        // DescribeExecution carries no error fields; the closing history event does.
        const last = history.findLast((e) => e.Type.startsWith('Execution'));
        const end = last ? parseEventDetail(last.EventDetail) : {};
        resolve({
          status,
          output: parseJson(d.Output),
          ...(typeof end.error === 'string' ? { error: end.error } : {}),
          ...(typeof end.cause === 'string' ? { cause: end.cause } : {}),
          steps: topLevelSteps(history),
          durationMs: Number.isFinite(stopped - started) ? stopped - started : 0,
          history,
        });
      } catch (err) {
        // ExecutionNotExists before the start lands: the next event checks again.
        if (!String((err as { code?: string }).code ?? '').includes('NotExist')) {
          cleanup();
          reject(err);
        }
      }
    };
    const cleanup = () => {
      unsubscribe();
      clearTimeout(quietTask);
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      cleanup();
      reject(options.signal?.reason);
    };
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    unsubscribe = engine.onEvent((e) => {
      onEvent(e);
      if (
        e.flowName === flowName &&
        e.executionName === executionName &&
        e.event.Type.startsWith('Execution') &&
        e.event.Type !== 'ExecutionStarted'
      ) {
        void check();
      }
    });
    timer = setTimeout(() => {
      cleanup();
      reject(
        new FollowTimeoutError(
          `execution ${executionName} did not finish in ${timeoutMs} ms`,
          executionName,
          timeoutMs,
        ),
      );
    }, timeoutMs);
    timer.unref?.();
    void check();
  });
  return finished;
}

/** Every history event of an execution, following NextToken. */
export function readHistory(
  engine: Pick<FlowEngine, 'getExecutionHistory'>,
  flowName: string,
  executionName: string,
): HistoryEvent[] {
  const all: HistoryEvent[] = [];
  let next: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const r = engine.getExecutionHistory({
      FlowName: flowName,
      ExecutionName: executionName,
      Limit: 999,
      ...(next ? { NextToken: next } : {}),
    }) as { Events?: HistoryEvent[]; NextToken?: string };
    all.push(...(r.Events ?? []));
    next = r.NextToken || undefined;
    if (!next) break;
  }
  return all;
}

/**
 * The top-level steps in the order they were entered, a step entered twice (a
 * goto back to it) twice. A nested step (in a choice's branch, a parallel branch
 * or a foreach iteration) carries a `parentEventId` in its StepEntered; histories
 * written before that field existed are read by the branch and iteration events
 * around their nested steps.
 */
export function topLevelSteps(history: readonly HistoryEvent[]): string[] {
  const steps: string[] = [];
  let depth = 0;
  for (const e of history) {
    if (e.Type === 'BranchEntered' || e.Type === 'IterationEntered') depth++;
    else if (e.Type === 'BranchExited' || e.Type === 'IterationExited') depth--;
    else if (
      e.Type === 'StepEntered' &&
      depth === 0 &&
      parseEventDetail(e.EventDetail).parentEventId === undefined
    ) {
      steps.push(e.StepName);
    }
  }
  return steps;
}

/**
 * `Start → Task_1 → Task_2 → Task_3 → End` for an execution that succeeded;
 * one that did not ends at its last step: `Start → Task_1 ✗ Failed`.
 */
export function formatPath(steps: readonly string[], status = 'Succeeded'): string {
  const path = ['Start', ...steps].join(' → ');
  return status === 'Succeeded' ? `${path} → End` : `${path} ✗ ${status}`;
}

function since(entered: Map<string, number>, step: string, t: number): string {
  const s = entered.get(step);
  return s === undefined ? '' : ` (${t - s} ms in the step)`;
}

function resourceOf(detail: Record<string, unknown>) {
  return typeof detail.resourceArn === 'string' ? parseResourceArn(detail.resourceArn) : undefined;
}

function describeResource(ref: ReturnType<typeof resourceOf>): string {
  if (ref?.kind === 'mns-queue') return ` to queue ${ref.queue}`;
  return ref?.kind === 'fc' ? ` to function ${ref.functionName}` : '';
}

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string' || v === '') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
