import type { Clock } from './clock';
import { createSystemClock } from './clock';
import { createConsole } from './console';
import {
  type AccessKey,
  createSecretLookup,
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
} from './credentials';
import { type AppliedProject, applyProject } from './fc/apply-project';
import { createFunctionRuntime, type FunctionRuntime } from './fc/runtime';
import { createFlowEngine, type FlowEngine } from './flow';
import type { HttpRoute } from './http/route';
import { startHttpServer } from './http/server';
import { createLogger, type Logger } from './log';
import { createQueueService, type QueueService } from './mns';
import { loadProject } from './project/load';
import type { Project } from './project/model';
import { DEFAULT_DATA_DIR, openStore, type Store } from './store/store';

/** How to start the local stack. Every field has a sane default. */
export interface LocalStackOptions {
  /** TCP port; 0 picks a free one. Default 9300. */
  port?: number;
  /** Bind address. Default 127.0.0.1 (never all interfaces unless asked). */
  host?: string;
  /** Data folder for the SQLite file. Default `.queueflow`. */
  dataDir?: string;
  /** Keep state in memory (tests). */
  memory?: boolean;
  /** Time source; pass a VirtualClock to skip time in tests. */
  clock?: Clock;
  logger?: Logger;
  /** Relax the cloud limits (message size, step data, history length). Default false. */
  relaxLimits?: boolean;
  /**
   * s.yaml (its path, or the project already loaded from it): its queues are
   * created, its flows created or updated, its functions run.
   */
  project?: string | Project;
  /** Run the project's functions and their triggers. Default true (tests may use mock workers). */
  startFunctions?: boolean;
  /** Level for the functions' own log lines. Default `info`. */
  functionLogLevel?: 'info' | 'debug';
  /**
   * Delete executions (and their history) that ended more than this many days
   * ago (stack clock): at start, then hourly. Default: keep everything.
   */
  retainDays?: number;
}

/** A running local stack. */
export interface LocalStack {
  /** `http://127.0.0.1:<port>`: the MNS, FnF and FC endpoint, and the console. */
  readonly endpoint: string;
  readonly port: number;
  readonly accountId: string;
  readonly region: string;
  readonly credentials: AccessKey;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The MNS queue service (REST API under `/queues` and its in-process API). */
  readonly queues: QueueService;
  /** The flow engine (FnF 2019-03-15 POP API on `/` and its in-process API). */
  readonly engine: FlowEngine;
  /** The function runtime (FC invoke API, HTTP triggers under `/fc/`, MNS triggers). */
  readonly functions: FunctionRuntime;
  /** The project loaded from `options.project`, and what starting it did. */
  readonly project: Project | undefined;
  readonly applied: AppliedProject | undefined;
  stop(): Promise<void>;
}

/**
 * A part of the stack: its HTTP routes and its lifecycle. Parts are started in
 * order and stopped in reverse order.
 */
export interface StackComponent {
  readonly name: string;
  readonly routes: readonly HttpRoute[];
  /** Called once the HTTP server listens (endpoint known). */
  start?(ctx: { endpoint: string }): void | Promise<void>;
  stop(): void | Promise<void>;
}

/** Shared things a component is built from. */
export interface StackContext {
  store: Store;
  clock: Clock;
  logger: Logger;
  accountId: string;
  region: string;
  secrets: ReturnType<typeof createSecretLookup>;
  relaxLimits: boolean;
}

