// A minimal stack for the runtime's own tests: store, queue service, function
// runtime and the HTTP server, without the flow engine.
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../../local/clock';
import { createSystemClock } from '../../../local/clock';
import {
  createSecretLookup,
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
} from '../../../local/credentials';
import { createFunctionRuntime, type FunctionRuntime } from '../../../local/fc/runtime';
import { startHttpServer } from '../../../local/http/server';
import { createLogger } from '../../../local/log';
import type { QueueService } from '../../../local/mns/types';
import type {
  MnsQueueTrigger,
  ProjectFunction,
  ProjectTrigger,
} from '../../../local/project/model';
import type { StackContext } from '../../../local/stack';
import { openStore } from '../../../local/store/store';

export const FIXTURES = fileURLToPath(new URL('./fixtures/functions', import.meta.url));

export interface RuntimeStack {
  endpoint: string;
  runtime: FunctionRuntime;
  /** Present when started with `withQueues`. */
  queues: QueueService | undefined;
  logs: string[];
  stop(): Promise<void>;
}

export async function startRuntimeStack(
  options: {
    clock?: Clock;
    maxInstances?: number;
    withQueues?: boolean;
    /** Keep the store in this folder (to restart on it); in memory when absent. */
    dataDir?: string;
  } = {},
): Promise<RuntimeStack> {
  const logs: string[] = [];
  const ctx: StackContext = {
    store: openStore(options.dataDir ? { dataDir: options.dataDir } : { memory: true }),
    clock: options.clock ?? createSystemClock(),
    logger: createLogger({ level: 'debug', write: (l) => logs.push(l) }),
    accountId: LOCAL_ACCOUNT_ID,
    region: LOCAL_REGION,
    secrets: createSecretLookup(),
    relaxLimits: false,
  };
  const queues = options.withQueues
    ? (await import('../../../local/mns/service')).createQueueService(ctx)
    : undefined;
  const runtime = createFunctionRuntime(ctx, {
    ...(queues ? { queues } : {}),
    maxInstances: options.maxInstances ?? 2,
  });
  const http = await startHttpServer({
    routes: [...(queues?.routes ?? []), ...runtime.routes],
    port: 0,
    logger: ctx.logger,
  });
  runtime.start?.({ endpoint: http.endpoint });
  return {
    endpoint: http.endpoint,
    runtime,
    queues,
    logs,
    async stop() {
      await http.close();
      await runtime.stop();
      await queues?.stop();
      ctx.store.close();
    },
  };
}

export function fixtureFunction(
  name: string,
  handler: string,
  extra: Partial<ProjectFunction> & { triggers?: ProjectTrigger[] } = {},
): ProjectFunction {
  return {
    resource: name,
    name,
    runtime: 'nodejs20',
    codeDir: FIXTURES,
    handler,
    timeoutSeconds: 10,
    memorySize: 128,
    environment: {},
    triggers: [],
    ...extra,
  };
}

/** An MNS queue trigger `tasks` on queue `jobs`: one event per message, no retry policy given. */
export function queueTrigger(overrides: Partial<MnsQueueTrigger> = {}): MnsQueueTrigger {
  return {
    kind: 'mns-queue',
    triggerName: 'tasks',
    queueName: 'jobs',
    isBase64Decode: false,
    batchSize: 1,
    batchWindowSeconds: 0,
    mode: 'event',
    ...overrides,
  };
}

export const localKeys = {
  accessKeyId: LOCAL_ACCESS_KEY_ID,
  accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
};
