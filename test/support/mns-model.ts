// A model-based checker of the local MNS queue service: an independent model of three
// queues (qa moves a message to its dead-letter queue qa-dlq once received MaxReceiveCount
// times; qb delays every message), a seeded operation generator, and a runner that applies
// one sequence to a real stack and to the model and returns the first difference. The
// model reads no service code: only types come from local/mns.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../local/clock';
import { silentLogger } from '../../local/log';
import type { QueueAttributes } from '../../local/mns/attributes';
import type { QueueServiceInternals } from '../../local/mns/service';
import type { QueueService } from '../../local/mns/types';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { createSdkClient, type SdkMnsClient } from './mns-sdk';

/** How a run reaches the service. */
export type ModelMode = 'inproc' | 'txn' | 'sdk' | 'file' | 'longpoll';

export type QueueName = 'qa' | 'qb' | 'qa-dlq';
const QUEUES: readonly QueueName[] = ['qa', 'qb', 'qa-dlq'];

/** The queues' attributes (the model reads its numbers from here, not from the service). */
const ATTRS: Record<QueueName, Partial<QueueAttributes>> = {
  qa: {
    VisibilityTimeout: 10,
    MessageRetentionPeriod: 120,
    DeadLetterQueue: 'qa-dlq',
    MaxReceiveCount: 2,
  },
  qb: { VisibilityTimeout: 5, DelaySeconds: 3, MessageRetentionPeriod: 90 },
  'qa-dlq': {},
};
const DEFAULT_VT = 30;
const DEFAULT_RETENTION = 345_600;
const DEFAULT_PRIORITY = 8;
const T0 = Date.UTC(2026, 0, 1);

interface SendItem {
  pri?: number;
  delay?: number;
}

/** One step of a sequence. Handles are picked by index among every handle seen so far. */
export type ModelOp =
  | ({ op: 'send'; q: QueueName } & SendItem)
  | { op: 'bsend'; q: QueueName; items: SendItem[] }
  | { op: 'recv'; q: QueueName; max: number; vt?: number }
  | { op: 'lp'; q: QueueName; max: number; vt?: number }
  | { op: 'peek'; q: QueueName; max: number }
  | { op: 'del'; q: QueueName; h: number }
  | { op: 'bdel'; q: QueueName; hs: number[] }
  | { op: 'cv'; q: QueueName; h: number; s: number }
  | { op: 'adv'; ms: number }
  | { op: 'stats'; q: QueueName }
  | { op: 'txn'; q: QueueName; h: number; kind: 'del' | 'cv' | 'recv' | 'peek-after-del' }
  | { op: 'recreate'; q: QueueName }
  | { op: 'restart' };

