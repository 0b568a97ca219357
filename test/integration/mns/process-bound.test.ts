// Claims bound to the process (ReceiveOptions.processBound, what the stack's MNS
// triggers make): a start of the queue service that finds them still in flight
// (their process ended without handing them back) makes them receivable at once;
// every other claim keeps its visibility window across the restart.
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { createLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { createSdkClient } from '../../support/mns-sdk';
import { useTempDirs } from '../../support/temp-dirs';

const tempDir = useTempDirs('qf-process-bound-');
const QUEUE = 'bound-tasks';
let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

function start(dataDir: string, lines: string[] = [], clock?: VirtualClock) {
  return startLocalStack({
    port: 0,
    dataDir,
    logger: createLogger({ level: 'info', write: (l) => lines.push(l) }),
    ...(clock ? { clock } : {}),
  });
}

describe('process-bound claims across a restart', () => {
  it('hands back only the messages a process-bound receive still held, at once', async () => {
    const dataDir = tempDir();
    stack = await start(dataDir);
    const mns = stack.queues;
    mns.createQueue(QUEUE, { VisibilityTimeout: 120 });
    for (const body of ['bound', 'plain', 'held', 'done']) mns.sendMessage(QUEUE, { body });
    const take = (processBound: boolean) =>
      mns.receiveMessages(QUEUE, { max: 1, waitSeconds: 0, processBound });
    const [bound] = await take(true);
    const [plain] = await take(false);
    const [held] = await take(true);
    const [done] = await take(true);
    expect([bound, plain, held, done].map((m) => m?.body)).toEqual([
      'bound',
      'plain',
      'held',
      'done',
    ]);
    // A bound claim whose window was set again (a trigger holding a failed push for
    // its retry) is an ordinary one from then on; a deleted one is gone.
    mns.changeVisibility(QUEUE, held!.receiptHandle, 60);
    mns.deleteMessage(QUEUE, done!.receiptHandle);
    await stack.stop();

    const lines: string[] = [];
    stack = await start(dataDir, lines);
    const again = await stack.queues.receiveMessages(QUEUE, { max: 16, waitSeconds: 0 });
    expect(again.map((m) => ({ body: m.body, dequeueCount: m.dequeueCount }))).toEqual([
      { body: 'bound', dequeueCount: 2 },
    ]);
    expect(stack.queues.stats(QUEUE)).toMatchObject({ active: 0, inflight: 3 });
    // The handle the gone process held is dead.
    expect(() => stack!.queues.deleteMessage(QUEUE, bound!.receiptHandle)).toThrow(
      expect.objectContaining({ code: 'ReceiptHandleError' }),
    );
    expect(lines.join('\n')).toMatch(
      /handed back the messages the stack's triggers still held when it last stopped queue=bound-tasks messages=1/,
    );
  });

  it('hands back no message whose retention ended while the stack was down', async () => {
    const dataDir = tempDir();
    const clock = new VirtualClock();
    stack = await start(dataDir, [], clock);
    stack.queues.createQueue(QUEUE, { VisibilityTimeout: 300, MessageRetentionPeriod: 60 });
    stack.queues.sendMessage(QUEUE, { body: 'short-lived' });
    await stack.queues.receiveMessages(QUEUE, { max: 1, waitSeconds: 0, processBound: true });
    await stack.stop();
    await clock.advance(120_000);

    const lines: string[] = [];
    stack = await start(dataDir, lines, clock);
    expect(await stack.queues.receiveMessages(QUEUE, { max: 16, waitSeconds: 0 })).toEqual([]);
    expect(lines.join('\n')).not.toMatch(/handed back/);
  });

  it('never gives a client over HTTP a process-bound handle', async () => {
    stack = await start(tempDir());
    stack.queues.createQueue(QUEUE);
    stack.queues.sendMessage(QUEUE, { body: 'x' });
    const sdk = createSdkClient(stack);
    const got = await sdk.receiveMessage(QUEUE, 0);
    expect(got.body.ReceiptHandle).toMatch(/^[0-9a-z]+-[0-9a-f]{16}$/);
  });
});
