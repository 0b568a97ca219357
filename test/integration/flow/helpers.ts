import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import type { HistoryEvent } from '../../../local/flow/types';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { eventually } from '../../support/eventually';
import {
  createSdkClient as createMnsSdk,
  type SdkMnsClient as MnsSdk,
} from '../../support/mns-sdk';
import { createFnfSdk, type FnfSdk } from './fnf-sdk';

/**
 * A flow whose first step is a waitForCallback task on `queue`, its token in
 * the message under `tokenKey`; `more` is FDL appended after it (more steps).
 */
export function callbackFlow(
  queue: string,
  opts: { step?: string; tokenKey?: string; more?: string } = {},
): string {
  return `version: v1
type: flow
steps:
  - type: task
    name: ${opts.step ?? 'gate'}
    resourceArn: acs:mns:::/queues/${queue}/messages
    pattern: waitForCallback
    inputMappings:
      - target: ${opts.tokenKey ?? 'token'}
        source: $context.task.token
${opts.more ?? ''}`;
}

/** A finished (or still running) execution as DescribeExecution shows it. */
export interface Described {
  Name: string;
  Status: string;
  Input?: string;
  Output?: string;
  StartedTime: string;
  StoppedTime?: string;
}

/** Flow tests' shared moves over the SDK. */
export function flowHelpers(fnf: FnfSdk, mns: MnsSdk, stack: LocalStack) {
  let n = 0;
  const h = {
    async createFlow(
      definition: string,
      name = `f${++n}_${randomUUID().slice(0, 8)}`,
      mode: 'Standard' | 'Express' = 'Standard',
    ): Promise<string> {
      await fnf.call('CreateFlow', {
        Name: name,
        Definition: definition,
        Description: '',
        Type: 'FDL',
        ...(mode === 'Express' ? { ExecutionMode: mode } : {}),
      });
      return name;
    },
    async start(flow: string, input: object = {}, name = `e${++n}`): Promise<string> {
      await fnf.call('StartExecution', {
        FlowName: flow,
        ExecutionName: name,
        Input: JSON.stringify(input),
      });
      return name;
    },
    describe: (flow: string, exec: string) =>
      fnf.call<Described>('DescribeExecution', { FlowName: flow, ExecutionName: exec }),
    async finished(flow: string, exec: string): Promise<Described> {
      return eventually(async () => {
        const d = await h.describe(flow, exec);
        return d.Status === 'Running' ? undefined : d;
      }, `${exec} ends`);
    },
    /** Starts an execution and waits until it ends. */
    run: async (flow: string, input: object = {}): Promise<Described> =>
      h.finished(flow, await h.start(flow, input)),
    /** Every event of an execution, page by page. */
    async history(flow: string, exec: string): Promise<HistoryEvent[]> {
      const events: HistoryEvent[] = [];
      let next: string | undefined;
      do {
        const r = await fnf.call<{ Events: HistoryEvent[]; NextToken?: string }>(
          'GetExecutionHistory',
          {
            FlowName: flow,
            ExecutionName: exec,
            Limit: 1000,
            ...(next ? { NextToken: next } : {}),
          },
        );
        events.push(...r.Events);
        next = r.NextToken || undefined;
      } while (next);
      return events;
    },
    /** Receives one message (no long poll: the stack may run on a virtual clock). */
    async receive(queue: string): Promise<{ body: Record<string, unknown>; handle: string }> {
      const got = await eventually(
        () => mns.receiveMessage(queue, 0).catch(() => undefined),
        `a message on ${queue}`,
      );
      await mns.deleteMessage(queue, got.body.ReceiptHandle ?? '');
      return {
        body: JSON.parse(got.body.MessageBody ?? '{}'),
        handle: got.body.ReceiptHandle ?? '',
      };
    },
    /** The keys of the timers (flow_timers rows) an execution still has, sorted. */
    timerKeys: (flow: string, exec: string): string[] =>
      stack.store.db
        .prepare(
          `SELECT t.key FROM flow_timers t JOIN flow_executions e ON e.id = t.exec_id
           WHERE e.flow_name = ? AND e.name = ? ORDER BY t.key`,
        )
        .pluck()
        .all(flow, exec) as string[],
    /** Waits until the engine has armed its timers, so a virtual-clock jump fires them. */
    settled: () => new Promise((r) => setImmediate(r)),
    stack,
  };
  return h;
}

/** The parsed Output of a described execution (null while it has none). */
export const out = (d: { Output?: string }) => JSON.parse(d.Output ?? 'null');

/** One test file's stack: fields are set in beforeAll, so read them inside tests only. */
export interface FlowStack {
  clock: VirtualClock;
  stack: LocalStack;
  fnf: FnfSdk;
  mns: MnsSdk;
  h: ReturnType<typeof flowHelpers>;
}

/** Starts an in-memory stack on a virtual clock for this test file, with one MNS queue made. */
export function useFlowStack(queue: string): FlowStack {
  const t = { clock: new VirtualClock(Date.UTC(2026, 10, 28, 12)) } as FlowStack;
  beforeAll(async () => {
    t.stack = await startLocalStack({
      port: 0,
      memory: true,
      logger: silentLogger,
      clock: t.clock,
    });
    t.fnf = createFnfSdk(t.stack);
    t.mns = createMnsSdk(t.stack);
    t.h = flowHelpers(t.fnf, t.mns, t.stack);
    await t.mns.createQueue(queue);
  });
  afterAll(() => t.stack.stop());
  return t;
}
