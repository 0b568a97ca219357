import { describe, expectTypeOf, it } from 'vitest';
import type {
  MnsError,
  MnsErrorCode,
  QueueService,
  QueueStats,
  ReceivedMessage,
} from '../../../local/mns';

describe('the typed in-process queue API', () => {
  it('keeps the contract the engine and the runtime are written against', () => {
    expectTypeOf<QueueService['sendMessage']>().returns.toEqualTypeOf<{
      messageId: string;
      bodyMD5: string;
      receiptHandle?: string;
    }>();
    expectTypeOf<QueueService['receiveMessages']>().returns.resolves.toEqualTypeOf<
      ReceivedMessage[]
    >();
    expectTypeOf<QueueService['receiveMessages']>()
      .parameter(1)
      .toHaveProperty('signal')
      .toEqualTypeOf<AbortSignal | undefined>();
    expectTypeOf<QueueService['changeVisibility']>().returns.toEqualTypeOf<{
      receiptHandle: string;
      nextVisibleTime: number;
    }>();
    expectTypeOf<QueueStats>()
      .toHaveProperty('deadLetterQueue')
      .toEqualTypeOf<string | undefined>();
    expectTypeOf<ReceivedMessage>().toHaveProperty('receiptHandle').toBeString();
    expectTypeOf<MnsError['code']>().toEqualTypeOf<MnsErrorCode>();
    expectTypeOf<'QueueNotExist'>().toExtend<MnsErrorCode>();
  });
});
