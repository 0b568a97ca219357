// Bench workers in their own process (so stack and SDK clients each get a core):
// `fork('bench/flow-workers.ts', [endpoint, accountId, queue, workers, kind, concurrency])`;
// it says {ready} once loaded; send 'stop' to end; it answers {done} over IPC (the bench
// reads the process's CPU time from /proc itself).
//   kind 'queueflow': the product's long-polling worker (shared/task) over the
//                     project's clients, each instance running `concurrency` tasks at once;
//   kind 'demo':      the same worker with the demo's handlers (functions/task-worker),
//                     as `queueflow worker --handlers` runs them on ECS or in a container;
//   kind 'minimal':   a bare loop over the two SDKs: batch receive, report each,
//                     batch delete (about the least a worker can do per task).
import MnsModule from '@alicloud/mns';
import RPCClient from '@alicloud/pop-core/lib/rpc';
import { registry as demoRegistry } from '../functions/task-worker/handlers';
import { LOCAL_ACCESS_KEY_ID, LOCAL_ACCESS_KEY_SECRET } from '../local/credentials';
import { loadConfig } from '../shared/clients/config';
import { createDeps } from '../shared/clients/deps';
import { createLongPollWorker } from '../shared/task/long-poll-worker';
import { createHandlerRegistry } from '../shared/task/registry';

type Fields = Record<string, string>;
interface Mns {
  batchReceiveMessage(name: string, n: number, wait?: number): Promise<{ body: Fields[] }>;
  batchDeleteMessage(name: string, handles: string[]): Promise<unknown>;
}
const MnsClient = MnsModule as unknown as new (
  accountId: string,
  opts: { endpoint: string; accessKeyId: string; accessKeySecret: string },
) => Mns;

const [
  endpoint = '',
  accountId = '',
  queue = '',
  count = '1',
  kind = 'queueflow',
  concurrency = '4',
] = process.argv.slice(2);
const credentials = { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET };
let stopping = false;
const stopHooks: Array<() => void> = [];
process.on('message', (m) => {
  if (m !== 'stop') return;
  stopping = true;
  for (const hook of stopHooks) hook();
});

/** The product's worker: one createLongPollWorker; the handler echoes a flag. */
async function queueflowWorker(): Promise<number> {
  const deps = createDeps(loadConfig({ QUEUEFLOW_ENDPOINT: endpoint }));
  let done = 0;
  const worker = createLongPollWorker({
    queue: deps.queue,
    queueName: queue,
    flow: deps.flow,
    waitSeconds: 1,
    concurrency: Number(concurrency),
    registry:
      kind === 'demo'
        ? demoRegistry
        : createHandlerRegistry({
            step: async (input: Record<string, unknown>) => ({ [`s${String(input.n)}`]: true }),
          }),
    onTask: () => {
      done++;
    },
    onError: (err, stage) => process.stderr.write(`bench worker: ${stage}: ${String(err)}\n`),
  });
  stopHooks.push(() => void worker.stop());
  await worker.run();
  return done;
}

/** Long-poll a batch, report each task, delete the batch while polling for the next. */
async function minimalWorker(): Promise<number> {
  const fnf = new RPCClient({ endpoint, apiVersion: '2019-03-15', ...credentials });
  const mns = new MnsClient(accountId, { endpoint, ...credentials });
  let done = 0;
  let deleting: Promise<unknown> = Promise.resolve();
  while (!stopping) {
    let batch: Fields[];
    try {
      batch = (await mns.batchReceiveMessage(queue, 16, 1)).body;
    } catch {
      continue; // MessageNotExist after the long poll
    }
    if (!Array.isArray(batch) || batch.length === 0) continue;
    await Promise.all(
      batch.map((m) => {
        const body = JSON.parse(m.MessageBody ?? '{}') as { task_token: string; n: number };
        return fnf.request(
          'ReportTaskSucceeded',
          { TaskToken: body.task_token, Output: JSON.stringify({ [`s${body.n}`]: true }) },
          // pop-core's default 3 s read timeout is too short on a loaded 2-core box.
          { method: 'POST', timeout: 30_000 },
        );
      }),
    );
    await deleting;
    deleting = mns
      .batchDeleteMessage(
        queue,
        batch.map((m) => m.ReceiptHandle ?? ''),
      )
      .catch((err: unknown) =>
        process.stderr.write(`bench worker: delete failed: ${String(err)}\n`),
      );
    done += batch.length;
  }
  await deleting;
  return done;
}

// Loaded (tsx has compiled everything): the bench starts its clock now.
process.send?.({ ready: true });
const run = kind === 'minimal' ? minimalWorker : queueflowWorker;
const counts = await Promise.all(Array.from({ length: Number(count) }, run));
process.send?.({ done: counts.reduce((a, b) => a + b, 0) });
process.disconnect?.();
