/**
 * The project as the local stack and `queueflow validate` see it: what s.yaml
 * (with infra/ros.yaml and flows/) declares, with Serverless Devs variables
 * resolved for local use. Loaded by `loadProject()` in ./load.ts.
 */

/** A flow resource (`component: flow`). */
export interface ProjectFlow {
  /** s.yaml resource key. */
  resource: string;
  name: string;
  /** Absolute path of the FDL file. */
  definitionFile: string;
  roleArn?: string;
  description?: string;
  /** `executionMode` (Standard or Express). */
  executionMode?: 'Standard' | 'Express';
}

/** The numeric queue attributes of `ALIYUN::MNS::Queue`, as the MNS API names them. */
export type QueueNumericAttribute =
  | 'DelaySeconds'
  | 'MaximumMessageSize'
  | 'MessageRetentionPeriod'
  | 'VisibilityTimeout'
  | 'PollingWaitSeconds';

/** An MNS queue (from infra/ros.yaml `ALIYUN::MNS::Queue`). */
export interface ProjectQueue {
  name: string;
  /** The ROS stack's region: where `s deploy` creates the queue. */
  region?: string;
  /** Queue attributes as the MNS API names them (VisibilityTimeout, ...). */
  attributes: Partial<Record<QueueNumericAttribute, number>> & {
    /**
     * The local dead-letter extension, from ROS `DlqPolicy` with `Enabled: true`
     * (`DeadLetterTargetQueue`); null for `Enabled: false` (removes one set before).
     */
    DeadLetterQueue?: string | null;
    /** `DlqPolicy.MaxReceiveCount`: receives before a message moves to DeadLetterQueue. */
    MaxReceiveCount?: number;
  };
}

/** EventBridge's `runOptions.retryStrategy` push retry strategies. */
export type PushRetryStrategy = 'BACKOFF_RETRY' | 'EXPONENTIAL_DECAY_RETRY';

/**
 * How an EventBridge MNS trigger retries a failed push (`runOptions.retryStrategy`)
 * and what it does once the retries are used up (`errorsTolerance`, `deadLetterQueue`).
 */
export interface PushRetryPolicy {
  strategy: PushRetryStrategy;
  /** Retries after the first attempt (3 for BACKOFF_RETRY, 176 for EXPONENTIAL_DECAY_RETRY). */
  maxRetries: number;
  /** No retry starts later than this many seconds after the event was first pushed; 0 = no limit. */
  maxEventAgeSeconds: number;
  /** `ALL` skips an exhausted event (to the dead-letter queue if set); `NONE` stops the trigger. */
  errorsTolerance: 'ALL' | 'NONE';
  /** Queue name from `deadLetterQueue.Arn` (`acs:mns:<region>:<uid>:/queues/<name>`). */
  deadLetterQueue?: string;
}

/** An fc3 trigger, as far as the local runtime uses it. */
export type ProjectTrigger =
  | {
      kind: 'mns-queue';
      triggerName: string;
      queueName: string;
      isBase64Decode: boolean;
      /** Events per invocation (EventBridge CountBasedWindow); 1 = single CloudEvent. */
      batchSize: number;
      /** Seconds to wait filling a batch (TimeBasedWindow). */
      batchWindowSeconds: number;
      /** `event` = one CloudEvent object per invocation; `event-streaming` = an array. */
      mode: 'event' | 'event-streaming';
      /** `eventSchema: RawData`: each event is the CloudEvent's `data` object alone. */
      rawData?: boolean;
      /** What EventBridge does when an invocation fails; absent = the defaults (BACKOFF_RETRY, ALL). */
      retry?: PushRetryPolicy;
      /** The version or alias the trigger invokes (`qualifier`); absent = LATEST. */
      qualifier?: string;
    }
  | {
      kind: 'http';
      triggerName: string;
      methods: string[];
      authType: 'anonymous' | 'function';
      /** The version or alias the trigger invokes (`qualifier`); absent = LATEST. */
      qualifier?: string;
    };

/** An EventBridge MNS queue trigger (the trigger kind the local runtime consumes queues for). */
export type MnsQueueTrigger = Extract<ProjectTrigger, { kind: 'mns-queue' }>;

/** `asyncInvokeConfig` as the local async invocations follow it. */
export interface AsyncInvokeSettings {
  /** `maxAsyncRetryAttempts`: runs after a failed first one (0-8). */
  maxRetries: number;
  /** `maxAsyncEventAgeInSeconds`: an event not run this long after it was accepted is dropped. */
  maxEventAgeSeconds: number;
}

/**
 * FC's defaults for an async invocation (PutAsyncInvokeConfigInput: 3 retries,
 * an event kept 86400 s): for a function without asyncInvokeConfig, and for
 * what one leaves out.
 */
export const FC_ASYNC_INVOKE_DEFAULTS: Readonly<AsyncInvokeSettings> = {
  maxRetries: 3,
  maxEventAgeSeconds: 86400,
};

/** An FC 3.0 function resource (`component: fc3`). */
export interface ProjectFunction {
  resource: string;
  name: string;
  runtime: string;
  /** Absolute path of the code folder (the built bundle). */
  codeDir: string;
  /** `index.handler`. */
  handler: string;
  timeoutSeconds: number;
  memorySize: number;
  environment: Record<string, string>;
  role?: string;
  /** `instanceLifecycleConfig.initializer`: runs once per instance, before its first invocation. */
  initializer?: { handler: string; timeoutSeconds: number };
  /** `asyncInvokeConfig`, when s.yaml sets it (FC's defaults apply otherwise). */
  asyncInvoke?: AsyncInvokeSettings;
  triggers: ProjectTrigger[];
}

/** Everything s.yaml declares. */
export interface Project {
  /** Absolute path of s.yaml. */
  file: string;
  name: string;
  flows: ProjectFlow[];
  queues: ProjectQueue[];
  functions: ProjectFunction[];
  /** What s.yaml declares that the local stack does not run (other trigger kinds, components). */
  warnings?: string[];
}
