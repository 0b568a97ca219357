// One in-memory local stack per test file with an SDK client on it: registers the
// beforeAll/afterAll hooks, so the MNS integration tests share one setup.
import { afterAll, beforeAll } from 'vitest';
import type { Clock } from '../../local/clock';
import { silentLogger } from '../../local/log';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { createSdkClient, type SdkMnsClient } from './mns-sdk';
import { signedFetch } from './mns-sign';

export interface MnsTestStack {
  /** Set in beforeAll: read them inside tests, not at module level. */
  stack: LocalStack;
  mns: SdkMnsClient;
  /** Creates a queue with a name not used before in this file. */
  freshQueue(attrs?: Record<string, number>): Promise<string>;
  /** A raw request signed with the stack's key (signedFetch), for what the SDK cannot send. */
  signed(
    method: string,
    resource: string,
    body?: string,
    headers?: Record<string, string>,
  ): ReturnType<typeof signedFetch>;
}

export function useMnsStack(options: { clock?: Clock; queuePrefix?: string } = {}): MnsTestStack {
  const { clock, queuePrefix = 'q' } = options;
  let n = 0;
  const t = {
    async freshQueue(attrs: Record<string, number> = {}): Promise<string> {
      const name = `${queuePrefix}${++n}`;
      await t.mns.createQueue(name, attrs);
      return name;
    },
    signed: (method, resource, body, headers) =>
      signedFetch({
        endpoint: t.stack.endpoint,
        ...t.stack.credentials,
        method,
        resource,
        ...(body !== undefined ? { body } : {}),
        ...(headers ? { headers } : {}),
      }),
  } as MnsTestStack;
  beforeAll(async () => {
    t.stack = await startLocalStack({
      port: 0,
      memory: true,
      logger: silentLogger,
      ...(clock ? { clock } : {}),
    });
    t.mns = createSdkClient(t.stack);
  });
  afterAll(() => t.stack.stop());
  return t;
}
