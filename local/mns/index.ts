export type { QueueAttributes } from './attributes';
export { DEFAULT_ATTRIBUTES } from './attributes';
export { MnsError, type MnsErrorCode } from './errors';
export { createQueueService } from './service';
export type {
  PeekedMessage,
  QueueInfo,
  QueueService,
  QueueStats,
  ReceivedMessage,
  ReceiveOptions,
  SentMessage,
} from './types';
