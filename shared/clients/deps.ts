import {
  type InvocationIdentity,
  memoByIdentity,
  type QueueflowConfig,
  type ResolvedTarget,
  resolveTarget,
  serviceEndpoints,
} from './config';
import { createFlowClient, type FlowClient } from './flow-client';
import { createQueueClient, type QueueClient } from './queue-client';

/** The real clients a function or worker needs, built once. */
export interface Deps {
  flow: FlowClient;
  queue: QueueClient;
  target: ResolvedTarget;
  config: QueueflowConfig;
}

/**
 * Builds the FnF and MNS clients from config, with the FC context (STS
 * credentials, region, account) taking precedence. The FC client lives in
 * ./function-client (build it with createFunctionClient when needed).
 * @example const deps = createDeps(loadConfig(process.env));
 */
export function createDeps(config: QueueflowConfig, context?: InvocationIdentity): Deps {
  const target = resolveTarget(config, context);
  const endpoints = serviceEndpoints(target);
  return {
    flow: createFlowClient({ endpoint: endpoints.flow, credentials: target.credentials }),
    queue: createQueueClient({
      accountId: target.accountId,
      credentials: target.credentials,
      endpoint: endpoints.queue,
    }),
    target,
    config,
  };
}

/** Returns deps for an invocation context; the same value while the credentials stay the same. */
export type DepsProvider = (context?: InvocationIdentity) => Deps;

/**
 * Memoises createDeps per credentials: FC hands every invocation the role's
 * STS credentials, which rotate, so clients are rebuilt only when they change.
 * @example const depsFor = createDepsProvider(loadConfig(process.env));
 *          await depsFor(context).queue.send('queueflow-tasks', { body: '{}' });
 */
export function createDepsProvider(config: QueueflowConfig): DepsProvider {
  return memoByIdentity((context) => createDeps(config, context));
}
