// Redriving a dead-letter queue (shared/task/redrive.ts and `queueflow redrive`)
// against a real local stack, through the unmodified MNS SDK behind QueueClient.
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry as demoRegistry } from '../../../functions/task-worker/handlers';
import { registerRedriveCommand } from '../../../local/cli/commands/redrive';
import { VirtualClock } from '../../../local/clock';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { createFlowClient } from '../../../shared/clients/flow-client';
import { createQueueClient, type QueueClient } from '../../../shared/clients/queue-client';
import { createLongPollWorker } from '../../../shared/task/long-poll-worker';
import { redriveMessages } from '../../../shared/task/redrive';
import { demoFlow } from './worker-env';

const clock = new VirtualClock(Date.UTC(2026, 10, 28, 12));
let stack: LocalStack;
let queue: QueueClient;
let n = 0;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, memory: true, clock, logger: silentLogger });
  queue = createQueueClient({
    accountId: stack.accountId,
    credentials: stack.credentials,
    endpoint: stack.endpoint,
  });
});
afterAll(async () => {
  await stack?.stop();
});

async function queues() {
  const from = `rd-dlq-${++n}`;
  const to = `rd-work-${n}`;
  await queue.createQueue(from, { VisibilityTimeout: 30 });
  await queue.createQueue(to);
  return { from, to };
}

async function drain(name: string): Promise<Array<{ body: string; priority?: number }>> {
  const out: Array<{ body: string; priority?: number }> = [];
  for (;;) {
    const got = await queue.receive(name, { max: 16, waitSeconds: 0 });
    if (got.length === 0) return out;
    for (const m of got)
      out.push({ body: m.body, ...(m.priority ? { priority: m.priority } : {}) });
    await queue.deleteBatch(
      name,
      got.map((m) => m.receiptHandle),
    );
  }
}

