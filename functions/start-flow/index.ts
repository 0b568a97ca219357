import { loadConfig } from '../../shared/clients/config';
import { createDepsProvider } from '../../shared/clients/deps';
import { createStartFlowHandler } from './handler';

const config = loadConfig(process.env);
const deps = createDepsProvider(config);

/** FC entry point (`index.handler`): HTTP trigger or event in, execution status out. */
export const handler = createStartFlowHandler({
  flow: (ctx) => deps(ctx).flow,
  ...(config.flowName ? { defaultFlowName: config.flowName } : {}),
  ...(config.waitSeconds !== undefined ? { defaultWaitSeconds: config.waitSeconds } : {}),
});
