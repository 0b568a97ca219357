import MnsModule from '@alicloud/mns';
import type { LocalStack } from '../../../local/stack';

type Fields = Record<string, string>;

/** The few calls of the unmodified @alicloud/mns 1.2 client the flow tests make (it ships no typings). */
export interface MnsSdk {
  createQueue(name: string, attrs?: Record<string, string | number>): Promise<unknown>;
  receiveMessage(name: string, waitSeconds?: number): Promise<{ body: Fields }>;
  deleteMessage(name: string, handle: string): Promise<unknown>;
}

const Client = MnsModule as unknown as new (
  accountId: string,
  opts: { endpoint: string; accessKeyId: string; accessKeySecret: string },
) => MnsSdk;

/** An MNS SDK client pointed at the stack. */
export function createMnsSdk(
  stack: Pick<LocalStack, 'accountId' | 'endpoint' | 'credentials'>,
): MnsSdk {
  return new Client(stack.accountId, {
    endpoint: stack.endpoint,
    accessKeyId: stack.credentials.accessKeyId,
    accessKeySecret: stack.credentials.accessKeySecret,
  });
}
