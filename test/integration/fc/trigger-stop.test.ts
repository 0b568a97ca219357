// A stack stopped while its queue trigger's function runs hands the message back
// at once (visible again after the MNS minimum of 1 s), so the next start runs it
// right away instead of after the queue's whole visibility timeout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/eventually';
import { fixtureFunction, queueTrigger, startRuntimeStack } from './runtime-stack';

const dataDir = mkdtempSync(join(tmpdir(), 'queueflow-trigger-stop-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('stopping the stack while a queue-triggered function runs', () => {
  it('hands the message back to the queue instead of hiding it for the visibility timeout', async () => {
    const first = await startRuntimeStack({ withQueues: true, dataDir });
    const queues = first.queues!;
    queues.createQueue('jobs', { VisibilityTimeout: 300 });
    // index.slow runs for a minute: the stop below cuts its push off.
    await first.runtime.deploy([
      fixtureFunction('worker', 'index.slow', { triggers: [queueTrigger()], timeoutSeconds: 120 }),
    ]);
    const sent = queues.sendMessage('jobs', { body: 'work' });
    await eventually(
      () => queues.stats('jobs').inflight === 1,
      'the trigger has taken the message',
    );
    await first.stop();

    // The next start, without the function: the message is there to receive
    // within a few seconds, not in five minutes.
    const second = await startRuntimeStack({ withQueues: true, dataDir });
    try {
      const got = await second.queues!.receiveMessages('jobs', { max: 1, waitSeconds: 5 });
      expect(got.map((m) => m.messageId)).toEqual([sent.messageId]);
      // Received once before, by the trigger whose push the stop cut off.
      expect(got[0]?.dequeueCount).toBe(2);
    } finally {
      await second.stop();
    }
  });
});
