import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { LOCAL_ACCOUNT_ID } from '../../../local/credentials';
import type { MnsCloudEvent } from '../../../local/fc/cloud-event';
import { eventually } from '../../support/eventually';
import { createSdkClient } from '../../support/mns-sdk';
import {
  fixtureFunction,
  localKeys,
  queueTrigger,
  type RuntimeStack,
  startRuntimeStack,
} from './runtime-stack';

function deliveredEvents(logs: readonly string[]): Array<MnsCloudEvent | MnsCloudEvent[]> {
  return logs
    .map((l) => /EVENTS (.*)$/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)
    .map((x) => JSON.parse(x));
}

describe('the EventBridge MNS queue trigger', () => {
  let stack: RuntimeStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('delivers each message as a CloudEvents envelope and deletes it on success', async () => {
    stack = await startRuntimeStack({ withQueues: true });
    const queues = stack.queues!;
    queues.createQueue('jobs', { VisibilityTimeout: 30 });
    await stack.runtime.deploy([
      fixtureFunction('consumer', 'index.events', { triggers: [queueTrigger()] }),
    ]);
    const sent = queues.sendMessage('jobs', { body: '{"task_type":"extract"}' });
    const events = await eventually(() => {
      const e = deliveredEvents(stack!.logs);
      return e.length > 0 ? e : undefined;
    }, 'an event is delivered');
    const event = events[0] as MnsCloudEvent;
    expect(Array.isArray(event)).toBe(false);
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'mns:Queue:SendMessage',
      source: 'MNS-consumer-tasks',
      subject: 'acs:mns:cn-hangzhou:1000000000000000:queues/jobs',
      aliyunaccountid: '1000000000000000',
      data: { messageId: sent.messageId, messageBody: '{"task_type":"extract"}' },
    });
    await eventually(
      () => (queues.stats('jobs').inflight === 0 ? true : undefined),
      'no message is in flight',
    );
    expect(queues.stats('jobs')).toMatchObject({ active: 0, inflight: 0 });
  });

  it('starts no trigger for a function whose instances were still starting when the stack stopped', async () => {
    const local = await startRuntimeStack({ withQueues: true });
    local.queues!.createQueue('jobs', {});
    const deploying = local.runtime.deploy([
      fixtureFunction('slow', 'index.handler', {
        codeDir: new URL('./fixtures/slow-load', import.meta.url).pathname,
        triggers: [queueTrigger()],
      }),
    ]);
    await eventually(
      () => local.runtime.list()[0]?.instances[0]?.pid,
      'an instance of slow is starting',
    );
    await local.stop();
    await deploying.catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    // A trigger started after the stop polled a closed store, warning forever.
    expect(local.logs.filter((l) => l.includes('receive failed'))).toEqual([]);
  });

  it("invokes the trigger's qualifier: the handler's context names it", async () => {
    stack = await startRuntimeStack({ withQueues: true });
    const queues = stack.queues!;
    queues.createQueue('jobs', {});
    await stack.runtime.deploy([
      fixtureFunction('aliased', 'index.qualifier', {
        triggers: [queueTrigger({ qualifier: 'prod' })],
      }),
    ]);
    queues.sendMessage('jobs', { body: 'x' });
    const line = await eventually(
      () => stack!.logs.find((l) => l.includes('QUALIFIER')),
      'the QUALIFIER line is logged',
    );
    expect(line).toMatch(/QUALIFIER prod$/);
  });

  it('sends an array per batch in event-streaming mode and base64-decodes when asked', async () => {
    stack = await startRuntimeStack({ withQueues: true });
    const queues = stack.queues!;
    queues.createQueue('jobs', {});
    for (const n of [1, 2, 3]) {
      queues.sendMessage('jobs', { body: Buffer.from(`{"n":${n}}`).toString('base64') });
    }
    await stack.runtime.deploy([
      fixtureFunction('consumer', 'index.events', {
        triggers: [queueTrigger({ mode: 'event-streaming', batchSize: 10, isBase64Decode: true })],
      }),
    ]);
    const batches = await eventually(() => {
      const all = deliveredEvents(stack!.logs).flat();
      return all.length >= 3 ? deliveredEvents(stack!.logs) : undefined;
    }, '3 messages are delivered');
    expect(batches.every((b) => Array.isArray(b))).toBe(true);
    const bodies = batches.flat().map((e) => e.data.messageBody);
    expect(bodies.sort()).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
  });

  it('fills one batch window at a time and sends each batch the moment it is full', async () => {
    stack = await startRuntimeStack({ withQueues: true, maxInstances: 4 });
    const queues = stack.queues!;
    queues.createQueue('jobs', { VisibilityTimeout: 30 });
    await stack.runtime.deploy([
      fixtureFunction('consumer', 'index.events', {
        triggers: [queueTrigger({ mode: 'event-streaming', batchSize: 3, batchWindowSeconds: 5 })],
      }),
    ]);
    const mns = createSdkClient({
      accountId: LOCAL_ACCOUNT_ID,
      endpoint: stack.endpoint,
      credentials: localKeys,
    });
    const started = Date.now();
    // One by one, as a producer sends them: four pollers are waiting on the queue.
    for (let i = 0; i < 6; i++) await mns.sendMessage('jobs', { MessageBody: `m${i}` });
    const batches = await eventually(() => {
      const b = deliveredEvents(stack!.logs) as MnsCloudEvent[][];
      return b.flat().length >= 6 ? b : undefined;
    }, '6 messages are delivered');
    // Two full batches, in the order sent, long before the 5 s window ends.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(batches.map((b) => b.map((e) => e.data.messageBody))).toEqual([
      ['m0', 'm1', 'm2'],
      ['m3', 'm4', 'm5'],
    ]);
  });

  it('closes a batch window early rather than let a held message come back into the batch', async () => {
    stack = await startRuntimeStack({ withQueues: true, maxInstances: 1 });
    const queues = stack.queues!;
    // The window (4 s) is longer than the queue's visibility timeout (2 s).
    queues.createQueue('jobs', { VisibilityTimeout: 2 });
    await stack.runtime.deploy([
      fixtureFunction('consumer', 'index.events', {
        triggers: [queueTrigger({ mode: 'event-streaming', batchSize: 10, batchWindowSeconds: 4 })],
      }),
    ]);
    const sent = queues.sendMessage('jobs', { body: '{"n":1}' });
    await eventually(
      () => (deliveredEvents(stack!.logs).length > 0 ? true : undefined),
      'an event is delivered',
    );
    await eventually(
      () => (queues.stats('jobs').inflight === 0 ? true : undefined),
      'no message is in flight',
    );
    // Past the whole window and another visibility timeout: any second delivery shows.
    await new Promise((r) => setTimeout(r, 4500));
    const batches = deliveredEvents(stack.logs);
    // Once, with its first handle (so it was deleted), not once per expiry of its handle.
    expect(batches).toHaveLength(1);
    expect((batches[0] as MnsCloudEvent[]).map((e) => e.data.messageId)).toEqual([sent.messageId]);
    expect(stack.logs.filter((l) => l.includes('could not delete'))).toEqual([]);
    expect(queues.stats('jobs')).toMatchObject({ active: 0, inflight: 0 });
  });

  it('holds a message the function failed on and delivers it again when the retry is due', async () => {
    const clock = new VirtualClock();
    stack = await startRuntimeStack({ clock, withQueues: true, maxInstances: 1 });
    const queues = stack.queues!;
    queues.createQueue('jobs', { VisibilityTimeout: 1 });
    await stack.runtime.deploy([
      fixtureFunction('consumer', 'index.events', { triggers: [queueTrigger()] }),
    ]);
    queues.sendMessage('jobs', { body: 'fail-once' });
    const failed = await eventually(
      () => stack!.logs.find((l) => l.includes('function failed; retrying')),
      'the trigger logs a retry',
    );
    // BACKOFF_RETRY (the default) waits 10-20 s, longer than the 1 s visibility timeout.
    const delayMs = Number(/inSeconds=(\d+)/.exec(failed)?.[1]) * 1000;
    expect(delayMs).toBeGreaterThanOrEqual(10_000);
    await clock.advance(delayMs - 1);
    expect(queues.stats('jobs')).toMatchObject({ active: 0, inflight: 1 });
    await clock.advance(1);
    const events = await eventually(() => {
      const e = deliveredEvents(stack!.logs);
      return e.length > 0 ? e : undefined;
    }, 'the retry is delivered');
    // The first delivery threw; the log holds only the retry.
    expect(events).toHaveLength(1);
    await eventually(
      () => (queues.stats('jobs').inflight === 0 ? true : undefined),
      'no message is in flight',
    );
  });
});
