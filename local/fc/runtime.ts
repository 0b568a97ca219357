import { LOCAL_ACCESS_KEY_ID, LOCAL_ACCESS_KEY_SECRET } from '../credentials';
import type { FunctionInvoker } from '../flow/types';
import type { HttpRoute } from '../http/route';
import type { ProjectFunction } from '../project/model';
import type { StackComponent, StackContext } from '../stack';
import { createAsyncInvocations } from './async-invocations';
import { createHttpTriggerRoute } from './http-trigger-route';
import { type InstanceContext, startInstance } from './instance';
import { createInvokeRoute } from './invoke-route';
import { createInvokeRouteV3 } from './invoke-route-v3';
import { type MnsTriggerConsumer, startMnsTrigger, type TriggerQueueApi } from './mns-trigger';
import { createInstancePool, type InstancePool } from './pool';
import { createPushFailures } from './push-failures';
import { newFcRequestId } from './request-id';
import type { FunctionSpec, InvokeOptions, InvokeOutcome } from './types';

/** One deployed function, as `list()` shows it. */
export interface DeployedFunction {
  name: string;
  spec: FunctionSpec;
  triggers: ProjectFunction['triggers'];
  instances: Array<{ id: string; pid: number | undefined; busy: boolean }>;
  /** Init time (require of the bundle) of the newest instance, in ms. */
  initMs: number | undefined;
}

/** The local function runtime: FC 3.0 event functions in child processes. */
export interface FunctionRuntime extends StackComponent {
  /** Registers (or replaces) functions, starts a warm instance each and wires their triggers. */
  deploy(functions: readonly ProjectFunction[]): Promise<void>;
  /** Invokes a function synchronously with a raw event. Unknown names reject with FunctionNotFound. */
  invoke(name: string, event: Buffer | string, options?: InvokeOptions): Promise<InvokeOutcome>;
  /**
   * An async invocation of a deployed function: stored before this returns (the
   * caller then answers 202), run in the background with FC's retries, and run
   * after a restart if a stop or a crash came first.
   */
  invokeAsync(
    name: string,
    event: Buffer,
    options: { qualifier?: string; requestId: string },
  ): void;
  /** Async invocations stored and not yet done. */
  asyncPending(): number;
  /**
   * Drops the stored async invocations of functions not named (a project
   * without them: FC drops a deleted function's queued calls), with a warning.
   */
  dropAsyncInvocationsExcept(names: readonly string[]): void;
  /** Resolves an FC 2.0 (service, function) pair or an FDL name to a deployed function. */
  resolve(name: string, service?: string): string | undefined;
  list(): DeployedFunction[];
  /** Plug into `engine.setFunctionInvoker(...)` so FDL `acs:fc` task steps call functions here. */
  readonly invoker: FunctionInvoker;
}

/** Raised for calls naming a function that is not deployed (FC's 404 FunctionNotFound). */
export class FunctionNotFoundError extends Error {
  override readonly name = 'FunctionNotFoundError';
  readonly code = 'FunctionNotFound';
  readonly retryable = false;
  constructor(readonly functionName: string) {
    super(`function '${functionName}' does not exist`);
  }
}

/** Options of the runtime; the queue API is needed only for MNS triggers. */
export interface FunctionRuntimeOptions {
  queues?: TriggerQueueApi;
  /** Instances per function (one request each). Default 4. */
  maxInstances?: number;
  /** Level for the functions' own log lines. Default `info`. */
  functionLogLevel?: 'info' | 'debug';
}

interface Deployed {
  spec: FunctionSpec;
  source: ProjectFunction;
  pool: InstancePool;
  consumers: MnsTriggerConsumer[];
  /** Set when this version is being replaced or stopped. */
  retired?: boolean;
}

