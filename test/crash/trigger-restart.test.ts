// `queueflow local` SIGKILLed while its queue trigger's push runs a task: the next
// start hands that message back at once (the push died with the stack), so the
// execution goes on in seconds, not after the queue's 120 s visibility timeout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_ACCOUNT_ID,
} from '../../local/credentials';
import { createFnfSdk } from '../integration/flow/fnf-sdk';
import { eventually } from '../support/eventually';
import { freePort } from '../support/free-port';
import { createSdkClient as createMnsSdk, queueCounts } from '../support/mns-sdk';
import { localStackArgs, READY_LINE, ROOT, spawnCli, useCli } from '../support/spawn-cli';
import { useTempDirs } from '../support/temp-dirs';

useCli();
const tempDir = useTempDirs('queueflow-trigger-restart-');
const QUEUE = 'queueflow-tasks';
const FLOW = 'slow-extract-demo';
/** How long the extract handler of the killed push (and of its rerun) takes. */
const EXTRACT_MS = 1500;

/** The demo flow with the handlers' `simulate` switch mapped into Task_1 (functions/task-worker/handlers.ts). */
function slowDemoFlow(): string {
  const demo = readFileSync(join(ROOT, 'flows', 'demo.flow.yaml'), 'utf8');
  const from = '      - target: source\n        source: $input.source\n';
  const at = demo.indexOf(from);
  if (at < 0) throw new Error('flows/demo.flow.yaml: Task_1 no longer maps source');
  const to = `${from}      - target: simulate\n        source: $input.simulate\n`;
  return demo.slice(0, at) + to + demo.slice(at + from.length);
}

interface Execution {
  Status: string;
  Output?: string;
}

describe('queueflow local SIGKILLed while its trigger runs a task', () => {
  it('runs the task again right after the restart, not after the visibility timeout', {
    timeout: 60_000,
  }, async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const stackRef = {
      endpoint: `http://127.0.0.1:${port}`,
      accountId: LOCAL_ACCOUNT_ID,
      credentials: { accessKeyId: LOCAL_ACCESS_KEY_ID, accessKeySecret: LOCAL_ACCESS_KEY_SECRET },
    };
    const args = localStackArgs({ port, dataDir, project: join(ROOT, 's.yaml') });
    let cli = spawnCli(args);
    await cli.waitFor(READY_LINE, 30_000);
    const fnf = createFnfSdk(stackRef);
    const mns = createMnsSdk(stackRef);
    // The repository's s.yaml keeps each pushed message hidden for 120 s.
    expect((await mns.getQueueAttributes(QUEUE)).body.VisibilityTimeout).toBe('120');
    await fnf.call('CreateFlow', {
      Name: FLOW,
      Definition: slowDemoFlow(),
      Description: '',
      Type: 'FDL',
    });
    await fnf.call('StartExecution', {
      FlowName: FLOW,
      ExecutionName: 'killed-mid-task',
      Input: JSON.stringify({ source: 'k.csv', simulate: { delayMs: EXTRACT_MS } }),
    });
    // The trigger has pushed the extract message to the task-worker, which is in
    // its handler: the message is in flight.
    await eventually(
      async () => (await queueCounts(mns, QUEUE)).inactive === 1,
      'the extract message is in flight',
      10_000,
    );
    cli.child.kill('SIGKILL');
    await cli.exited;

    const restarted = Date.now();
    cli = spawnCli(args);
    await cli.waitFor(READY_LINE, 30_000);
    let ex: Execution;
    do {
      ex = await fnf.call<Execution>('DescribeExecution', {
        FlowName: FLOW,
        ExecutionName: 'killed-mid-task',
        WaitTimeSeconds: 5,
      });
    } while (ex.Status === 'Running' && Date.now() - restarted < 20_000);
    const tookMs = Date.now() - restarted;
    expect(ex.Status).toBe('Succeeded');
    expect(JSON.parse(ex.Output ?? '{}')).toMatchObject({
      source: 'k.csv',
      loaded: expect.any(Number),
    });
    // The restart, the rerun handler and two quick tasks: seconds, far below 120 s.
    expect(tookMs).toBeLessThan(20_000);
    expect(cli.stderr).toMatch(
      /handed back the messages the stack's triggers still held when it last stopped queue=queueflow-tasks messages=1/,
    );
    await cli.stop();
  });
});
