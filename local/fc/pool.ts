import type { Logger } from '../log';
import { type FunctionInstance, InitializationFailure, type InstanceContext } from './instance';
import type { FunctionSpec, InvokeOutcome } from './types';

/** The instances of one function: one request per instance, up to `maxInstances`. */
export interface InstancePool {
  readonly spec: FunctionSpec;
  invoke(event: Buffer, context: InstanceContext): Promise<InvokeOutcome>;
  /** Starts `count` warm instances (as provisioned instances would be) and waits for them. */
  warm(count?: number): Promise<void>;
  instances(): readonly FunctionInstance[];
  /** Init time (ms) of the most recently started instance, once known. */
  lastInitMs(): number | undefined;
  stop(): void;
}

/** Keeps instances of `spec`, starting new ones on demand and replacing dead ones. */
export function createInstancePool(options: {
  spec: FunctionSpec;
  maxInstances: number;
  logger: Logger;
  spawn: () => FunctionInstance;
}): InstancePool {
  const { spec, logger } = options;
  const all: FunctionInstance[] = [];
  const idle: FunctionInstance[] = [];
  const waiters: Array<(inst: FunctionInstance | Error) => void> = [];
  let stopped = false;
  let initMs: number | undefined;

  const spawn = (): FunctionInstance => {
    const inst = options.spawn();
    all.push(inst);
    let wasReady = false;
    inst.ready.then(
      (ms) => {
        initMs = ms;
        wasReady = true;
      },
      () => {},
    );
    inst.onExit(() => {
      remove(all, inst);
      remove(idle, inst);
      if (stopped) return;
      logger.debug('instance exited', { function: spec.name, instance: inst.id });
      // Keep one warm instance after a crash (not after a failed init: no restart loop).
      if (wasReady && all.length === 0 && waiters.length === 0) {
        void acquireFresh().then(release, () => {});
        return;
      }
      // A waiter blocked on a full pool can now get a fresh instance. Not in place
      // of one that never started (a spare whose init failed) while others run:
      // its replacement would likely fail too, and that failure would reach the
      // waiting request, which the busy instances still serve as they free.
      if (
        waiters.length > 0 &&
        all.length < options.maxInstances &&
        (wasReady || all.length === 0)
      ) {
        const waiter = waiters.shift()!;
        void acquireFresh().then(waiter, waiter);
      }
    });
    return inst;
  };

  const acquireFresh = async (): Promise<FunctionInstance> => {
    const inst = spawn();
    await inst.ready;
    return inst;
  };

  /** A live idle instance, taken synchronously; undefined when none (or stopped). */
  const takeIdle = (): FunctionInstance | undefined => {
    if (stopped) return undefined;
    for (;;) {
      const inst = idle.pop();
      if (!inst || inst.alive) return inst;
    }
  };

  /** An instance when none is idle (invoke has just looked, in this same turn). */
  const acquire = async (): Promise<FunctionInstance> => {
    if (stopped) throw new Error(`function ${spec.name} is stopped`);
    if (all.length === 0) return acquireFresh();
    // Every instance is busy. A sequential flow's next task usually arrives while
    // the instance that ran the previous one is still returning, a fraction of a
    // millisecond from free, so this request takes whichever instance frees first:
    // that one, or a spare started now (as FC scales out when all instances are
    // busy). The spare then waits warm, and the next overlapping request finds an
    // idle instance instead of queueing behind the one returning.
    if (all.length < options.maxInstances) startSpare();
    return new Promise<FunctionInstance>((resolve, reject) => {
      waiters.push((r) => (r instanceof Error ? reject(r) : resolve(r)));
    });
  };

  const startSpare = () => {
    void acquireFresh().then(release, (err: unknown) => {
      // Killed by stop() while starting: no failure worth a line.
      if (stopped) return;
      // The waiting request is served by a busy instance as it frees.
      logger.warn('a spare instance failed to start', {
        function: spec.name,
        error: err instanceof Error ? err.message : String(err),
      });
    });
  };

  const release = (inst: FunctionInstance) => {
    if (!inst.alive || stopped) return;
    const waiter = waiters.shift();
    if (waiter) waiter(inst);
    else idle.push(inst);
  };

  const runOn = async (
    inst: FunctionInstance,
    event: Buffer,
    context: InstanceContext,
  ): Promise<InvokeOutcome> => {
    try {
      return await inst.invoke(event, context);
    } finally {
      release(inst);
    }
  };

  const acquireAndRun = async (event: Buffer, context: InstanceContext): Promise<InvokeOutcome> => {
    let inst: FunctionInstance;
    try {
      inst = await acquire();
    } catch (err) {
      const body =
        err instanceof InitializationFailure
          ? err.body
          : { errorMessage: err instanceof Error ? err.message : String(err) };
      return {
        ok: false,
        requestId: context.requestId,
        kind: 'InitializationError',
        error: body,
        timedOut: false,
        durationMs: 0,
      };
    }
    return runOn(inst, event, context);
  };

  return {
    spec,
    invoke(event, context) {
      // With an idle instance the event is on its way (child.send) before this
      // returns: a trigger woken inside a commit hands its message over before
      // the committing caller even answers.
      const ready = takeIdle();
      return ready ? runOn(ready, event, context) : acquireAndRun(event, context);
    },
    async warm(count = 1) {
      const missing = Math.min(count, options.maxInstances) - all.length;
      if (missing <= 0 || stopped) return;
      // allSettled: an instance that started while another failed must still be
      // released, or it would count against the limit, busy forever.
      const results = await Promise.allSettled(
        Array.from({ length: missing }, () => acquireFresh()),
      );
      for (const r of results) if (r.status === 'fulfilled') release(r.value);
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) {
        const err: unknown = failure.reason;
        // Reported again on each invocation, as FC reports InitializationError.
        logger.error('function failed to initialize', {
          function: spec.name,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    },
    instances: () => [...all],
    lastInitMs: () => initMs,
    stop() {
      stopped = true;
      for (const w of waiters.splice(0)) w(new Error(`function ${spec.name} is stopped`));
      for (const inst of [...all]) inst.kill();
    },
  };
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
