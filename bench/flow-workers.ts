// Bench workers in their own process (so stack and SDK clients each get a core):
// `fork('bench/flow-workers.ts', [endpoint, accountId, queue, workers])`; send 'stop'
// to end; it answers {done, cpuMicros} over IPC.
import MnsModule from '@alicloud/mns';
import RPCClient from '@alicloud/pop-core/lib/rpc';
import { LOCAL_ACCESS_KEY_ID, LOCAL_ACCESS_KEY_SECRET } from '../local/credentials';

type Fields = Record<string, string>;
interface Mns {
  batchReceiveMessage(name: string, n: number, wait?: number): Promise<{ body: Fields[] }>;
  batchDeleteMessage(name: string, handles: string[]): Promise<unknown>;
}
const MnsClient = MnsModule as unknown as new (
  accountId: string,
  opts: { endpoint: string; accessKeyId: string; accessKeySecret: string },
) => Mns;

const [endpoint = '', accountId = '', queue = '', count = '1'] = process.argv.slice(2);
const credentials = { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET };
let stopping = false;
process.on('message', (m) => {
  if (m === 'stop') stopping = true;
});

/** Long-poll a batch, report each task, delete the batch while polling for the next. */
async function worker(): Promise<number> {
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

const cpu0 = process.cpuUsage();
const counts = await Promise.all(Array.from({ length: Number(count) }, worker));
const cpu = process.cpuUsage(cpu0);
process.send?.({ done: counts.reduce((a, b) => a + b, 0), cpuMicros: cpu.user + cpu.system });
process.disconnect?.();
