import { describe, expect, it } from 'vitest';
import type { FunctionInstance, InstanceContext } from '../../../local/fc/instance';
import { createInstancePool } from '../../../local/fc/pool';
import type { FunctionSpec, InvokeOutcome } from '../../../local/fc/types';
import { createLogger, silentLogger } from '../../../local/log';

// Pure unit: fake instances whose start and whose invocations the test settles
// by hand, so the pool's choices (reuse, scale out, hand-over) are observable.
interface FakeInstance extends FunctionInstance {
  start(): void;
  /** Fails its start: `ready` rejects and the process exits, as a failed init does. */
  failStart(): void;
  /** Ends the invocation in flight with a body naming this instance. */
  finish(): void;
  served: number;
}

function fakeInstance(id: string): FakeInstance {
  let started: (ms: number) => void = () => {};
  let failed: (err: Error) => void = () => {};
  const ready = new Promise<number>((resolve, reject) => {
    started = resolve;
    failed = reject;
  });
  ready.catch(() => {});
  const exitListeners: Array<() => void> = [];
  let alive = true;
  let pending: ((o: InvokeOutcome) => void) | undefined;
  const inst: FakeInstance = {
    id,
    pid: undefined,
    ready,
    get busy() {
      return pending !== undefined;
    },
    get alive() {
      return alive;
    },
    served: 0,
    invoke(_event: Buffer, context: InstanceContext) {
      inst.served++;
      return new Promise<InvokeOutcome>((resolve) => {
        pending = () =>
          resolve({
            ok: true,
            requestId: context.requestId,
            body: Buffer.from(id),
            durationMs: 0,
          });
      });
    },
    onExit(listener) {
      exitListeners.push(listener);
    },
    kill() {},
    start: () => started(1),
    failStart() {
      failed(new Error(`${id} failed to initialize`));
      alive = false;
      for (const l of exitListeners.splice(0)) l();
    },
    finish() {
      const p = pending;
      pending = undefined;
      p?.({} as InvokeOutcome);
    },
  };
  return inst;
}

const spec = { name: 'fn', timeoutSeconds: 3 } as FunctionSpec;
const context = (requestId: string) => ({ requestId }) as InstanceContext;
const flush = () => new Promise((r) => setImmediate(r));

function pool(maxInstances = 4, logger = silentLogger) {
  const spawned: FakeInstance[] = [];
  const p = createInstancePool({
    spec,
    maxInstances,
    logger,
    spawn: () => {
      const inst = fakeInstance(`i${spawned.length + 1}`);
      spawned.push(inst);
      return inst;
    },
  });
  return { p, spawned };
}

const bodyOf = async (o: Promise<InvokeOutcome>) => {
  const r = await o;
  return r.ok ? r.body.toString() : `error: ${r.error.errorMessage}`;
};

/** A pool with one request busy on i1 and a second waiting, a spare (i2) started for it. */
async function overlapping(logger = silentLogger) {
  const { p, spawned } = pool(4, logger);
  const first = p.invoke(Buffer.from('a'), context('r1'));
  spawned[0]?.start();
  await flush();
  const second = p.invoke(Buffer.from('b'), context('r2'));
  await flush();
  return { p, spawned, first, second };
}

/** The first instance finishes the first request, then serves the waiting second. */
async function bothServedByFirst(
  spawned: FakeInstance[],
  first: Promise<InvokeOutcome>,
  second: Promise<InvokeOutcome>,
) {
  spawned[0]?.finish();
  expect(await bodyOf(first)).toBe('i1');
  await flush();
  spawned[0]?.finish();
  expect(await bodyOf(second)).toBe('i1');
}