/** Creates the runtime; functions arrive through `deploy` (from s.yaml, or a test). */
export function createFunctionRuntime(
  ctx: StackContext,
  options: FunctionRuntimeOptions = {},
): FunctionRuntime {
  const logger = ctx.logger.child('fc');
  const maxInstances = options.maxInstances ?? 4;
  const deployed = new Map<string, Deployed>();
  let endpoint: string | undefined;
  let stopped = false;

  const envFor = (spec: FunctionSpec): Record<string, string> => {
    if (!endpoint) throw new Error('the function runtime has not started yet');
    const inherited: Record<string, string> = {};
    for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'SYSTEMROOT']) {
      const v = process.env[key];
      if (v !== undefined) inherited[key] = v;
    }
    return {
      ...inherited,
      ...spec.environment,
      // What FC's runtime image sets, then the local endpoint the clients read.
      FC_RUNTIME: spec.runtime,
      FC_TIMEOUT: String(spec.timeoutSeconds),
      FC_FUNC_CODE_PATH: spec.codeDir,
      FC_FUNCTION_NAME: spec.name,
      FC_FUNCTION_HANDLER: spec.handler,
      FC_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
      FC_REGION: ctx.region,
      FC_ACCOUNT_ID: ctx.accountId,
      ALIBABA_CLOUD_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_ID,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: LOCAL_ACCESS_KEY_SECRET,
      QUEUEFLOW_ENDPOINT: endpoint,
      ...(spec.initializer
        ? {
            FC_INITIALIZER_HANDLER: spec.initializer.handler,
            FC_INITIALIZATION_TIMEOUT: String(spec.initializer.timeoutSeconds),
          }
        : {}),
    };
  };

  const contextFor = (spec: FunctionSpec, opts: InvokeOptions): InstanceContext => ({
    requestId: opts.requestId ?? newFcRequestId(),
    credentials: {
      accessKeyId: LOCAL_ACCESS_KEY_ID,
      accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
      securityToken: '',
    },
    function: {
      name: spec.name,
      handler: spec.handler,
      memory: spec.memorySize,
      timeout: spec.timeoutSeconds,
    },
    service: { logProject: '', logStore: '', qualifier: opts.qualifier ?? 'LATEST', versionId: '' },
    region: ctx.region,
    accountId: ctx.accountId,
    retryCount: opts.retryCount ?? 0,
    tracing: { openTracingSpanBaggages: {} },
  });

  const makePool = (spec: FunctionSpec): InstancePool => {
    const fnLogger = ctx.logger.child(`fn:${spec.name}`);
    const level = options.functionLogLevel ?? 'info';
    return createInstancePool({
      spec,
      maxInstances,
      logger,
      spawn: () =>
        startInstance({
          spec,
          env: envFor(spec),
          logger,
          onLog: (line) => fnLogger[level](line),
        }),
    });
  };

  const invoke = async (
    name: string,
    event: Buffer | string,
    opts: InvokeOptions = {},
  ): Promise<InvokeOutcome> => {
    const d = deployed.get(name);
    if (!d || stopped) throw new FunctionNotFoundError(name);
    const buf = typeof event === 'string' ? Buffer.from(event, 'utf8') : event;
    const outcome = await d.pool.invoke(buf, contextFor(d.spec, opts));
    if (!outcome.ok) {
      logger.debug('function error', {
        function: name,
        errorType: outcome.kind,
        error: outcome.error.errorMessage.slice(0, 200),
      });
    }
    return outcome;
  };

  const asyncCalls = createAsyncInvocations({
    store: ctx.store,
    logger,
    invoke: async (name, body, opts) => {
      const version = deployed.get(name);
      const outcome = await invoke(name, body, opts);
      // Cut off by a redeploy or the stop, not failed by the function: not an
      // attempt; the call stays stored and the new version's deploy runs it.
      if (!outcome.ok && (stopped || !version || version.retired)) {
        throw new FunctionNotFoundError(name);
      }
      return outcome;
    },
    now: () => ctx.clock.now(),
    settingsOf: (name) => deployed.get(name)?.spec.asyncInvoke,
  });

  const pushFailures = createPushFailures(ctx.store);

  const startTriggers = (d: Deployed) => {
    if (!options.queues) return;
    for (const t of d.source.triggers) {
      if (t.kind !== 'mns-queue') continue;
      d.consumers.push(
        startMnsTrigger({
          functionName: d.spec.name,
          trigger: t,
          queues: options.queues,
          invoke: (event, o) => invoke(d.spec.name, event, o),
          failures: pushFailures,
          clock: ctx.clock,
          logger: logger.child(`trigger:${t.triggerName}`),
          accountId: ctx.accountId,
          region: ctx.region,
          concurrency: maxInstances,
        }),
      );
    }
  };

  const undeploy = async (d: Deployed) => {
    d.retired = true;
    const stopping = d.consumers.map((c) => c.stop());
    await Promise.all([...stopping, d.pool.stop()]);
  };

  const resolve = (name: string, service?: string): string | undefined => {
    // FC 3.0 functions that came from 2.0 are named `service$function`.
    if (service && deployed.has(`${service}$${name}`)) return `${service}$${name}`;
    return deployed.has(name) ? name : undefined;
  };

  const runtime: FunctionRuntime = {
    name: 'functions',
    routes: [] as HttpRoute[],
    start(startCtx) {
      endpoint = startCtx.endpoint;
    },
    async stop() {
      stopped = true;
      asyncCalls.close();
      await Promise.all([...deployed.values()].map(undeploy));
      deployed.clear();
    },
    async deploy(functions) {
      if (!endpoint) throw new Error('deploy functions after the stack has started');
      await Promise.all(
        functions.map(async (fn) => {
          const spec: FunctionSpec = {
            name: fn.name,
            codeDir: fn.codeDir,
            handler: fn.handler,
            runtime: fn.runtime,
            timeoutSeconds: fn.timeoutSeconds,
            memorySize: fn.memorySize,
            environment: fn.environment,
            ...(fn.initializer ? { initializer: fn.initializer } : {}),
            ...(fn.asyncInvoke ? { asyncInvoke: fn.asyncInvoke } : {}),
          };
          const old = deployed.get(fn.name);
          if (old) await undeploy(old);
          const d: Deployed = { spec, source: fn, pool: makePool(spec), consumers: [] };
          deployed.set(fn.name, d);
          // A queue trigger's pollers hand over the next message while the
          // instance that ran the previous one is still returning; a second
          // warm instance takes it, where a spare started then would cold-start
          // in the middle of the flow (a sequential flow's first run, the demo).
          const queueFed = fn.triggers.some((t) => t.kind === 'mns-queue');
          await d.pool.warm(queueFed ? 2 : 1);
          // Stopped (or replaced) while its instances started: no trigger to start.
          if (stopped || d.retired) return;
          startTriggers(d);
          // Async invocations accepted before a stop (or for the replaced version) run now.
          asyncCalls.dispatch(fn.name);
          logger.debug('function deployed', { function: fn.name, triggers: fn.triggers.length });
        }),
      );
    },
    invoke,
    invokeAsync: (name, event, opts) => asyncCalls.accept(name, event, opts),
    asyncPending: () => asyncCalls.pending(),
    dropAsyncInvocationsExcept(names) {
      for (const d of asyncCalls.dropExcept(names)) {
        logger.warn('dropped async invocations of a function the project no longer has', d);
      }
    },
    resolve,
    list: () =>
      [...deployed.values()].map((d) => ({
        name: d.spec.name,
        spec: d.spec,
        triggers: d.source.triggers,
        instances: d.pool.instances().map((i) => ({ id: i.id, pid: i.pid, busy: i.busy })),
        initMs: d.pool.lastInitMs(),
      })),
    invoker: async ({
      functionName,
      serviceName,
      payload,
      qualifier,
      invocationType,
      callerKey,
    }) => {
      const name = resolve(functionName, serviceName);
      if (!name) {
        return {
          ok: false,
          error: 'FC.FunctionNotFound',
          cause: `function '${functionName}' does not exist`,
        };
      }
      if (invocationType === 'Async') {
        // Stored before the answer, as FC's 202: it runs, and its errors are
        // retried, as the function's async settings say (async-invocations.ts).
        asyncCalls.accept(name, Buffer.from(payload, 'utf8'), {
          ...(qualifier ? { qualifier } : {}),
          ...(callerKey ? { callerKey } : {}),
          requestId: newFcRequestId(ctx.clock.now()),
        });
        return { ok: true, body: '' };
      }
      const outcome = await invoke(name, payload, qualifier ? { qualifier } : {});
      if (outcome.ok) return { ok: true, body: outcome.body.toString('utf8') };
      // FnF names a function error by FC's errorType; platform failures get `FC.`.
      const error = outcome.timedOut
        ? 'FC.FunctionTimeout'
        : outcome.kind === 'InitializationError'
          ? 'FC.InitializationError'
          : (outcome.error.errorType ?? 'FC.Unknown');
      return { ok: false, error, cause: outcome.error.errorMessage };
    },
  };
  (runtime.routes as HttpRoute[]).push(
    createInvokeRoute({ runtime, secrets: ctx.secrets }),
    createInvokeRouteV3({ runtime, secrets: ctx.secrets }),
    createHttpTriggerRoute({
      runtime,
      accountId: ctx.accountId,
      clock: ctx.clock,
      secrets: ctx.secrets,
    }),
  );
  return runtime;
}
