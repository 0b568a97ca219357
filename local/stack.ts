import type { Clock } from './clock';
import { createSystemClock } from './clock';
import {
  type AccessKey,
  createSecretLookup,
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
} from './credentials';
import type { HttpRoute } from './http/route';
import { startHttpServer } from './http/server';
import { createLogger, type Logger } from './log';
import { createQueueService, type QueueService } from './mns';
import { openStore, type Store } from './store/store';

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
  const clock = options.clock ?? createSystemClock();
  const store = openStore(
    options.memory ? { memory: true } : { dataDir: options.dataDir ?? '.queueflow' },
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
  try {
    // Parts in start order; later parts take earlier ones as dependencies.
    const queues = createQueueService(ctx);
    components.push(queues);
    const http = await startHttpServer({
      routes: components.flatMap((c) => c.routes),
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 9300,
      logger,
    });
    for (const c of components) await c.start?.({ endpoint: http.endpoint });
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
      async stop() {
        if (stopped) return;
        stopped = true;
        await http.close();
        for (const c of [...components].reverse()) await c.stop();
        store.close();
      },
    };
  } catch (err) {
    for (const c of [...components].reverse()) await c.stop();
    store.close();
    throw err;
  }
}
