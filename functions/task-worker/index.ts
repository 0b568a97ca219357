import { loadConfig } from '../../shared/clients/config';
import { createDepsProvider } from '../../shared/clients/deps';
import { createTaskWorkerHandler } from './handler';
import { registry } from './handlers';

const deps = createDepsProvider(loadConfig(process.env));

/** FC entry point (`index.handler`): EventBridge MNS events in, reports to the flow out. */
export const handler = createTaskWorkerHandler({ registry, flow: (ctx) => deps(ctx).flow });
