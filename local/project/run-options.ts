import type { PushRetryPolicy, PushRetryStrategy } from './model';
import type { PropsReader } from './props-reader';

// EventBridge's push retry strategies (EventBridge's retry page,
// https://www.alibabacloud.com/help/en/eventbridge/user-guide/retry-and-dead-letter): BACKOFF_RETRY
// retries 3 times; EXPONENTIAL_DECAY_RETRY retries 176 times over about a day.
const DEFAULT_RETRIES: Record<PushRetryStrategy, number> = {
  BACKOFF_RETRY: 3,
  EXPONENTIAL_DECAY_RETRY: 176,
};
const STRATEGIES = Object.keys(DEFAULT_RETRIES) as PushRetryStrategy[];
const TOLERANCES = ['ALL', 'NONE'] as const;

/** The `runOptions` keys readPushRetryPolicy reads (they apply in event-streaming mode only). */
export const PUSH_RETRY_KEYS = ['errorsTolerance', 'retryStrategy', 'deadLetterQueue'] as const;

/** The policy of a trigger whose s.yaml says nothing: BACKOFF_RETRY, errorsTolerance ALL, no DLQ. */
export function defaultPushRetryPolicy(
  strategy: PushRetryStrategy = 'BACKOFF_RETRY',
): PushRetryPolicy {
  return {
    strategy,
    maxRetries: DEFAULT_RETRIES[strategy],
    maxEventAgeSeconds: 0,
    errorsTolerance: 'ALL',
  };
}

/** The queue name in an MNS queue ARN `acs:mns:<region>:<uid>:/queues/<name>`, or undefined. */
export function queueNameFromArn(arn: string): string | undefined {
  return /^acs:mns:[^:]*:[^:]*:\/queues\/([^/]+)$/.exec(arn)?.[1];
}

/**
 * Reads `errorsTolerance`, `retryStrategy` and `deadLetterQueue` from a trigger's
 * `runOptions`. Keys are camelCase at this level and capitalised inside
 * retryStrategy and deadLetterQueue (as devsapp/fc3's __tests__/complete-props.yaml writes
 * them); EventBridge ignores a
 * mis-cased key, so it is refused here rather than silently dropped.
 */
export function readPushRetryPolicy(
  run: PropsReader,
  warn: (message: string) => void,
): PushRetryPolicy {
  requireKeyCase(run, PUSH_RETRY_KEYS, 'camelCase');
  const tolerance = run.optionalString('errorsTolerance') ?? 'ALL';
  if (!(TOLERANCES as readonly string[]).includes(tolerance)) {
    throw run.error(`must be ALL or NONE, got "${tolerance}"`, 'errorsTolerance');
  }
  const retry = run.object('retryStrategy', false);
  requireKeyCase(
    retry,
    ['PushRetryStrategy', 'MaximumRetryAttempts', 'MaximumEventAgeInSeconds'],
    'capitalised',
  );
  const strategy = retry.optionalString('PushRetryStrategy') ?? 'BACKOFF_RETRY';
  if (!(STRATEGIES as string[]).includes(strategy)) {
    throw retry.error(`must be ${STRATEGIES.join(' or ')}, got "${strategy}"`, 'PushRetryStrategy');
  }
  const policy = defaultPushRetryPolicy(strategy as PushRetryStrategy);
  // 0 (what the examples write) means "the strategy's own count".
  const attempts = retry.int('MaximumRetryAttempts', { default: 0, min: 0, max: 176 });
  if (attempts > 0) policy.maxRetries = attempts;
  policy.maxEventAgeSeconds = retry.int('MaximumEventAgeInSeconds', {
    default: 0,
    min: 0,
    max: 86400,
  });
  policy.errorsTolerance = tolerance as PushRetryPolicy['errorsTolerance'];
  if (run.has('deadLetterQueue')) {
    const dlq = run.object('deadLetterQueue');
    requireKeyCase(dlq, ['Arn'], 'capitalised');
    const arn = dlq.string('Arn');
    const name = queueNameFromArn(arn);
    if (!name) {
      throw dlq.error(
        `must be an MNS queue ARN acs:mns:<region>:<uid>:/queues/<name>, got "${arn}"`,
        'Arn',
      );
    }
    if (policy.errorsTolerance === 'NONE') {
      warn('deadLetterQueue is not used with errorsTolerance NONE: the trigger stops instead');
    }
    policy.deadLetterQueue = name;
  }
  return policy;
}

// A key spelt with the wrong case (`pushRetryStrategy`) would be ignored by the cloud.
function requireKeyCase(r: PropsReader, keys: readonly string[], rule: string): void {
  for (const actual of Object.keys(r.value)) {
    const meant = keys.find((k) => k.toLowerCase() === actual.toLowerCase() && k !== actual);
    if (meant) throw r.error(`must be spelt ${meant} (these keys are ${rule})`, actual);
  }
}
