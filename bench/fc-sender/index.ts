// Bench only (never deployed): the pattern the direct queue integration
// replaces. A flow's FC step invokes this function with the task token in its
// input; the function sends that input as the task message, and the flow then
// waits for the worker's callback as before. Bundled by bench/e2e.ts.
import { loadConfig } from '../../shared/clients/config';
import { createDepsProvider } from '../../shared/clients/deps';

const QUEUE = process.env.SENDER_QUEUE ?? 'queueflow-tasks';
const deps = createDepsProvider(loadConfig(process.env));

export async function handler(
  event: Buffer,
  context?: Parameters<typeof deps>[0],
): Promise<{ messageId: string }> {
  const body = event.toString('utf8');
  const sent = await deps(context).queue.send(QUEUE, { body, priority: 1 });
  return { messageId: sent.messageId };
}
