// The driver: runs a case on a real local stack (in-memory store, VirtualClock). The scripted
// worker takes the tasks' messages from the MNS queue, finds its answer by the step name and
// foreach indexes in the body and the attempt it counted, and reports through the engine
// (in process, or with the unmodified pop-core RPCClient over HTTP). Time moves only when no
// task waits, to the next armed timer.

import { VirtualClock } from '../../../local/clock';
import type { HistoryEvent } from '../../../local/flow/types';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { emitFlow } from '../../../shared/fdl/emit';
import type { JsonObject } from '../../../shared/fdl/types';
import { createFnfSdk, type FnfSdk } from '../../integration/flow/fnf-sdk';
import { answerFor, byKey, type FlowCase, QUEUE, type RunResult, taskKey } from './types';

/** Virtual time a run may take before the driver calls it stuck (the flows need minutes). */
const HORIZON_MS = 3 * 24 * 3600_000;
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
};

/** One stack for many runs: each run has its own flow and execution. */
export interface FlowDriver {
  run(c: FlowCase): Promise<RunResult>;
  stop(): Promise<void>;
}

interface Task {
  key: string;
  step: string;
  indexes: number[];
  token: string;
}

export async function createDriver(): Promise<FlowDriver> {
  const clock = new VirtualClock(Date.UTC(2026, 10, 29, 12));
  const stack: LocalStack = await startLocalStack({
    port: 0,
    memory: true,
    logger: silentLogger,
    clock,
  });
  stack.queues.createQueue(QUEUE);
  const sdk = createFnfSdk(stack);
  let n = 0;
  return {
    run: (c) => runCase(stack, clock, sdk, c, `m${++n}`),
    stop: () => stack.stop(),
  };
}

/** Every message waiting on the queue, deleted as taken (leftovers of an earlier run included). */
async function takeAll(stack: LocalStack): Promise<Task[]> {
  const out: Task[] = [];
  for (;;) {
    const got = await stack.queues.receiveMessages(QUEUE, { max: 16, waitSeconds: 0 });
    if (got.length === 0) return out;
    for (const m of got) {
      stack.queues.deleteMessage(QUEUE, m.receiptHandle);
      const body = JSON.parse(m.body) as Record<string, unknown>;
      const indexes = [body.i0, body.i1].filter((i) => i !== undefined) as number[];
      const step = String(body.step);
      out.push({ key: taskKey(step, indexes), step, indexes, token: String(body.token) });
    }
  }
}

async function runCase(
  stack: LocalStack,
  clock: VirtualClock,
  sdk: FnfSdk,
  c: FlowCase,
  name: string,
): Promise<RunResult> {
  const { engine } = stack;
  const call = (action: string, params: Record<string, string>) =>
    c.sdk ? sdk.call(action, params) : callEngine(engine, action, params);
  await takeAll(stack);
  await call('CreateFlow', {
    Name: name,
    Definition: emitFlow(c.flow),
    Description: '',
    Type: 'FDL',
  });
  const started = clock.now();
  await call('StartExecution', {
    FlowName: name,
    ExecutionName: 'e',
    Input: JSON.stringify(c.input),
  });
  const attempts = new Map<string, number>();
  const ended = () => engine.describeExecution({ FlowName: name, ExecutionName: 'e' });
  for (;;) {
    await settle();
    if ((await ended()).Status !== 'Running') break;
    const round = (await takeAll(stack)).sort((a, b) => byKey(a.key, b.key));
    if (round.length > 0) {
      for (const t of round) {
        if ((await ended()).Status !== 'Running') break;
        const attempt = attempts.get(t.key) ?? 0;
        attempts.set(t.key, attempt + 1);
        const a = answerFor(c.script, t.step, t.indexes, attempt);
        if ('silent' in a) continue;
        if (a.ok)
          await call('ReportTaskSucceeded', {
            TaskToken: t.token,
            Output: JSON.stringify(a.output),
          });
        else await call('ReportTaskFailed', { TaskToken: t.token, Error: a.error, Cause: a.cause });
        await settle();
      }
      continue;
    }
    const next = clock.nextTimerAt();
    if (next === undefined || next - started > HORIZON_MS) {
      throw new Error('the engine waits with no message to answer and no timer armed');
    }
    await clock.advanceTo(next);
  }
  return resultOf(await history(stack, name), (await ended()) as Record<string, unknown>, started);
}

/** The in-process engine's action for a POP action name. */
function callEngine(
  engine: LocalStack['engine'],
  action: string,
  params: Record<string, string>,
): unknown {
  const m = {
    CreateFlow: engine.createFlow,
    StartExecution: engine.startExecution,
    ReportTaskSucceeded: engine.reportTaskSucceeded,
    ReportTaskFailed: engine.reportTaskFailed,
  }[action];
  if (!m) throw new Error(`no in-process action ${action}`);
  return m.call(engine, params);
}

async function history(stack: LocalStack, name: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let next: string | undefined;
  do {
    const r = stack.engine.getExecutionHistory({
      FlowName: name,
      ExecutionName: 'e',
      Limit: 1000,
      ...(next ? { NextToken: next } : {}),
    }) as { Events: HistoryEvent[]; NextToken?: string };
    events.push(...r.Events);
    next = r.NextToken || undefined;
  } while (next);
  return events;
}

/** The run's end from DescribeExecution and its last event; the attempts from TaskScheduled. */
function resultOf(
  events: HistoryEvent[],
  described: Record<string, unknown>,
  started: number,
): RunResult {
  const schedules: Record<string, number[]> = {};
  for (const e of events) {
    if (e.Type !== 'TaskScheduled') continue;
    const input = (JSON.parse(e.EventDetail) as { input: JsonObject }).input;
    const indexes = [input.i0, input.i1].filter((i) => i !== undefined);
    const key = taskKey(e.StepName, indexes);
    schedules[key] = [...(schedules[key] ?? []), (Date.parse(e.Time) - started) / 1000];
  }
  const status = String(described.Status);
  if (status === 'Succeeded') {
    return { status, output: JSON.parse(String(described.Output ?? 'null')), schedules };
  }
  const last = events[events.length - 1];
  const detail = last ? (JSON.parse(last.EventDetail) as { error?: string; cause?: string }) : {};
  return { status, error: detail.error, cause: detail.cause, schedules };
}