/** A seeded PRNG (mulberry32): the same seed gives the same sequence on every machine. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` operations for `mode`, drawn from `seed`. */
export function generateOps(seed: number, count: number, mode: ModelMode): ModelOp[] {
  const r = createRandom(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
  const handle = () => Math.floor(r() * 1e6);
  const priority = () => (r() < 0.5 ? undefined : 1 + Math.floor(r() * 16));
  const ops: ModelOp[] = [];
  for (let i = 0; i < count; i++) {
    const x = r();
    const q = pick(QUEUES);
    if (mode === 'longpoll') {
      if (x < 0.22)
        ops.push({ op: 'send', q, pri: priority(), delay: pick([undefined, 0, 0, 1, 4, 15]) });
      else if (x < 0.34)
        ops.push({ op: 'recv', q, max: pick([1, 2, 16]), vt: pick([undefined, 1, 3]) });
      else if (x < 0.48)
        ops.push({ op: 'lp', q, max: pick([1, 1, 3, 16]), vt: pick([undefined, undefined, 2]) });
      else if (x < 0.56) ops.push({ op: 'del', q, h: handle() });
      else if (x < 0.64) ops.push({ op: 'cv', q, h: handle(), s: pick([1, 2, 5, 30]) });
      else if (x < 0.82)
        ops.push({ op: 'adv', ms: pick([500, 1000, 2000, 5000, 10_000, 30_000, 61_000]) });
      else if (x < 0.88) ops.push({ op: 'peek', q, max: 16 });
      else if (x < 0.92) ops.push({ op: 'txn', q, h: handle(), kind: 'peek-after-del' });
      else if (x < 0.96) ops.push({ op: 'stats', q });
      else ops.push({ op: 'recreate', q: pick(['qb', 'qa-dlq'] as const) });
      continue;
    }
    // The 'txn' mode spends a fifth of its steps inside transactions that roll back.
    const txnShare = mode === 'txn' ? 0.2 : 0.04;
    const y = x / (1 - txnShare);
    if (x >= 1 - txnShare) {
      ops.push({
        op: 'txn',
        q,
        h: handle(),
        kind: pick(['del', 'cv', 'recv', 'peek-after-del'] as const),
      });
    } else if (y < 0.05) {
      ops.push({
        op: 'bsend',
        q,
        items: [0, 1, 2].map(() => ({ pri: priority(), delay: pick([undefined, 0, 2, 7]) })),
      });
    } else if (y < 0.25)
      ops.push({
        op: 'send',
        q,
        pri: priority(),
        delay: pick([undefined, undefined, 0, 0, 1, 4, 15]),
      });
    else if (y < 0.42)
      ops.push({
        op: 'recv',
        q,
        max: pick([1, 1, 2, 3, 16]),
        vt: pick([undefined, undefined, 1, 3, 20]),
      });
    else if (y < 0.5) ops.push({ op: 'peek', q, max: pick([1, 16]) });
    else if (y < 0.6) ops.push({ op: 'del', q, h: handle() });
    else if (y < 0.64) ops.push({ op: 'bdel', q, hs: [handle(), handle()] });
    else if (y < 0.72) ops.push({ op: 'cv', q, h: handle(), s: pick([0, 1, 2, 5, 30]) });
    else if (y < 0.86)
      ops.push({ op: 'adv', ms: pick([100, 500, 1000, 1000, 2000, 5000, 10_000, 30_000, 61_000]) });
    else if (y < 0.95) ops.push({ op: 'stats', q });
    else if (y < 0.97) ops.push({ op: 'recreate', q: pick(['qa', 'qb'] as const) });
    // Only a file data folder survives a restart; elsewhere that share is a stats look.
    else ops.push(mode === 'file' ? { op: 'restart' } : { op: 'stats', q });
  }
  return ops;
}

// ---------------------------------------------------------------- the model

interface ModelMessage {
  body: string;
  pri: number;
  seq: number;
  enq: number;
  /** Visible from this time on. */
  vis: number;
  exp: number;
  dq: number;
  fdt: number;
  /** The valid handle, a `?n` placeholder until the service tells it, or null. */
  handle: string | null;
  old: string[];
  q: QueueName;
  gone: boolean;
}

/** One message a receive hands out, with the fields the model expects it to carry. */
interface Claim {
  m: ModelMessage;
  dq: number;
  fdt: number;
  nvt: number;
  placeholder: string;
}

interface ModelWaiter {
  id: number;
  max: number;
  vt: number | undefined;
}

/** The independent model of the three queues. */
class QueueModel {
  now = T0;
  readonly msgs: ModelMessage[] = [];
  readonly waiters = new Map<QueueName, ModelWaiter[]>();
  /** What each long poll (by id) got: its claims, or an error code. */
  readonly served = new Map<number, Claim[] | string>();
  dlqMoves = 0;
  private seq = 0;
  private placeholders = 0;

  live(q: QueueName): ModelMessage[] {
    return this.msgs.filter((m) => m.q === q && !m.gone && m.exp > this.now);
  }

  active(q: QueueName): ModelMessage[] {
    return this.live(q)
      .filter((m) => m.vis <= this.now)
      .sort((a, b) => a.pri - b.pri || a.seq - b.seq);
  }

  send(q: QueueName, body: string, item: SendItem, handle: string | null): ModelMessage {
    const delay = item.delay ?? ATTRS[q].DelaySeconds ?? 0;
    const m: ModelMessage = {
      body,
      pri: item.pri ?? DEFAULT_PRIORITY,
      seq: this.seq++,
      enq: this.now,
      vis: this.now + delay * 1000,
      exp: this.now + (ATTRS[q].MessageRetentionPeriod ?? DEFAULT_RETENTION) * 1000,
      dq: 0,
      fdt: 0,
      handle,
      old: [],
      q,
      gone: false,
    };
    this.msgs.push(m);
    return m;
  }

  /** A receive of up to `max`: messages past MaxReceiveCount move to the DLQ instead. */
  claim(q: QueueName, max: number, vt: number | undefined): Claim[] {
    const a = ATTRS[q];
    const out: Claim[] = [];
    const moves: ModelMessage[] = [];
    for (const m of this.active(q)) {
      if (out.length >= max) break;
      if (a.DeadLetterQueue && a.MaxReceiveCount && m.dq >= a.MaxReceiveCount) {
        moves.push(m);
        continue;
      }
      const nvt = this.now + (vt ?? a.VisibilityTimeout ?? DEFAULT_VT) * 1000;
      out.push({
        m,
        dq: m.dq + 1,
        fdt: m.fdt || this.now,
        nvt,
        placeholder: `?${this.placeholders++}`,
      });
    }
    for (const c of out) {
      if (c.m.handle) c.m.old.push(c.m.handle);
      Object.assign(c.m, { dq: c.dq, fdt: c.fdt, vis: c.nvt, handle: c.placeholder });
    }
    const dlq = a.DeadLetterQueue as QueueName | null | undefined;
    for (const m of moves) {
      if (!dlq) break;
      if (m.handle) m.old.push(m.handle);
      Object.assign(m, { handle: null, q: dlq, dq: 0, fdt: 0, vis: this.now });
      this.dlqMoves++;
    }
    if (moves.length && dlq) this.serve(dlq);
    return out;
  }

  /** Hands visible messages to the long polls parked on `q`, oldest first. */
  serve(q: QueueName): void {
    const ws = this.waiters.get(q) ?? [];
    while (ws.length) {
      const w = ws[0] as ModelWaiter;
      const got = this.claim(q, w.max, w.vt);
      if (!got.length) break;
      ws.shift();
      this.served.set(w.id, got);
    }
  }

  park(q: QueueName, w: ModelWaiter): void {
    const ws = this.waiters.get(q) ?? [];
    ws.push(w);
    this.waiters.set(q, ws);
  }

  /** Replaces a placeholder by the handle the service gave for that receive. */
  learn(placeholder: string, handle: string): void {
    for (const m of this.msgs) {
      if (m.handle === placeholder) m.handle = handle;
      const k = m.old.indexOf(placeholder);
      if (k >= 0) m.old[k] = handle;
    }
  }

  find(handle: string): ModelMessage | undefined {
    return this.msgs.find((x) => x.handle === handle || x.old.includes(handle));
  }

  /** null when `handle` is valid on `q` now, else the error code the docs give. */
  checkHandle(q: QueueName, handle: string): string | null {
    const m = this.find(handle);
    if (!m || m.gone || m.exp <= this.now) return 'MessageNotExist';
    if (m.q !== q) return m.handle === handle ? 'ReceiptHandleError' : 'MessageNotExist';
    if (m.handle !== handle || m.vis <= this.now) return 'ReceiptHandleError';
    return null;
  }

  /**
   * Moves time to `target`, serving parked polls at each moment a message of their queue
   * becomes visible. Returns true when two queues with parked polls wake at the same
   * moment with qa and its DLQ both waiting (the order between them is the service's choice).
   */
  advance(target: number): boolean {
    let ambiguous = false;
    for (;;) {
      let next = Number.POSITIVE_INFINITY;
      for (const [q, ws] of this.waiters) {
        if (!ws.length) continue;
        for (const m of this.live(q))
          if (m.vis > this.now && m.vis <= target && m.vis < next) next = m.vis;
      }
      if (next === Number.POSITIVE_INFINITY) break;
      this.now = next;
      const waking = [...this.waiters.keys()]
        .sort()
        .filter((q) => this.waiters.get(q)?.length && this.live(q).some((m) => m.vis === next));
      if (waking.length > 1 && this.waiters.get('qa')?.length && this.waiters.get('qa-dlq')?.length)
        ambiguous = true;
      for (const q of waking) this.serve(q);
    }
    this.now = target;
    return ambiguous;
  }

  stats(q: QueueName): { active: number; inflight: number; delayed: number; waiting: number } {
    const l = this.live(q);
    return {
      active: l.filter((m) => m.vis <= this.now).length,
      inflight: l.filter((m) => m.vis > this.now && m.dq > 0).length,
      delayed: l.filter((m) => m.vis > this.now && m.dq === 0).length,
      waiting: this.waiters.get(q)?.length ?? 0,
    };
  }

  dropQueue(q: QueueName): void {
    for (const m of this.msgs) if (m.q === q) m.gone = true;
    for (const w of this.waiters.get(q) ?? []) this.served.set(w.id, 'error QueueNotExist');
    this.waiters.set(q, []);
  }
}

// ---------------------------------------------------------------- the two ways in

/** A message as either API shows it, with numbers as numbers. */
interface Seen {
  body: string;
  dequeueCount: number;
  firstDequeueTime: number;
  priority: number;
  enqueueTime: number;
  receiptHandle: string;
  nextVisibleTime: number;
}

interface Driver {
  send(q: QueueName, body: string, item: SendItem): Promise<string | null>;
  sendBatch(q: QueueName, items: Array<SendItem & { body: string }>): Promise<Array<string | null>>;
  receive(q: QueueName, max: number, vt: number | undefined): Promise<Seen[]>;
  peek(q: QueueName, max: number): Promise<Seen[]>;
  deleteMessage(q: QueueName, handle: string): Promise<void>;
  /** The error codes of the handles that failed, sorted. */
  deleteBatch(q: QueueName, handles: string[]): Promise<string[]>;
  changeVisibility(
    q: QueueName,
    handle: string,
    s: number,
  ): Promise<{ receiptHandle: string; nextVisibleTime: number }>;
  /** active, inflight, delayed and (in process only) waiting. */
  stats(q: QueueName): Promise<number[]>;
  /** Whether `vt` of a receive reaches the service (the SDK has no per-receive VisibilityTimeout). */
  readonly perReceiveVisibility: boolean;
}

/** The error code behind an in-process MnsError or an @alicloud/mns error (`MNS<Code>Error`). */
export function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const { code, name } = err as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name.replace(/^MNS(.*)Error$/, '$1');
  }
  return String(err);
}

