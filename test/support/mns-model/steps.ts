// One step per operation: applies it to the service and to the model, and returns the difference, if any.
import { errorCode } from './driver';
import type { ModelMessage } from './model';
import type { ModelOp } from './ops';
import type { RunOutcome } from './outcome';
import { ATTRS, T0 } from './queues';
import { type RunContext, settle } from './run-context';

type Op<K extends ModelOp['op']> = Extract<ModelOp, { op: K }>;
type Step<K extends ModelOp['op']> = (run: RunContext, o: Op<K>) => Promise<RunOutcome | null>;

const call = async <T>(fn: () => Promise<T>): Promise<{ ok: T } | { code: string }> => {
  try {
    return { ok: await fn() };
  } catch (err) {
    return { code: errorCode(err) };
  }
};

const send: Step<'send'> = async (run, o) => {
  const { model, handles } = run;
  const body = `b${run.step}`;
  const handle = await run.driver.send(o.q, body, o);
  const m = model.send(o.q, body, o, handle);
  if (m.vis > model.now && !handle)
    return run.differ('a delayed send without a receipt handle', 'a handle');
  if (handle) handles.push(handle);
  if (m.vis <= model.now) model.serve(o.q);
  return null;
};

const sendBatch: Step<'bsend'> = async (run, o) => {
  const { model, handles } = run;
  const items = o.items.map((it, k) => ({ ...it, body: `b${run.step}-${k}` }));
  const got = await run.driver.sendBatch(o.q, items);
  items.forEach((it, k) => {
    const h = got[k] ?? null;
    model.send(o.q, it.body, it, h);
    if (h) handles.push(h);
  });
  model.serve(o.q);
  return null;
};

const receive: Step<'recv' | 'lp'> = async (run, o) => {
  const { model, driver } = run;
  const vt = driver.perReceiveVisibility ? o.vt : undefined;
  const bound = o.op === 'recv' && o.bound === true;
  const claims = model.claim(o.q, o.max, vt, bound);
  if (o.op === 'recv') {
    const got = await driver.receive(o.q, o.max, vt, bound);
    const diff = run.compareMessages('receive', got, claims);
    if (diff) return diff;
    run.learnFrom(claims, got);
    run.coverage.received += got.length;
    return null;
  }
  // A long poll (in process): it answers at once when the model found messages,
  // else it parks, and the model parks a waiter beside it.
  const id = run.pollId++;
  run.stack.queues
    .receiveMessages(o.q, {
      max: o.max,
      waitSeconds: 30,
      ...(o.vt ? { visibilityTimeout: o.vt } : {}),
    })
    .then(
      (ms) => run.polled.set(id, ms),
      (err: unknown) => run.polled.set(id, `error ${errorCode(err)}`),
    );
  await settle();
  if (claims.length) model.served.set(id, claims);
  else model.park(o.q, { id, max: o.max, vt: o.vt });
  return null;
};

const peek: Step<'peek'> = async (run, o) => {
  const want = run.model
    .active(o.q)
    .slice(0, o.max)
    .map((m) => ({ m, dq: m.dq, fdt: m.fdt }));
  const diff = run.compareMessages('peek', await run.driver.peek(o.q, o.max), want);
  if (diff) return diff;
  return null;
};

const deleteOrChangeVisibility: Step<'del' | 'cv'> = async (run, o) => {
  const { model, driver } = run;
  const h = run.handleOf(o.h);
  if (h === undefined) return null;
  if (o.op === 'cv' && o.s === 0) {
    // The reference gives VisibilityTimeout 1-43200: 0 is InvalidArgument and changes nothing.
    const r = await call(() => driver.changeVisibility(o.q, h, 0));
    const got = 'code' in r ? r.code : 'ok';
    if (got !== 'InvalidArgument') return run.differ(`cv 0 s: ${got}`, 'cv 0 s: InvalidArgument');
    return null;
  }
  const want = model.checkHandle(o.q, h);
  const r = await call(async () => {
    if (o.op === 'cv') return driver.changeVisibility(o.q, h, o.s);
    await driver.deleteMessage(o.q, h);
    return null;
  });
  const got = 'code' in r ? r.code : null;
  if (got !== want)
    return run.differ(
      `${o.op} of ${model.find(h)?.body}: ${got ?? 'ok'}`,
      `${o.op}: ${want ?? 'ok'}`,
    );
  const m = model.find(h);
  if (want !== null || !m || !('ok' in r)) return null;
  if (o.op === 'del') m.gone = true;
  else if (r.ok) {
    const nvt = model.now + o.s * 1000;
    if (r.ok.nextVisibleTime !== nvt)
      return run.differ(
        `cv NextVisibleTime ${r.ok.nextVisibleTime - T0}`,
        `cv NextVisibleTime ${nvt - T0}`,
      );
    m.old.push(h);
    m.handle = r.ok.receiptHandle;
    // A new window, an ordinary handle: no longer bound to the process.
    m.bound = false;
    m.vis = nvt;
    run.handles.push(r.ok.receiptHandle);
  }
  return null;
};

