import {
  type InvocationIdentity,
  memoByIdentity,
  type QueueflowConfig,
  resolveTarget,
  serviceEndpoints,
} from './config';
import { createFlowClient, type FlowClient } from './flow-client';

/**
 * Like createDepsProvider, for functions that only talk to the flow service:
 * importing this instead of ./deps keeps the MNS SDK out of their bundle and
 * their cold start.
 * @example const flowFor = createFlowProvider(loadConfig(process.env));
 */
export function createFlowProvider(
  config: QueueflowConfig,
): (context?: InvocationIdentity) => FlowClient {
  return memoByIdentity((context) => {
    const target = resolveTarget(config, context);
    return createFlowClient({
      endpoint: serviceEndpoints(target).flow,
      credentials: target.credentials,
    });
  });
}