const send = (item: SendItem) => ({
  ...(item.delay !== undefined ? { delaySeconds: item.delay } : {}),
  ...(item.pri ? { priority: item.pri } : {}),
});

function inProcessDriver(
  queues: QueueService & Pick<QueueServiceInternals, 'sendMessages'>,
): Driver {
  const seen = (m: {
    body: string;
    dequeueCount: number;
    firstDequeueTime: number;
    priority: number;
    enqueueTime: number;
    receiptHandle?: string;
    nextVisibleTime?: number;
  }): Seen => ({
    body: m.body,
    dequeueCount: m.dequeueCount,
    firstDequeueTime: m.firstDequeueTime,
    priority: m.priority,
    enqueueTime: m.enqueueTime,
    receiptHandle: m.receiptHandle ?? '',
    nextVisibleTime: m.nextVisibleTime ?? 0,
  });
  return {
    perReceiveVisibility: true,
    send: async (q, body, item) =>
      queues.sendMessage(q, { body, ...send(item) }).receiptHandle ?? null,
    sendBatch: async (q, items) =>
      queues
        .sendMessages(
          q,
          items.map((it) => ({ body: it.body, ...send(it) })),
        )
        .map((r) => {
          if (r instanceof Error) throw r;
          return r.receiptHandle ?? null;
        }),
    receive: async (q, max, vt) =>
      (
        await queues.receiveMessages(q, {
          max,
          waitSeconds: 0,
          ...(vt ? { visibilityTimeout: vt } : {}),
        })
      ).map(seen),
    peek: async (q, max) => queues.peekMessages(q, max).map(seen),
    deleteMessage: async (q, h) => queues.deleteMessage(q, h),
    deleteBatch: async (q, hs) => {
      const codes: string[] = [];
      for (const h of hs) {
        try {
          queues.deleteMessage(q, h);
        } catch (err) {
          codes.push(errorCode(err));
        }
      }
      return codes.sort();
    },
    changeVisibility: async (q, h, s) => queues.changeVisibility(q, h, s),
    stats: async (q) => {
      const s = queues.stats(q);
      return [s.active, s.inflight, s.delayed, s.waiting];
    },
  };
}