describe('redriving a dead-letter queue', () => {
  it('moves every message, body (XML special characters too) and priority, and leaves the dead-letter queue empty', async () => {
    const { from, to } = await queues();
    for (let i = 0; i < 40; i++) {
      await queue.send(from, { body: `task ${i} <a&b>`, priority: 1 + (i % 3) });
    }
    const batches: number[] = [];
    const result = await redriveMessages({
      queue,
      from,
      to,
      onBatch: (t) => batches.push(t.moved),
    });
    expect(result).toEqual({ moved: 40, notDeleted: 0 });
    expect(batches).toEqual([16, 32, 40]);
    const moved = await drain(to);
    expect(moved.map((m) => m.body).sort()).toEqual(
      Array.from({ length: 40 }, (_, i) => `task ${i} <a&b>`).sort(),
    );
    expect(moved.find((m) => m.body === 'task 4 <a&b>')?.priority).toBe(2);
    expect(await drain(from)).toEqual([]);
  });

  it('stops after --max messages and leaves the rest where they were', async () => {
    const { from, to } = await queues();
    for (let i = 0; i < 10; i++) await queue.send(from, { body: `t${i}` });
    expect(await redriveMessages({ queue, from, to, max: 7 })).toEqual({
      moved: 7,
      notDeleted: 0,
    });
    expect(await drain(to)).toHaveLength(7);
    expect(await drain(from)).toHaveLength(3);
  });

  it('deletes nothing it could not send: a missing target fails the redrive and the messages come back', async () => {
    const { from } = await queues();
    for (let i = 0; i < 3; i++) await queue.send(from, { body: `kept ${i}` });
    await expect(redriveMessages({ queue, from, to: 'rd-no-such-queue' })).rejects.toMatchObject({
      code: 'QueueNotExist',
    });
    // Back in a second (not after the queue's 30 s), so a corrected rerun moves them.
    expect(await drain(from)).toEqual([]);
    await clock.advance(1_000);
    const { to } = await queues();
    expect(await redriveMessages({ queue, from, to })).toEqual({ moved: 3, notDeleted: 0 });
    expect((await drain(to)).map((m) => m.body).sort()).toEqual(['kept 0', 'kept 1', 'kept 2']);
  });

  it('sends big messages in batches of at most 64 KB', async () => {
    const { from, to } = await queues();
    const big = (i: number) => `${i}`.padEnd(30_000, '.');
    for (let i = 0; i < 5; i++) await queue.send(from, { body: big(i) });
    // One receive of 5 x 30 KB: three BatchSendMessage calls (2 + 2 + 1).
    expect(await redriveMessages({ queue, from, to })).toEqual({ moved: 5, notDeleted: 0 });
    expect((await drain(to)).map((m) => m.body).sort()).toEqual(
      Array.from({ length: 5 }, (_, i) => big(i)),
    );
  });

  it('moves what the target took and keeps a message it refused, then stops with the refusal', async () => {
    const from = `rd-dlq-${++n}`;
    const to = `rd-work-${n}`;
    await queue.createQueue(from, { VisibilityTimeout: 30 });
    await queue.createQueue(to, { MaximumMessageSize: 1024 });
    await queue.send(from, { body: 'small 1' });
    await queue.send(from, { body: 'y'.repeat(4096) });
    await queue.send(from, { body: 'small 2' });
    const batches: number[] = [];
    await expect(
      redriveMessages({ queue, from, to, onBatch: (t) => batches.push(t.moved) }),
    ).rejects.toMatchObject({ name: 'QueueError', code: 'InvalidArgument' });
    expect(batches).toEqual([2]);
    expect((await drain(to)).map((m) => m.body).sort()).toEqual(['small 1', 'small 2']);
    await clock.advance(1_000); // the refused message is released for a rerun
    expect((await drain(from)).map((m) => m.body)).toEqual(['y'.repeat(4096)]);
  });

  it('lets a dead-lettered demo task finish its execution once a worker runs it again', async () => {
    const { from, to } = await queues();
    const flow = createFlowClient({ endpoint: stack.endpoint, credentials: stack.credentials });
    const flowName = `rd-demo-${n}`;
    await flow.createFlow({ name: flowName, definition: demoFlow(to) });
    await flow.startExecution({ flowName, executionName: 'e1', input: { source: 'a.csv' } });
    // Dead-letter Task_1's message by hand, as an exhausted trigger would.
    const [task] = await queue.receive(to, { max: 1, waitSeconds: 5 });
    await queue.send(from, { body: task!.body });
    await queue.delete(to, task!.receiptHandle);

    expect((await redriveMessages({ queue, from, to })).moved).toBe(1);
    const worker = createLongPollWorker({
      queue,
      queueName: to,
      registry: demoRegistry,
      flow,
      waitSeconds: 1,
      graceSeconds: 1,
    });
    const running = worker.run();
    try {
      const done = await flow.describeExecution({
        flowName,
        executionName: 'e1',
        waitSeconds: 20,
      });
      expect(done.status).toBe('Succeeded');
    } finally {
      await worker.stop();
      await running;
    }
  });
});

describe('queueflow redrive', () => {
  async function run(args: string[]) {
    const out = { code: 0, stdout: '', stderr: '' };
    const program = new Command('queueflow').exitOverride();
    registerRedriveCommand(program, {
      stdout: (t) => {
        out.stdout += t;
      },
      stderr: (t) => {
        out.stderr += t;
      },
      setExitCode: (c) => {
        out.code = c;
      },
    });
    try {
      await program.parseAsync(['node', 'queueflow', 'redrive', ...args]);
    } catch (err) {
      if (!(err instanceof CommanderError)) throw err;
      out.code = err.exitCode;
    }
    return out;
  }

  it('moves the messages, printing progress and a summary', async () => {
    const { from, to } = await queues();
    for (let i = 0; i < 20; i++) await queue.send(from, { body: `x${i}` });
    const r = await run(['--from', from, '--to', to, '--endpoint', stack.endpoint]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `moved 16 so far\nmoved 20 so far\nredrive done: 20 moved from ${from} to ${to}\n`,
    );
    expect(await drain(to)).toHaveLength(20);
  });

  it('refuses the same queue on both sides, and says which queue does not exist', async () => {
    const { from } = await queues();
    const same = await run(['--from', from, '--to', from, '--endpoint', stack.endpoint]);
    expect(same.code).toBe(1);
    expect(same.stderr).toContain('--from and --to must be different queues');
    await queue.send(from, { body: 'y' });
    const missing = await run(['--from', from, '--to', 'rd-nope', '--endpoint', stack.endpoint]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^queueflow redrive: .*QueueNotExist.*rd-nope/);
  });
});
