// The driver: runs a case on a real local stack (in-memory store, VirtualClock). The scripted
// worker takes the tasks' messages from the MNS queue, finds its answer by the step name and
// foreach indexes in the body and the attempt it counted, and reports through the engine
// (in process, or with the unmodified pop-core RPCClient over HTTP). Time moves only when no
// task waits, to the next armed timer. Where the model planned them, it reports again, just
// before answering an attempt and once the execution has ended, attempts that are over, and
// records each answer.

import { VirtualClock } from '../../../local/clock';
import type { HistoryEvent } from '../../../local/flow/types';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { emitFlow } from '../../../shared/fdl/emit';
import type { Flow, Json, JsonObject } from '../../../shared/fdl/types';
import { createFnfSdk, type FnfSdk } from '../../integration/flow/fnf-sdk';
import {
  answerFor,
  attemptId,
  byKey,
  type FlowCase,
  type LateReport,
  lateText,
  QUEUE,
  type RunResult,
  TIME_BASE,
  taskKey,
  withoutToken,
} from './types';

/** Virtual time a run may take before the driver calls it stuck (the flows need minutes). */
const HORIZON_MS = 3 * 24 * 3600_000;
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
};

/** One stack for many runs: each run has its own flow and execution. */
export interface FlowDriver {
  /** Runs `c`, sending the late reports of `late` (the model's plan) on the way. */
  run(c: FlowCase, late?: readonly LateReport[]): Promise<RunResult>;
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
    run: (c, late = []) => runCase(stack, clock, sdk, c, late, `m${++n}`),
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

/** The generated timestamps (counted from TIME_BASE) moved to count from `started`. */
function retimed<T extends Json | Flow>(value: T, started: number): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string' && /^2000-01-01T/.test(v)) {
      return new Date(Date.parse(v) - TIME_BASE + started).toISOString();
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}

async function runCase(
  stack: LocalStack,
  clock: VirtualClock,
  sdk: FnfSdk,
  c: FlowCase,
  late: readonly LateReport[],
  name: string,
): Promise<RunResult> {
  const { engine } = stack;
  const call = (action: string, params: Record<string, string>) =>
    c.sdk ? sdk.call(action, params) : callEngine(engine, action, params);
  await takeAll(stack);
  // Nothing moves the virtual clock between here and StartExecution.
  const started = clock.now();
  await call('CreateFlow', {
    Name: name,
    Definition: emitFlow(retimed(c.flow, started)),
    Description: '',
    Type: 'FDL',
  });
  await call('StartExecution', {
    FlowName: name,
    ExecutionName: 'e',
    Input: JSON.stringify(retimed(c.input, started)),
  });
  const attempts = new Map<string, number>();
  const tokens = new Map<string, string>();
  const lateAnswers: string[] = [];
  // A late report: its answer's code (the engine's or pop-core's error), or `accepted`.
  const sendLate = async (before: string) => {
    for (const l of late.filter((x) => x.before === before)) {
      const token = tokens.get(l.target);
      let answer = 'accepted';
      if (token === undefined) answer = 'no such attempt was scheduled';
      else {
        try {
          if (l.report === 'succeeded') {
            await call('ReportTaskSucceeded', { TaskToken: token, Output: '{"late":1}' });
          } else {
            await call('ReportTaskFailed', { TaskToken: token, Error: 'Late', Cause: 'late' });
          }
        } catch (err) {
          answer = String((err as { code?: unknown }).code ?? (err as Error).message);
        }
      }
      lateAnswers.push(lateText(l, answer));
      await settle();
    }
  };
  const ended = () => engine.describeExecution({ FlowName: name, ExecutionName: 'e' });
  /** Counts an attempt taken off the queue and records its token; returns its number. */
  const taken = (t: { key: string; token: string }): number => {
    const attempt = attempts.get(t.key) ?? 0;
    attempts.set(t.key, attempt + 1);
    tokens.set(attemptId(t.key, attempt), t.token);
    return attempt;
  };
  for (;;) {
    await settle();
    if ((await ended()).Status !== 'Running') break;
    const round = (await takeAll(stack)).sort((a, b) => byKey(a.key, b.key));
    if (round.length > 0) {
      let running = true;
      for (const t of round) {
        const attempt = taken(t);
        // Once it has ended the rest of the round is only counted (for the late reports).
        running &&= (await ended()).Status === 'Running';
        if (!running) continue;
        const a = answerFor(c, t.step, t.indexes, attempt);
        if ('silent' in a) continue;
        await sendLate(attemptId(t.key, attempt));
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
  // The attempts left waiting when it ended were never taken off the queue: take them now.
  for (const t of (await takeAll(stack)).sort((a, b) => byKey(a.key, b.key))) taken(t);
  await sendLate('end');
  const described = (await ended()) as Record<string, unknown>;
  return { ...resultOf(await history(stack, name), described, started), late: lateAnswers };
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
): Omit<RunResult, 'late'> {
  const schedules: Record<string, number[]> = {};
  const inputs: Record<string, JsonObject[]> = {};
  for (const e of events) {
    if (e.Type !== 'TaskScheduled') continue;
    const input = (JSON.parse(e.EventDetail) as { input: JsonObject }).input;
    const indexes = [input.i0, input.i1].filter((i) => i !== undefined);
    const key = taskKey(e.StepName, indexes);
    schedules[key] = [...(schedules[key] ?? []), (Date.parse(e.Time) - started) / 1000];
    inputs[key] = [...(inputs[key] ?? []), withoutToken(input)];
  }
  const status = String(described.Status);
  if (status === 'Succeeded') {
    return {
      status,
      output: JSON.parse(String(described.Output ?? 'null')),
      schedules,
      inputs,
    };
  }
  const last = events[events.length - 1];
  const detail = last ? (JSON.parse(last.EventDetail) as { error?: string; cause?: string }) : {};
  return { status, error: detail.error, cause: detail.cause, schedules, inputs };
}
