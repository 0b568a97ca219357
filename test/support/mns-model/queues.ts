// The three queues the model checks: their names, attributes and the service's defaults.
import type { QueueAttributes } from '../../../local/mns/attributes';

export type QueueName = 'qa' | 'qb' | 'qa-dlq';
export const QUEUES: readonly QueueName[] = ['qa', 'qb', 'qa-dlq'];

/** The queues' attributes (the model reads its numbers from here, not from the service). */
export const ATTRS: Record<QueueName, Partial<QueueAttributes>> = {
  qa: {
    VisibilityTimeout: 10,
    MessageRetentionPeriod: 120,
    DeadLetterQueue: 'qa-dlq',
    MaxReceiveCount: 2,
  },
  qb: { VisibilityTimeout: 5, DelaySeconds: 3, MessageRetentionPeriod: 90 },
  'qa-dlq': {},
};
export const DEFAULT_VT = 30;
export const DEFAULT_RETENTION = 345_600;
export const DEFAULT_PRIORITY = 8;
export const T0 = Date.UTC(2026, 0, 1);
