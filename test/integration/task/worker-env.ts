import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { createFlowClient, type FlowClient } from '../../../shared/clients/flow-client';
import { createQueueClient, type QueueClient } from '../../../shared/clients/queue-client';

/** The demo flow file, with its queue renamed so each test file has its own. */
export function demoFlow(queueName: string): string {
  const text = readFileSync(join(import.meta.dirname, '../../../flows/demo.flow.yaml'), 'utf8');
  return text.replaceAll('/queues/queueflow-tasks/', `/queues/${queueName}/`);
}

/** A local stack with the demo flow deployed through the FnF API, and real clients. */
export interface WorkerEnv {
  stack: LocalStack;
  flow: FlowClient;
  queue: QueueClient;
  queueName: string;
  flowName: string;
}

/** Starts a stack on port 0 in memory, creates the queue and the demo flow over the SDKs. */
export async function startWorkerEnv(options: {
  queueName: string;
  flowName: string;
  visibilityTimeout?: number;
}): Promise<WorkerEnv> {
  const stack = await startLocalStack({ port: 0, memory: true, logger: silentLogger });
  const flow = createFlowClient({ endpoint: stack.endpoint, credentials: stack.credentials });
  const queue = createQueueClient({
    accountId: stack.accountId,
    credentials: stack.credentials,
    endpoint: stack.endpoint,
  });
  await queue.createQueue(options.queueName, {
    VisibilityTimeout: options.visibilityTimeout ?? 30,
  });
  await flow.createFlow({ name: options.flowName, definition: demoFlow(options.queueName) });
  return { stack, flow, queue, queueName: options.queueName, flowName: options.flowName };
}
