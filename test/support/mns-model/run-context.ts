// The state of one run (stack, driver, model, handles, long polls) and the checks its steps share.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../../local/clock';
import { silentLogger } from '../../../local/log';
import type { QueueServiceInternals } from '../../../local/mns/service';
import type { QueueService } from '../../../local/mns/types';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { createSdkClient } from '../mns-sdk';
import type { Driver, Seen } from './driver';
import { inProcessDriver } from './in-process-driver';
import { type Claim, type ModelMessage, QueueModel } from './model';
import type { ModelMode, ModelOp } from './ops';
import type { RunOutcome } from './outcome';
import { noCoverage } from './outcome';
import { ATTRS, QUEUES, T0 } from './queues';
import { sdkDriver } from './sdk-driver';

export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const bodies = (xs: ReadonlyArray<{ body: string }>) => JSON.stringify(xs.map((x) => x.body));

/** One run in progress: what the steps read and change, and the checks they share. */
export interface RunContext {
  readonly clock: VirtualClock;
  readonly dataDir: string | undefined;
  readonly start: () => Promise<LocalStack>;
  stack: LocalStack;
  readonly driverOf: (s: LocalStack) => Driver;
  driver: Driver;
  readonly model: QueueModel;
  readonly handles: string[];
  readonly history: string[];
  readonly coverage: RunOutcome['coverage'];
  /** Long polls: what the service answered, by poll id, and which answers the model has learnt. */
  readonly polled: Map<number, Seen[] | string>;
  readonly learnt: Set<number>;
  pollId: number;
  step: number;
  differ(service: string, expected: string): RunOutcome;
  handleOf(h: number): string | undefined;
  createAll(): void;
  learnFrom(claims: Claim[], got: Seen[]): void;
  /** Long polls: every answer the model expects must have come, and no other. */
  checkPolls(): RunOutcome | null;
  /** The first long poll whose answer (bodies only) is not what `model` expects, if any. */
  pollDifference(model: QueueModel): { id: number; got: string; want: string } | null;
  /** Compares what a receive or peek returned with the model's claims. */
  compareMessages(
    what: string,
    got: Seen[],
    want: Array<{ m: ModelMessage; dq: number; fdt: number; nvt?: number }>,
  ): RunOutcome | null;
}

/** A fresh stack (reached as `mode` says) and a fresh model for `ops`. */
export async function createRunContext(
  ops: readonly ModelOp[],
  mode: ModelMode,
): Promise<RunContext> {
  const clock = new VirtualClock(T0);
  const dataDir = mode === 'file' ? mkdtempSync(join(tmpdir(), 'mns-model-')) : undefined;
  const start = () =>
    startLocalStack({
      ...(dataDir ? { dataDir } : { memory: true }),
      port: 0,
      clock,
      logger: silentLogger,
    });
  const stack: LocalStack = await start();
  const driverOf = (s: LocalStack): Driver =>
    mode === 'sdk'
      ? sdkDriver(createSdkClient(s))
      : inProcessDriver(s.queues as QueueService & Pick<QueueServiceInternals, 'sendMessages'>);
  const driver = driverOf(stack);
  const model = new QueueModel();
  const handles: string[] = [];
  const history: string[] = [];
  const coverage = noCoverage();
  const polled = new Map<number, Seen[] | string>();
  const learnt = new Set<number>();
  const run: RunContext = {
    clock,
    dataDir,
    start,
    stack,
    driverOf,
    driver,
    model,
    handles,
    history,
    coverage,
    polled,
    learnt,
    pollId: 0,
    step: 0,
    differ: (service, expected) => ({
      mismatch: {
        step: run.step,
        op: ops[run.step] as ModelOp,
        service,
        model: expected,
        history: history.slice(-12, -1),
      },
      coverage,
    }),
    handleOf: (h) => (handles.length ? handles[h % handles.length] : undefined),
    createAll: () => {
      for (const q of QUEUES) run.stack.queues.createQueue(q, ATTRS[q]);
    },
    learnFrom: (claims, got) => {
      claims.forEach((c, k) => {
        const h = got[k]?.receiptHandle;
        if (h) {
          model.learn(c.placeholder, h);
          handles.push(h);
        }
      });
    },
    checkPolls: () => {
      const d = run.pollDifference(model);
      if (d) return run.differ(`long poll ${d.id}: ${d.got}`, `long poll ${d.id}: ${d.want}`);
      for (const [id, want] of model.served) {
        const got = polled.get(id);
        if (
          got !== undefined &&
          typeof got !== 'string' &&
          typeof want !== 'string' &&
          !learnt.has(id)
        ) {
          learnt.add(id);
          run.learnFrom(want, got);
          coverage.pollsServed++;
        }
      }
      return null;
    },
    pollDifference: (m) => {
      const shown = (x: Seen[] | string | undefined) =>
        x === undefined ? 'still parked' : typeof x === 'string' ? x : bodies(x);
      for (const [id, want] of m.served) {
        const w = typeof want === 'string' ? want : bodies(want.map((c) => c.m));
        const g = shown(polled.get(id));
        if (w !== g) return { id, got: g, want: w };
      }
      for (const [id, got] of polled) {
        if (!m.served.has(id)) return { id, got: shown(got), want: 'still parked' };
      }
      return null;
    },
    compareMessages: (what, got, want) => {
      if (bodies(got) !== bodies(want.map((w) => w.m)))
        return run.differ(`${what} ${bodies(got)}`, `${what} ${bodies(want.map((w) => w.m))}`);
      for (const [k, w] of want.entries()) {
        const g = got[k] as Seen;
        const fields = (x: { dq: number; fdt: number; pri: number; enq: number; nvt?: number }) =>
          `${w.m.body} dq=${x.dq} fdt=${x.fdt - T0} pri=${x.pri} enq=${x.enq - T0}${x.nvt === undefined ? '' : ` nvt=${x.nvt - T0}`}`;
        const gs = fields({
          dq: g.dequeueCount,
          fdt: g.firstDequeueTime,
          pri: g.priority,
          enq: g.enqueueTime,
          ...(w.nvt === undefined ? {} : { nvt: g.nextVisibleTime }),
        });
        const ws = fields({
          dq: w.dq,
          fdt: w.fdt,
          pri: w.m.pri,
          enq: w.m.enq,
          ...(w.nvt === undefined ? {} : { nvt: w.nvt }),
        });
        if (gs !== ws) return run.differ(`${what} ${gs}`, `${what} ${ws}`);
      }
      return null;
    },
  };
  return run;
}