/** Every `ErrorCode` string anywhere inside a BatchDeleteMessage answer or error. */
function errorCodesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) errorCodesIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'ErrorCode' && typeof v === 'string') out.push(v);
      else errorCodesIn(v, out);
    }
  }
  return out;
}

function sdkDriver(sdk: SdkMnsClient): Driver {
  const seen = (f: Record<string, string>): Seen => ({
    body: f.MessageBody ?? '',
    dequeueCount: Number(f.DequeueCount),
    firstDequeueTime: Number(f.FirstDequeueTime),
    priority: Number(f.Priority),
    enqueueTime: Number(f.EnqueueTime),
    receiptHandle: f.ReceiptHandle ?? '',
    nextVisibleTime: Number(f.NextVisibleTime ?? 0),
  });
  const sdkSend = (item: SendItem) => ({
    ...(item.delay !== undefined ? { DelaySeconds: item.delay } : {}),
    ...(item.pri ? { Priority: item.pri } : {}),
  });
  /** An empty queue answers a receive or peek with MessageNotExist. */
  const orEmpty = async (p: Promise<Seen[]>): Promise<Seen[]> => {
    try {
      return await p;
    } catch (err) {
      if (errorCode(err) === 'MessageNotExist') return [];
      throw err;
    }
  };
  return {
    perReceiveVisibility: false,
    send: async (q, body, item) =>
      (await sdk.sendMessage(q, { MessageBody: body, ...sdkSend(item) })).body.ReceiptHandle ??
      null,
    sendBatch: async (q, items) =>
      (
        await sdk.batchSendMessage(
          q,
          items.map((it) => ({ MessageBody: it.body, ...sdkSend(it) })),
        )
      ).body.map((f) => f.ReceiptHandle ?? null),
    receive: (q, max) =>
      orEmpty(
        max === 1
          ? sdk.receiveMessage(q).then((r) => [seen(r.body)])
          : sdk.batchReceiveMessage(q, max).then((r) => r.body.map(seen)),
      ),
    peek: (q, max) =>
      orEmpty(
        max === 1
          ? sdk.peekMessage(q).then((r) => [seen(r.body)])
          : sdk.batchPeekMessage(q, max).then((r) => r.body.map(seen)),
      ),
    deleteMessage: async (q, h) => {
      await sdk.deleteMessage(q, h);
    },
    deleteBatch: async (q, hs) => {
      try {
        const r = await sdk.batchDeleteMessage(q, hs);
        return errorCodesIn(r.body).sort();
      } catch (err) {
        const codes = errorCodesIn((err as { data?: unknown }).data);
        if (!codes.length) throw err;
        return codes.sort();
      }
    },
    changeVisibility: async (q, h, s) => {
      const b = (await sdk.changeMessageVisibility(q, h, s)).body;
      return { receiptHandle: b.ReceiptHandle ?? '', nextVisibleTime: Number(b.NextVisibleTime) };
    },
    stats: async (q) => {
      const b = (await sdk.getQueueAttributes(q)).body;
      return [Number(b.ActiveMessages), Number(b.InactiveMessages), Number(b.DelayMessages)];
    },
  };
}

