import { MNS_NAME_PATTERN } from '../../shared/fdl';
import { halfDeadLetterSetting, outOfRange, ownDeadLetterQueue, queueError } from './errors';

/**
 * A queue's attributes, named as the MNS XML API names them, plus the local
 * dead-letter extension (MNS 2015-06-06 has no DLQ elements; docs/mns.md).
 */
export interface QueueAttributes {
  DelaySeconds: number;
  MaximumMessageSize: number;
  MessageRetentionPeriod: number;
  VisibilityTimeout: number;
  PollingWaitSeconds: number;
  LoggingEnabled: boolean;
  /** Local extension: where a message goes once it was received MaxReceiveCount times. */
  DeadLetterQueue: string | null;
  /** Local extension: receives allowed before the message moves to DeadLetterQueue. */
  MaxReceiveCount: number | null;
}

export const DEFAULT_ATTRIBUTES: Readonly<QueueAttributes> = {
  DelaySeconds: 0,
  MaximumMessageSize: 65_536,
  MessageRetentionPeriod: 345_600,
  VisibilityTimeout: 30,
  PollingWaitSeconds: 0,
  LoggingEnabled: false,
  DeadLetterQueue: null,
  MaxReceiveCount: null,
};

/**
 * Numeric attribute ranges, in the unit the error message names (the CreateQueue and
 * SetQueueAttributes pages: https://help.aliyun.com/zh/mns/developer-reference/createqueue,
 * https://www.alibabacloud.com/help/doc-detail/35130.html; MaxReceiveCount is our DLQ
 * extension): the one table the service's checks and the HTTP parser both read.
 */
export const RANGES = {
  DelaySeconds: [0, 604_800, 'seconds'],
  MaximumMessageSize: [1024, 65_536, 'bytes'],
  MessageRetentionPeriod: [60, 604_800, 'seconds'],
  VisibilityTimeout: [1, 43_200, 'seconds'],
  PollingWaitSeconds: [0, 30, 'seconds'],
  MaxReceiveCount: [1, 1000, ''],
} as const;

/** An attribute with a range in RANGES. */
export type RangedAttribute = keyof typeof RANGES;

export const MESSAGE_LIMITS = {
  priority: [1, 16],
  defaultPriority: 8,
  batch: 16,
  waitSeconds: 30,
} as const;

/** Throws InvalidArgument when `value` is not an integer inside `field`'s range. */
export function checkRange(field: RangedAttribute, value: number): void {
  const [low, high, unit] = RANGES[field];
  if (!Number.isInteger(value) || value < low || value > high) {
    throw outOfRange(field, low, high, unit);
  }
}

/** Validates a partial attribute set; returns it unchanged when valid. */
export function validateAttributes(
  attrs: Partial<QueueAttributes>,
  queueName?: string,
): Partial<QueueAttributes> {
  for (const key of Object.keys(RANGES) as RangedAttribute[]) {
    const v = attrs[key];
    if (v !== undefined && v !== null) checkRange(key, v);
  }
  const dlq = attrs.DeadLetterQueue;
  if (dlq !== undefined && dlq !== null) {
    checkQueueName(dlq);
    if (dlq === queueName) throw ownDeadLetterQueue();
  }
  return attrs;
}

/**
 * A queue's whole attributes after a change: a dead-letter queue and its
 * receive count are set together (one alone would never move a message), and
 * removing the DLQ removes its count.
 */
export function checkDeadLetterPair(
  next: QueueAttributes,
  change: Partial<QueueAttributes>,
): QueueAttributes {
  // A change that touches neither leaves a queue as it was (one saved with
  // half a setting by a version that allowed it keeps working).
  if (change.DeadLetterQueue === undefined && change.MaxReceiveCount === undefined) return next;
  const merged =
    change.DeadLetterQueue === null && change.MaxReceiveCount === undefined
      ? { ...next, MaxReceiveCount: null }
      : next;
  if ((merged.DeadLetterQueue === null) !== (merged.MaxReceiveCount === null)) {
    throw halfDeadLetterSetting();
  }
  return merged;
}

/** Whether `next` (only the fields it sets) agrees with `current`. */
export function sameAttributes(current: QueueAttributes, next: Partial<QueueAttributes>): boolean {
  return (Object.keys(next) as Array<keyof QueueAttributes>).every(
    (k) => next[k] === undefined || next[k] === current[k],
  );
}

/** Queue names: a letter or digit, then letters, digits and `-`; at most 120 characters. */
export function checkQueueName(name: string): void {
  if (name.length < 1 || name.length > 120) {
    throw queueError('QueueNameLengthError', name, `, ${name.length} characters`);
  }
  // The FDL's name rule (its 256 cap is beyond the 120 checked just above).
  if (!MNS_NAME_PATTERN.test(name)) {
    throw queueError(
      'InvalidQueueName',
      name,
      ': letters, digits and -, starting with a letter or digit',
    );
  }
}
