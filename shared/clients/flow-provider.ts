import {
  type InvocationIdentity,
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
  let cached: { key: string; flow: FlowClient } | undefined;
  return (context) => {
    const c = context?.credentials;
    const key = `${c?.accessKeyId ?? ''}|${c?.securityToken ?? ''}|${context?.region ?? ''}`;
    if (!cached || cached.key !== key) {
      const target = resolveTarget(config, context);
      cached = {
        key,
        flow: createFlowClient({
          endpoint: serviceEndpoints(target).flow,
          credentials: target.credentials,
        }),
      };
    }
    return cached.flow;
  };
}