// ---------------------------------------------------------------- the runner

/** The first step where the service and the model disagree. */
export interface Mismatch {
  step: number;
  op: ModelOp;
  service: string;
  model: string;
  /** The steps before it, with the model's clock (ms since the start). */
  history: string[];
}

export interface RunOutcome {
  mismatch: Mismatch | null;
  /** Two queues' parked polls woke at one moment: a difference after that proves nothing. */
  inconclusive: boolean;
  /** What the sequence exercised: messages received, DLQ moves, polls served, restarts, rollbacks. */
  coverage: {
    received: number;
    dlqMoves: number;
    pollsServed: number;
    restarts: number;
    rollbacks: number;
  };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const bodies = (xs: ReadonlyArray<{ body: string }>) => JSON.stringify(xs.map((x) => x.body));

/** Applies `ops` to a fresh stack (reached as `mode` says) and to the model, step by step. */
export async function runSequence(ops: readonly ModelOp[], mode: ModelMode): Promise<RunOutcome> {
  const clock = new VirtualClock(T0);
  const dataDir = mode === 'file' ? mkdtempSync(join(tmpdir(), 'mns-model-')) : undefined;
  const start = () =>
    startLocalStack({
      ...(dataDir ? { dataDir } : { memory: true }),
      port: 0,
      clock,
      logger: silentLogger,
    });
  let stack: LocalStack = await start();
  const driverOf = (s: LocalStack): Driver =>
    mode === 'sdk'
      ? sdkDriver(createSdkClient(s))
      : inProcessDriver(s.queues as QueueService & Pick<QueueServiceInternals, 'sendMessages'>);
  let driver = driverOf(stack);
  const model = new QueueModel();
  const handles: string[] = [];
  const history: string[] = [];
  const coverage = { received: 0, dlqMoves: 0, pollsServed: 0, restarts: 0, rollbacks: 0 };
  let inconclusive = false;
  // Long polls: what the service answered, by poll id, and which answers the model has learnt.
  const polled = new Map<number, Seen[] | string>();
  const learnt = new Set<number>();
  let pollId = 0;
  let step = 0;
  const differ = (service: string, expected: string): RunOutcome => ({
    mismatch: {
      step,
      op: ops[step] as ModelOp,
      service,
      model: expected,
      history: history.slice(-12, -1),
    },
    inconclusive,
    coverage,
  });
  const handleOf = (h: number) => (handles.length ? handles[h % handles.length] : undefined);
  const createAll = () => {
    for (const q of QUEUES) stack.queues.createQueue(q, ATTRS[q]);
  };
  const learnFrom = (claims: Claim[], got: Seen[]) => {
    claims.forEach((c, k) => {
      const h = got[k]?.receiptHandle;
      if (h) {
        model.learn(c.placeholder, h);
        handles.push(h);
      }
    });
  };
  /** Long polls: every answer the model expects must have come, and no other. */
  const checkPolls = (): RunOutcome | null => {
    for (const [id, want] of model.served) {
      const got = polled.get(id);
      if (
        got !== undefined &&
        typeof got !== 'string' &&
        typeof want !== 'string' &&
        !learnt.has(id)
      ) {
        learnt.add(id);
        learnFrom(want, got);
        coverage.pollsServed++;
      }
      const w = typeof want === 'string' ? want : bodies(want.map((c) => c.m));
      const g = got === undefined ? 'still parked' : typeof got === 'string' ? got : bodies(got);
      if (w !== g) return differ(`long poll ${id}: ${g}`, `long poll ${id}: ${w}`);
    }
    for (const [id, got] of polled) {
      if (!model.served.has(id)) {
        return differ(
          `long poll ${id}: ${typeof got === 'string' ? got : bodies(got)}`,
          `long poll ${id}: still parked`,
        );
      }
    }
    return null;
  };
  /** Compares what a receive or peek returned with the model's claims. */
  const compareMessages = (
    what: string,
    got: Seen[],
    want: Array<{ m: ModelMessage; dq: number; fdt: number; nvt?: number }>,
  ) => {
    if (bodies(got) !== bodies(want.map((w) => w.m)))
      return differ(`${what} ${bodies(got)}`, `${what} ${bodies(want.map((w) => w.m))}`);
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
      if (gs !== ws) return differ(`${what} ${gs}`, `${what} ${ws}`);
    }
    return null;
  };
  const call = async <T>(fn: () => Promise<T>): Promise<{ ok: T } | { code: string }> => {
    try {
      return { ok: await fn() };
    } catch (err) {
      return { code: errorCode(err) };
    }
  };

