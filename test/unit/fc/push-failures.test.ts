import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPushFailures } from '../../../local/fc/push-failures';
import { silentLogger } from '../../../local/log';
import { type LocalStack, startLocalStack } from '../../../local/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ port: 0, memory: true, logger: silentLogger });
});
afterAll(() => stack?.stop());

describe('queue-trigger push failures', () => {
  it('counts failed pushes per message, and forgets a message once it is gone from its queue', () => {
    const failures = createPushFailures(stack.store);
    stack.queues.createQueue('pf');
    const { messageId } = stack.queues.sendMessage('pf', { body: 'x' });
    expect(failures.record('pf', messageId, 1)).toBe(0);
    expect(failures.record('pf', messageId, 2)).toBe(1);
    expect(failures.of('pf', messageId)).toBe(2);
    failures.record('pf', 'deleted-by-someone-else', 3);
    expect(failures.sweep()).toBe(1);
    expect(failures.of('pf', messageId)).toBe(2);
    stack.queues.deleteQueue('pf');
    expect(failures.sweep()).toBe(1);
    expect(failures.of('pf', messageId)).toBe(0);
  });
});
