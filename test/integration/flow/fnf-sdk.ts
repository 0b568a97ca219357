import RPCClient from '@alicloud/pop-core/lib/rpc';
import type { LocalStack } from '../../../local/stack';
import { rejection as awaitRejection } from '../../support/mns-sdk';

/** The actions the FnF SDK sends as POST (the rest are GET), as @alicloud/fnf-2019-03-15 does. */
const POST_ACTIONS = new Set([
  'CreateFlow',
  'UpdateFlow',
  'StartExecution',
  'StartSyncExecution',
  'StopExecution',
  'ReportTaskSucceeded',
  'ReportTaskFailed',
]);

/** A thin typed wrapper over the unmodified pop-core RPCClient. */
export interface FnfSdk {
  call<T = Record<string, unknown>>(action: string, params?: Record<string, unknown>): Promise<T>;
  raw: RPCClient;
}

/** An FnF client for the stack (local credentials unless overridden). */
export function createFnfSdk(
  stack: Pick<LocalStack, 'endpoint' | 'credentials'>,
  override: { accessKeySecret?: string } = {},
): FnfSdk {
  const raw = new RPCClient({
    endpoint: stack.endpoint,
    apiVersion: '2019-03-15',
    accessKeyId: stack.credentials.accessKeyId,
    accessKeySecret: override.accessKeySecret ?? stack.credentials.accessKeySecret,
  });
  return {
    raw,
    call: (action, params = {}) =>
      raw.request(
        action,
        params,
        POST_ACTIONS.has(action) ? { method: 'POST', timeout: 10_000 } : { timeout: 10_000 },
      ),
  };
}

/** An error as pop-core rejects with: the FnF code and the HTTP response. */
export type PopSdkError = Error & { code?: string; entry?: { response?: { statusCode?: number } } };

/** test/support's rejection, typed for pop-core errors (fails when the call resolves). */
export const rejection = (p: Promise<unknown>) => awaitRejection(p) as Promise<PopSdkError>;
