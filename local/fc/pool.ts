import type { Logger } from '../log';
import {
  type FunctionInstance,
  InitializationFailure,
  type InstanceContext,
  InstanceKilledWhileStarting,
} from './instance';
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
  /** Kills every instance; resolves once their processes have exited (2 s at most). */
  stop(): Promise<void>;
}

/** Instances killed while starting, in a row, after which the pool stops replacing them. */
const MAX_KILLED_STARTS = 3;

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
  let killedStarts = 0;

  const spawn = (): FunctionInstance => {
    const inst = options.spawn();
    all.push(inst);
    let wasReady = false;
    inst.ready.then(
      (ms) => {
        initMs = ms;
        wasReady = true;
        killedStarts = 0;
      },
      (err: unknown) => {
        // Killed from outside while starting (not a bundle that fails to load):
        // the pool stays warm as after a crash, unless that keeps happening.
        if (!(err instanceof InstanceKilledWhileStarting) || stopped) return;
        if (++killedStarts > MAX_KILLED_STARTS) return;
        if (all.length === 0 && waiters.length === 0) {
          void acquireFresh().then(release, () => {});
        }
      },
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

  /**
   * Runs the event on an idle instance, else on one acquired. `again` marks a
   * second try: a request that never reached its instance (it died a moment
   * before), or whose instance was killed while starting, is run once more
   * elsewhere instead of failing as if the function had crashed.
   */
  const dispatch = (
    event: Buffer,
    context: InstanceContext,
    again = false,
  ): Promise<InvokeOutcome> => {
    const ready = takeIdle();
    return ready ? runOn(ready, event, context, again) : acquireAndRun(event, context, again);
  };

  const runOn = async (
    inst: FunctionInstance,
    event: Buffer,
    context: InstanceContext,
    again: boolean,
  ): Promise<InvokeOutcome> => {
    let outcome: InvokeOutcome;
    try {
      outcome = await inst.invoke(event, context);
    } finally {
      release(inst);
    }
    if (!outcome.ok && outcome.notDelivered && !again && !stopped) {
      return dispatch(event, context, true);
    }
    return outcome;
  };

  const acquireAndRun = async (
    event: Buffer,
    context: InstanceContext,
    again: boolean,
  ): Promise<InvokeOutcome> => {
    let inst: FunctionInstance;
    try {
      inst = await acquire();
    } catch (err) {
      if (err instanceof InstanceKilledWhileStarting && !again && !stopped) {
        return dispatch(event, context, true);
      }
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
    return runOn(inst, event, context, again);
  };

  return {
    spec,
    invoke(event, context) {
      // With an idle instance the event is on its way (child.send) before this
      // returns: a trigger woken inside a commit hands its message over before
      // the committing caller even answers.
      return dispatch(event, context);
    },
    async warm(count = 1) {
      const missing = Math.min(count, options.maxInstances) - all.length;
      if (missing <= 0 || stopped) return;
      // allSettled: an instance that started while another failed must still be
      // released, or it would count against the limit, busy forever.
      const results = await Promise.allSettled(
        Array.from({ length: missing }, () => acquireFresh()),
      );
      const failures: unknown[] = [];
      for (const r of results) {
        if (r.status === 'fulfilled') release(r.value);
        else failures.push(r.reason);
      }
      // Killed from outside while starting: another starts (see spawn), not a load failure.
      if (failures.some((err) => err instanceof InstanceKilledWhileStarting)) {
        logger.warn('an instance was killed while it started; starting another', {
          function: spec.name,
        });
      }
      const failure = failures.find((err) => !(err instanceof InstanceKilledWhileStarting));
      if (failure !== undefined) {
        // Reported again on each invocation, as FC reports InitializationError.
        logger.error('function failed to initialize', {
          function: spec.name,
          error: failure instanceof Error ? failure.message : String(failure),
        });
      }
    },
    instances: () => [...all],
    lastInitMs: () => initMs,
    stop() {
      stopped = true;
      for (const w of waiters.splice(0)) w(new Error(`function ${spec.name} is stopped`));
      const exited = [...all].map(
        (inst) =>
          new Promise<void>((resolve) => {
            inst.onExit(resolve);
            inst.kill();
          }),
      );
      // Bounded: a process the OS is slow to reap must not hold the stop up.
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 2000);
      });
      return Promise.race([Promise.all(exited).then(() => undefined), bound]).finally(() =>
        clearTimeout(timer),
      );
    },
  };
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