/** Starts the store, every component and the HTTP server. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const logger = options.logger ?? createLogger({ level: 'info' });
  // Read s.yaml first: a broken project fails before anything is started.
  const project =
    typeof options.project === 'string' ? loadProject(options.project) : options.project;
  const clock = options.clock ?? createSystemClock();
  const store = openStore(
    options.memory ? { memory: true } : { dataDir: options.dataDir ?? DEFAULT_DATA_DIR },
  );
  const ctx: StackContext = {
    store,
    clock,
    logger,
    accountId: LOCAL_ACCOUNT_ID,
    region: LOCAL_REGION,
    secrets: createSecretLookup(),
    relaxLimits: options.relaxLimits ?? false,
  };
  const components: StackComponent[] = [];
  let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  let flowEngine: FlowEngine | undefined;
  // Stop and a failed start close the same things, in the same order. The
  // engine stops first: a function call the runtime's stop kills stays in
  // flight (it is made again after a restart) instead of failing its task.
  let pruneTimer: NodeJS.Timeout | undefined;
  const teardown = async () => {
    clearTimeout(pruneTimer);
    await http?.close();
    flowEngine?.stop();
    for (const c of [...components].reverse()) await c.stop();
    store.close();
  };
  try {
    // Parts in start order; later parts take earlier ones as dependencies.
    const queues = createQueueService(ctx);
    components.push(queues);
    const engine = createFlowEngine(ctx, { queues });
    flowEngine = engine;
    components.push(engine);
    components.push(createConsole({ engine, queues, logger })); // the web page under /console
    const functions = createFunctionRuntime(ctx, {
      queues,
      ...(options.functionLogLevel ? { functionLogLevel: options.functionLogLevel } : {}),
    });
    components.push(functions);
    // FDL `acs:fc` task steps call functions through the runtime.
    // A function step naming a function s.yaml declares but this stack does not
    // run (startFunctions: false, queueflow/testing's default) says so, instead
    // of the cloud's bare "does not exist".
    const notStarted = new Set(
      options.startFunctions === false ? (project?.functions.map((f) => f.name) ?? []) : [],
    );
    engine.setFunctionInvoker(
      notStarted.size === 0
        ? functions.invoker
        : async (call) => {
            const outcome = await functions.invoker(call);
            if (
              outcome.ok ||
              outcome.error !== 'FC.FunctionNotFound' ||
              !notStarted.has(call.functionName)
            ) {
              return outcome;
            }
            return {
              ...outcome,
              cause: `function '${call.functionName}' is declared in s.yaml but not running: the stack was started without its functions (queueflow local --no-functions; startFunctions: false; in queueflow/testing, functions: false is the default). Start it with its functions, or deploy it with stack.functions.deploy()`,
            };
          },
    );
    http = await startHttpServer({
      routes: components.flatMap((c) => c.routes),
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 9300,
      logger,
    });
    for (const c of components) await c.start?.({ endpoint: http.endpoint });
    const applied = project
      ? await applyProject({
          project: options.startFunctions === false ? { ...project, functions: [] } : project,
          queues,
          engine,
          functions,
          logger,
        })
      : undefined;
    // Async invocations stored for functions the project no longer has would
    // wait forever (or reach a later function of that name): dropped.
    if (project) functions.dropAsyncInvocationsExcept(project.functions.map((f) => f.name));
    // Function calls wait for the project's functions: a call in flight at the
    // last stop is made again now, and must find its function.
    engine.resume();
    const retainMs = (options.retainDays ?? 0) * 86_400_000;
    if (retainMs > 0) {
      // In chunks, a turn of the event loop apart, so a first pass over a big
      // folder does not hold the stack; then hourly (a real timer: a virtual
      // clock's timers are the flows' own).
      let pruned = 0;
      const prune = () => {
        let done: { executions: number; historyRows: number };
        try {
          // A call's budget per turn of the event loop (limits.ts).
          done = engine.pruneEnded(clock.now() - retainMs);
        } catch (err) {
          // Nothing is lost by pruning later; a timer must not crash the stack.
          logger.warn('pruning ended executions failed; trying again in an hour', {
            error: err instanceof Error ? err.message : String(err),
          });
          pruneTimer = setTimeout(prune, 3_600_000).unref();
          return;
        }
        pruned += done.executions;
        if (done.executions > 0 || done.historyRows > 0) {
          pruneTimer = setTimeout(prune, 0).unref();
          return;
        }
        if (pruned > 0) {
          logger.info(`pruned ${pruned} executions that ended over ${options.retainDays} days ago`);
        }
        pruned = 0;
        pruneTimer = setTimeout(prune, 3_600_000).unref();
      };
      prune();
    }
    let stopped = false;
    return {
      endpoint: http.endpoint,
      port: http.port,
      accountId: ctx.accountId,
      region: ctx.region,
      credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET },
      store,
      clock,
      logger,
      queues,
      engine,
      functions,
      project,
      applied,
      async stop() {
        if (stopped) return;
        stopped = true;
        await teardown();
      },
    };
  } catch (err) {
    // Whatever failed (a component's start, applying the project), nothing stays open.
    await teardown();
    throw err;
  }
}
