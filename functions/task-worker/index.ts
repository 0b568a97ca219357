import { loadConfig } from '../../shared/clients/config';
import { createFlowProvider } from '../../shared/clients/flow-provider';
import { createTaskWorkerHandler } from './handler';
import { registry } from './handlers';

/** FC entry point (`index.handler`): EventBridge MNS events in, reports to the flow out. */
export const handler = createTaskWorkerHandler({
  registry,
  flow: createFlowProvider(loadConfig(process.env)),
});
