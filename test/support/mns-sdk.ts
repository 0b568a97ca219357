import MnsModule from '@alicloud/mns';
import type { LocalStack } from '../../local/stack';

/** A parsed SDK response: status, filtered headers, body fields as strings. */
export interface SdkResponse<B> {
  code: number;
  headers: Record<string, string | undefined>;
  body: B;
}

type Fields = Record<string, string>;

/**
 * The unmodified @alicloud/mns 1.2 client, typed for every queue call the
 * integration tests make (the package ships no typings).
 */
export interface SdkMnsClient {
  createQueue(
    name: string,
    attrs?: Record<string, string | number>,
  ): Promise<SdkResponse<undefined>>;
  deleteQueue(name: string): Promise<SdkResponse<undefined>>;
  listQueue(
    start?: string,
    limit?: number,
    prefix?: string,
  ): Promise<SdkResponse<Fields[] | undefined>>;
  getQueueAttributes(name: string): Promise<SdkResponse<Fields>>;
  setQueueAttributes(
    name: string,
    attrs: Record<string, string | number>,
  ): Promise<SdkResponse<undefined>>;
  sendMessage(
    name: string,
    msg: { MessageBody: string; DelaySeconds?: number; Priority?: number },
  ): Promise<SdkResponse<Fields>>;
  batchSendMessage(
    name: string,
    msgs: Array<{ MessageBody: string; DelaySeconds?: number; Priority?: number }>,
  ): Promise<SdkResponse<Fields[]>>;
  receiveMessage(name: string, waitSeconds?: number): Promise<SdkResponse<Fields>>;
  batchReceiveMessage(
    name: string,
    n: number,
    waitSeconds?: number,
  ): Promise<SdkResponse<Fields[]>>;
  peekMessage(name: string): Promise<SdkResponse<Fields>>;
  batchPeekMessage(name: string, n: number): Promise<SdkResponse<Fields[]>>;
  deleteMessage(name: string, handle: string): Promise<SdkResponse<undefined>>;
  batchDeleteMessage(name: string, handles: string[]): Promise<SdkResponse<Fields[] | undefined>>;
  changeMessageVisibility(
    name: string,
    handle: string,
    seconds: number,
  ): Promise<SdkResponse<Fields>>;
}

const Client = MnsModule as unknown as new (
  accountId: string,
  opts: { endpoint: string; accessKeyId: string; accessKeySecret: string },
) => SdkMnsClient;

/** An SDK client pointed at the stack, with its credentials unless overridden. */
export function createSdkClient(
  stack: Pick<LocalStack, 'accountId' | 'endpoint' | 'credentials'>,
  override: { accessKeySecret?: string } = {},
): SdkMnsClient {
  return new Client(stack.accountId, {
    endpoint: stack.endpoint,
    accessKeyId: stack.credentials.accessKeyId,
    accessKeySecret: override.accessKeySecret ?? stack.credentials.accessKeySecret,
  });
}

/** A queue's message counts, from GetQueueAttributes through the SDK. */
export async function queueCounts(
  sdk: SdkMnsClient,
  queue: string,
): Promise<{ active: number; inactive: number; delayed: number }> {
  const b = (await sdk.getQueueAttributes(queue)).body;
  return {
    active: Number(b.ActiveMessages),
    inactive: Number(b.InactiveMessages),
    delayed: Number(b.DelayMessages),
  };
}

/** The `err.name` @alicloud/mns 1.2.0 gives an MNS error code (it sets no `code`; lib/client.js). */
export function sdkErrorName(code: string): string {
  return `MNS${code}Error`;
}

/** Awaits `p` and returns the error it rejects with (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