describe('the function instance pool', () => {
  it('serves a request that finds every instance busy with the first one to come free, without waiting for a cold start', async () => {
    const { spawned, first, second } = await overlapping();
    // A spare was started for it, but it is still cold; the busy one frees first.
    expect(spawned).toHaveLength(2);
    await bothServedByFirst(spawned, first, second);
    expect(spawned[1]?.served).toBe(0);
  });

  it('hands an event to an idle instance before invoke returns (no loop turn in between)', async () => {
    const { p, spawned } = pool();
    const warming = p.warm(1);
    spawned[0]?.start();
    await warming;
    const outcome = p.invoke(Buffer.from('a'), context('r1'));
    // Synchronously: the trigger calls this inside a sender's commit.
    expect(spawned[0]?.served).toBe(1);
    spawned[0]?.finish();
    expect(await bodyOf(outcome)).toBe('i1');
  });

  it('keeps the spare warm, so the next overlapping request finds an idle instance at once', async () => {
    const { p, spawned, first, second } = await overlapping();
    spawned[0]?.finish();
    await first;
    await flush();
    spawned[1]?.start(); // the spare comes up while i1 serves the second request
    await flush();
    const third = p.invoke(Buffer.from('c'), context('r3'));
    await flush();
    expect(spawned[1]?.served).toBe(1);
    spawned[1]?.finish();
    expect(await bodyOf(third)).toBe('i2');
    spawned[0]?.finish();
    expect(await bodyOf(second)).toBe('i1');
    expect(spawned).toHaveLength(2);
  });

  it('hands a waiting request to the spare when the spare is ready before any busy instance is free', async () => {
    const { spawned, first, second } = await overlapping();
    spawned[1]?.start();
    await flush();
    spawned[1]?.finish();
    expect(await bodyOf(second)).toBe('i2');
    spawned[0]?.finish();
    expect(await bodyOf(first)).toBe('i1');
  });

  it('starts no more instances than its limit; the extra requests queue for the busy ones', async () => {
    const { p, spawned } = pool(2);
    const calls = [p.invoke(Buffer.from('a'), context('r1'))];
    spawned[0]?.start();
    await flush();
    calls.push(p.invoke(Buffer.from('b'), context('r2')));
    calls.push(p.invoke(Buffer.from('c'), context('r3')));
    await flush();
    expect(spawned).toHaveLength(2);
    spawned[1]?.start();
    await flush();
    spawned[0]?.finish();
    spawned[1]?.finish();
    await flush();
    spawned[0]?.finish();
    expect(await Promise.all(calls.map(bodyOf))).toEqual(['i1', 'i2', 'i1']);
  });

  it('serves a request with a busy instance as it frees when the spare started for it fails to initialize', async () => {
    const { spawned, first, second } = await overlapping();
    spawned[1]?.failStart();
    await flush();
    // No replacement spare: a second failed start would reach the request as an error.
    expect(spawned).toHaveLength(2);
    await bothServedByFirst(spawned, first, second);
  });

  it('keeps the instances that did start when warming several and one fails to initialize', async () => {
    const { p, spawned } = pool();
    const warming = p.warm(2);
    spawned[0]?.failStart();
    await flush();
    spawned[1]?.start();
    await warming;
    await flush();
    const call = p.invoke(Buffer.from('a'), context('r1'));
    await flush();
    // The warm one serves it at once; none is started (or left busy) beside it.
    expect(spawned).toHaveLength(2);
    spawned[1]?.finish();
    expect(await bodyOf(call)).toBe('i2');
  });

  it('stays quiet about a spare that was still starting when the pool stopped', async () => {
    const lines: string[] = [];
    const { p, spawned, first, second } = await overlapping(
      createLogger({ level: 'debug', write: (l) => lines.push(l) }),
    );
    p.stop(); // a redeploy or the stack's stop
    spawned[1]?.failStart(); // the killed spare's start fails, as a killed process's does
    await flush();
    expect(await bodyOf(second)).toMatch(/stopped/);
    expect(lines.filter((l) => l.includes('spare'))).toEqual([]);
    spawned[0]?.finish();
    await first;
  });
});
