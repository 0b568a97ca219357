// A local stack in its own process for the crash test: started on a data folder,
// SIGKILLed at random moments by the test, restarted on the same folder.
import { silentLogger } from '../../local/log';
import { startLocalStack } from '../../local/stack';
import { CRASH_FLOW, CRASH_FLOW_NAME, CRASH_QUEUE } from './crash-flow';

const [dataDir, port] = process.argv.slice(2);
const stack = await startLocalStack({ port: Number(port), dataDir, logger: silentLogger });
// A short visibility timeout: a message received just before a kill comes back fast.
stack.queues.createQueue(CRASH_QUEUE, { VisibilityTimeout: 2 });
try {
  stack.engine.createFlow({
    Name: CRASH_FLOW_NAME,
    Definition: CRASH_FLOW,
    Description: '',
    Type: 'FDL',
  });
} catch (err) {
  if ((err as { code?: string }).code !== 'FlowAlreadyExists') throw err;
}
process.stdout.write('ready\n');