const deleteBatch: Step<'bdel'> = async (run, o) => {
  const { model } = run;
  const hs = o.hs.map(run.handleOf).filter((h): h is string => h !== undefined);
  if (hs.length !== o.hs.length) return null;
  const want: string[] = [];
  for (const h of hs) {
    // In order: the same valid handle twice deletes once, then the message is gone.
    const code = model.checkHandle(o.q, h);
    if (code) want.push(code);
    else (model.find(h) as ModelMessage).gone = true;
  }
  const got = await run.driver.deleteBatch(o.q, hs);
  if (JSON.stringify(got) !== JSON.stringify(want.sort()))
    return run.differ(
      `bdel failures ${JSON.stringify(got)}`,
      `bdel failures ${JSON.stringify(want)}`,
    );
  return null;
};

/** More ties in one advance than this are not searched (2^n orders); none has been seen. */
const MAX_TIES_SEARCHED = 8;

const advance: Step<'adv'> = async (run, o) => {
  const target = run.model.now + o.ms;
  const before = run.model.snapshot();
  const ties = run.model.advance(target);
  await run.clock.advance(o.ms);
  if (ties === 0) return null;
  run.coverage.ties += ties;
  // qa and its DLQ woke at one moment with polls parked on both: the service
  // serves them in an order of its own choosing, which decides who gets a
  // message moved to the DLQ. Follow the order its answers show; when no order
  // explains them, the run loop's checkPolls reports the difference.
  await settle();
  await settle();
  if (run.pollDifference(run.model) === null || ties > MAX_TIES_SEARCHED) return null;
  for (let orders = 1; orders < 2 ** ties; orders++) {
    const other = before.snapshot();
    other.advance(target, (k) => ((orders >> k) & 1 ? 'dlq-first' : 'qa-first'));
    if (run.pollDifference(other) === null) {
      run.model.restore(other);
      run.coverage.tiesDlqFirst++;
      return null;
    }
  }
  return null;
};

const stats: Step<'stats'> = async (run, o) => {
  const got = await run.driver.stats(o.q);
  const s = run.model.stats(o.q);
  const want = [s.active, s.inflight, s.delayed, s.waiting].slice(0, got.length);
  if (JSON.stringify(got) !== JSON.stringify(want))
    return run.differ(`stats ${JSON.stringify(got)}`, `stats ${JSON.stringify(want)}`);
  return null;
};

const rolledBackTransaction: Step<'txn'> = async (run, o) => {
  const { stack } = run;
  // Work inside a caller's transaction that rolls back: the model does not change.
  const h = run.handleOf(o.h) ?? 'no-handle';
  const rollback = new Error('rollback');
  try {
    stack.store.transaction(() => {
      try {
        if (o.kind === 'del' || o.kind === 'peek-after-del') stack.queues.deleteMessage(o.q, h);
        if (o.kind === 'cv') stack.queues.changeVisibility(o.q, h, 3600);
      } catch {
        // A stale handle: nothing happened, which is fine here.
      }
      if (o.kind === 'recv')
        void stack.queues.receiveMessages(o.q, { max: 16, waitSeconds: 0 }).catch(() => undefined);
      stack.queues.peekMessages(o.q, 16);
      throw rollback;
    });
  } catch (err) {
    if (err !== rollback) throw err;
  }
  run.coverage.rollbacks++;
  return null;
};

const recreate: Step<'recreate'> = async (run, o) => {
  run.stack.queues.deleteQueue(o.q);
  run.model.dropQueue(o.q);
  run.stack.queues.createQueue(o.q, ATTRS[o.q]);
  return null;
};

const restart: Step<'restart'> = async (run) => {
  if (!run.dataDir) return null;
  await run.stack.stop();
  run.stack = await run.start();
  run.driver = run.driverOf(run.stack);
  run.coverage.boundHandedBack += run.model.restarted();
  run.coverage.restarts++;
  return null;
};

/** Applies one operation; the difference it found, or null. */
export function applyStep(run: RunContext, o: ModelOp): Promise<RunOutcome | null> {
  switch (o.op) {
    case 'send':
      return send(run, o);
    case 'bsend':
      return sendBatch(run, o);
    case 'recv':
    case 'lp':
      return receive(run, o);
    case 'peek':
      return peek(run, o);
    case 'del':
    case 'cv':
      return deleteOrChangeVisibility(run, o);
    case 'bdel':
      return deleteBatch(run, o);
    case 'adv':
      return advance(run, o);
    case 'stats':
      return stats(run, o);
    case 'txn':
      return rolledBackTransaction(run, o);
    case 'recreate':
      return recreate(run, o);
    case 'restart':
      return restart(run, o);
  }
}
