import { loadConfig } from '../../shared/clients/config';
import { createFlowProvider } from '../../shared/clients/flow-provider';
import { createStartFlowHandler } from './handler';

const config = loadConfig(process.env);

/** FC entry point (`index.handler`): HTTP trigger or event in, execution status out. */
export const handler = createStartFlowHandler({
  flow: createFlowProvider(config),
  ...(config.flowName ? { defaultFlowName: config.flowName } : {}),
  ...(config.waitSeconds !== undefined ? { defaultWaitSeconds: config.waitSeconds } : {}),
});
