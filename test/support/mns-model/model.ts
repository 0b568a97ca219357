// The independent model of the three queues: it reads no service code.
import type { SendItem } from './ops';
import {
  ATTRS,
  DEFAULT_PRIORITY,
  DEFAULT_RETENTION,
  DEFAULT_VT,
  type QueueName,
  T0,
} from './queues';

export interface ModelMessage {
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
  /** Its valid handle is a process-bound claim's: the next start makes it receivable. */
  bound: boolean;
}

/** One message a receive hands out, with the fields the model expects it to carry. */
export interface Claim {
  m: ModelMessage;
  dq: number;
  fdt: number;
  nvt: number;
  placeholder: string;
}

export interface ModelWaiter {
  id: number;
  max: number;
  vt: number | undefined;
}

/**
 * Which queue is served first when parked polls on qa and on its DLQ wake at
 * the same instant: the `k`-th such tie in one advance() gets `order(k)`.
 */
export type TieOrder = (k: number) => 'qa-first' | 'dlq-first';

/** The independent model of the three queues. */
export class QueueModel {
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
      bound: false,
    };
    this.msgs.push(m);
    return m;
  }

  /** A receive of up to `max`: messages past MaxReceiveCount move to the DLQ instead. */
  claim(q: QueueName, max: number, vt: number | undefined, bound = false): Claim[] {
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
      Object.assign(c.m, { dq: c.dq, fdt: c.fdt, vis: c.nvt, handle: c.placeholder, bound });
    }
    const dlq = a.DeadLetterQueue as QueueName | null | undefined;
    for (const m of moves) {
      if (!dlq) break;
      if (m.handle) m.old.push(m.handle);
      Object.assign(m, { handle: null, q: dlq, dq: 0, fdt: 0, vis: this.now, bound: false });
      this.dlqMoves++;
    }
    if (moves.length && dlq) this.serve(dlq);
    return out;
  }

  /**
   * A start of the service after its process ended: what a process-bound claim
   * still held is receivable now, its handle dead; every other claim keeps its window.
   */
  restarted(): number {
    let handedBack = 0;
    for (const m of this.msgs) {
      if (m.gone || !m.bound || m.vis <= this.now || m.exp <= this.now) continue;
      if (m.handle) m.old.push(m.handle);
      Object.assign(m, { handle: null, vis: this.now, bound: false });
      handedBack++;
    }
    return handedBack;
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
   * becomes visible. Returns how many times qa and its DLQ, both with parked polls, woke
   * at the same moment: the order between them is the service's choice, and `order`
   * says which one this model takes at each (qa first unless told).
   */
  advance(target: number, order: TieOrder = () => 'qa-first'): number {
    let ties = 0;
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
      // Sorted, qa comes before qa-dlq; the other queues are unrelated to either.
      const qa = waking.indexOf('qa');
      const dlq = waking.indexOf('qa-dlq');
      if (qa >= 0 && dlq >= 0 && order(ties++) === 'dlq-first') {
        waking[qa] = 'qa-dlq';
        waking[dlq] = 'qa';
      }
      for (const q of waking) this.serve(q);
    }
    this.now = target;
    return ties;
  }

  /** A copy of the whole model (claims still point at their own copy's messages). */
  snapshot(): QueueModel {
    const copy = new QueueModel();
    copy.restore(this);
    return copy;
  }

  /** Takes over `other`'s whole state (a deep copy of it). */
  restore(other: QueueModel): void {
    const state = structuredClone({
      msgs: other.msgs,
      waiters: other.waiters,
      served: other.served,
    });
    this.now = other.now;
    this.dlqMoves = other.dlqMoves;
    this.seq = other.seq;
    this.placeholders = other.placeholders;
    this.msgs.splice(0, this.msgs.length, ...state.msgs);
    this.waiters.clear();
    for (const [q, ws] of state.waiters) this.waiters.set(q, ws);
    this.served.clear();
    for (const [id, got] of state.served) this.served.set(id, got);
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