  try {
    createAll();
    for (step = 0; step < ops.length; step++) {
      const o = ops[step] as ModelOp;
      history.push(`#${step} t=${model.now - T0} ${JSON.stringify(o)}`);
      switch (o.op) {
        case 'send': {
          const body = `b${step}`;
          const handle = await driver.send(o.q, body, o);
          const m = model.send(o.q, body, o, handle);
          if (m.vis > model.now && !handle)
            return differ('a delayed send without a receipt handle', 'a handle');
          if (handle) handles.push(handle);
          if (m.vis <= model.now) model.serve(o.q);
          break;
        }
        case 'bsend': {
          const items = o.items.map((it, k) => ({ ...it, body: `b${step}-${k}` }));
          const got = await driver.sendBatch(o.q, items);
          items.forEach((it, k) => {
            const h = got[k] ?? null;
            model.send(o.q, it.body, it, h);
            if (h) handles.push(h);
          });
          model.serve(o.q);
          break;
        }
        case 'recv':
        case 'lp': {
          const vt = driver.perReceiveVisibility ? o.vt : undefined;
          const claims = model.claim(o.q, o.max, vt);
          if (o.op === 'recv') {
            const got = await driver.receive(o.q, o.max, vt);
            const diff = compareMessages('receive', got, claims);
            if (diff) return diff;
            learnFrom(claims, got);
            coverage.received += got.length;
            break;
          }
          // A long poll (in process): it answers at once when the model found messages,
          // else it parks, and the model parks a waiter beside it.
          const id = pollId++;
          stack.queues
            .receiveMessages(o.q, {
              max: o.max,
              waitSeconds: 30,
              ...(o.vt ? { visibilityTimeout: o.vt } : {}),
            })
            .then(
              (ms) => polled.set(id, ms),
              (err: unknown) => polled.set(id, `error ${errorCode(err)}`),
            );
          await settle();
          if (claims.length) model.served.set(id, claims);
          else model.park(o.q, { id, max: o.max, vt: o.vt });
          break;
        }
        case 'peek': {
          const want = model
            .active(o.q)
            .slice(0, o.max)
            .map((m) => ({ m, dq: m.dq, fdt: m.fdt }));
          const diff = compareMessages('peek', await driver.peek(o.q, o.max), want);
          if (diff) return diff;
          break;
        }
        case 'del':
        case 'cv': {
          const h = handleOf(o.h);
          if (h === undefined) break;
          if (o.op === 'cv' && o.s === 0) {
            // The reference gives VisibilityTimeout 1-43200: 0 is InvalidArgument and changes nothing.
            const r = await call(() => driver.changeVisibility(o.q, h, 0));
            const got = 'code' in r ? r.code : 'ok';
            if (got !== 'InvalidArgument')
              return differ(`cv 0 s: ${got}`, 'cv 0 s: InvalidArgument');
            break;
          }
          const want = model.checkHandle(o.q, h);
          const r = await call(async () => {
            if (o.op === 'cv') return driver.changeVisibility(o.q, h, o.s);
            await driver.deleteMessage(o.q, h);
            return null;
          });
          const got = 'code' in r ? r.code : null;
          if (got !== want)
            return differ(
              `${o.op} of ${model.find(h)?.body}: ${got ?? 'ok'}`,
              `${o.op}: ${want ?? 'ok'}`,
            );
          const m = model.find(h);
          if (want !== null || !m || !('ok' in r)) break;
          if (o.op === 'del') m.gone = true;
          else if (r.ok) {
            const nvt = model.now + o.s * 1000;
            if (r.ok.nextVisibleTime !== nvt)
              return differ(
                `cv NextVisibleTime ${r.ok.nextVisibleTime - T0}`,
                `cv NextVisibleTime ${nvt - T0}`,
              );
            m.old.push(h);
            m.handle = r.ok.receiptHandle;
            m.vis = nvt;
            handles.push(r.ok.receiptHandle);
          }
          break;
        }
        case 'bdel': {
          const hs = o.hs.map(handleOf).filter((h): h is string => h !== undefined);
          if (hs.length !== o.hs.length) break;
          const want: string[] = [];
          for (const h of hs) {
            // In order: the same valid handle twice deletes once, then the message is gone.
            const code = model.checkHandle(o.q, h);
            if (code) want.push(code);
            else (model.find(h) as ModelMessage).gone = true;
          }
          const got = await driver.deleteBatch(o.q, hs);
          if (JSON.stringify(got) !== JSON.stringify(want.sort()))
            return differ(
              `bdel failures ${JSON.stringify(got)}`,
              `bdel failures ${JSON.stringify(want)}`,
            );
          break;
        }
        case 'adv': {
          if (model.advance(model.now + o.ms)) inconclusive = true;
          await clock.advance(o.ms);
          break;
        }
        case 'stats': {
          const got = await driver.stats(o.q);
          const s = model.stats(o.q);
          const want = [s.active, s.inflight, s.delayed, s.waiting].slice(0, got.length);
          if (JSON.stringify(got) !== JSON.stringify(want))
            return differ(`stats ${JSON.stringify(got)}`, `stats ${JSON.stringify(want)}`);
          break;
        }
        case 'txn': {
          // Work inside a caller's transaction that rolls back: the model does not change.
          const h = handleOf(o.h) ?? 'no-handle';
          const rollback = new Error('rollback');
          try {
            stack.store.transaction(() => {
              try {
                if (o.kind === 'del' || o.kind === 'peek-after-del')
                  stack.queues.deleteMessage(o.q, h);
                if (o.kind === 'cv') stack.queues.changeVisibility(o.q, h, 3600);
              } catch {
                // A stale handle: nothing happened, which is fine here.
              }
              if (o.kind === 'recv')
                void stack.queues
                  .receiveMessages(o.q, { max: 16, waitSeconds: 0 })
                  .catch(() => undefined);
              stack.queues.peekMessages(o.q, 16);
              throw rollback;
            });
          } catch (err) {
            if (err !== rollback) throw err;
          }
          coverage.rollbacks++;
          break;
        }
        case 'recreate': {
          stack.queues.deleteQueue(o.q);
          model.dropQueue(o.q);
          stack.queues.createQueue(o.q, ATTRS[o.q]);
          break;
        }
        case 'restart': {
          if (!dataDir) break;
          await stack.stop();
          stack = await start();
          driver = driverOf(stack);
          coverage.restarts++;
          break;
        }
      }
      if (mode === 'longpoll') {
        await settle();
        await settle();
        const diff = checkPolls();
        if (diff) return diff;
      }
      if (clock.now() !== model.now)
        return differ(`clock ${clock.now() - T0}`, `clock ${model.now - T0}`);
    }
    return { mismatch: null, inconclusive, coverage };
  } catch (err) {
    // An error no step expects (a rejected SDK call, a throw from the service) is a difference too.
    return differ(`threw ${errorCode(err)}: ${(err as Error).message}`, 'an answer');
  } finally {
    coverage.dlqMoves = model.dlqMoves;
    await stack.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A run that threw counts as a mismatch at the step it was on. */
async function outcomeOf(ops: readonly ModelOp[], mode: ModelMode): Promise<RunOutcome> {
  try {
    return await runSequence(ops, mode);
  } catch (err) {
    return {
      mismatch: {
        step: -1,
        op: { op: 'restart' },
        service: `threw ${(err as Error).stack}`,
        model: 'no error',
        history: [],
      },
      inconclusive: false,
      coverage: { received: 0, dlqMoves: 0, pollsServed: 0, restarts: 0, rollbacks: 0 },
    };
  }
}

/** The kind of a difference, kept while shrinking: the failing operation and what differed. */
const kindOf = (m: Mismatch) => `${m.op.op}:${m.service.split(/[ :]/)[0]}`;

/**
 * The shortest sub-sequence found (removing chunks, then single steps) that still fails
 * with the same kind of difference, within `budgetMs` of wall time.
 */
export async function shrink(
  ops: readonly ModelOp[],
  mode: ModelMode,
  first: Mismatch,
  budgetMs = 8_000,
): Promise<{ ops: ModelOp[]; mismatch: Mismatch }> {
  const deadline = Date.now() + budgetMs;
  let cur = [...ops.slice(0, first.step + 1)];
  let best = first;
  for (let size = Math.max(1, Math.floor(cur.length / 2)); size >= 1 && Date.now() < deadline; ) {
    let removed = false;
    for (let k = 0; k + size <= cur.length && Date.now() < deadline; ) {
      const cand = cur.slice(0, k).concat(cur.slice(k + size));
      const r = await outcomeOf(cand, mode);
      if (r.mismatch && !r.inconclusive && kindOf(r.mismatch) === kindOf(first)) {
        cur = cand.slice(0, r.mismatch.step + 1);
        best = r.mismatch;
        removed = true;
      } else k += size;
    }
    if (!removed) size = Math.floor(size / 2);
  }
  return { ops: cur, mismatch: best };
}

/** The failure report: seed, mode, the minimal sequence and the difference it shows. */
export function describeFailure(
  seed: number,
  mode: ModelMode,
  ops: readonly ModelOp[],
  m: Mismatch,
): string {
  const where = m.step < 0 ? 'before the first step' : `at step #${m.step} ${JSON.stringify(m.op)}`;
  return [
    `seed ${seed} (${mode}): the service and the model differ ${where}`,
    `  service: ${m.service}`,
    `  model:   ${m.model}`,
    `  minimal sequence (${ops.length} ops; replay with runSequence(ops, '${mode}')): ${JSON.stringify(ops)}`,
    '  steps before it:',
    ...m.history.map((h) => `    ${h}`),
  ].join('\n');
}

/** Sums of what the runs exercised, and the first failure (shrunk), if any. */
export interface SeedsOutcome {
  failure: string | undefined;
  runs: number;
  /** Runs whose difference came after an ambiguous wake-up (RunOutcome.inconclusive): not counted. */
  discarded: number;
  coverage: RunOutcome['coverage'];
}

/** Runs `seeds` in `mode` with `count` operations each; stops at the first failing seed. */
export async function checkSeeds(
  mode: ModelMode,
  seeds: readonly number[],
  count: number,
): Promise<SeedsOutcome> {
  const total = { received: 0, dlqMoves: 0, pollsServed: 0, restarts: 0, rollbacks: 0 };
  let discarded = 0;
  let runs = 0;
  for (const seed of seeds) {
    const ops = generateOps(seed, count, mode);
    const r = await outcomeOf(ops, mode);
    runs++;
    for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += r.coverage[k];
    if (r.mismatch && r.inconclusive) discarded++;
    if (r.mismatch && !r.inconclusive) {
      const small =
        r.mismatch.step < 0 ? { ops, mismatch: r.mismatch } : await shrink(ops, mode, r.mismatch);
      return {
        failure: describeFailure(seed, mode, small.ops, small.mismatch),
        runs,
        discarded,
        coverage: total,
      };
    }
  }
  return { failure: undefined, runs, discarded, coverage: total };
}
