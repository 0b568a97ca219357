/**
 * The fc3 (Serverless Devs 3 component for FC 3.0) props that queueflow's
 * s.yaml uses, as our own types. They are kept in step with the JSON schema in
 * test/fixtures/fc3-schema/ by test/unit/project/fc3-schema.test.ts, and are a
 * subset of what fc3 accepts (its schema is src/schema.json in devsapp/fc3).
 */

/** Regions where FC 3.0 and CloudFlow (which sends the task messages) both run. */
export type Fc3Region =
  | 'cn-hangzhou'
  | 'cn-shanghai'
  | 'cn-beijing'
  | 'cn-qingdao'
  | 'cn-shenzhen'
  | 'cn-heyuan-acdr-1'
  | 'ap-southeast-1'
  | 'us-west-1';

/** The runtimes our esbuild bundles (CJS, node20 target) can run on. */
export type Fc3Runtime = 'nodejs18' | 'nodejs20';

/** An HTTP trigger. `jwt` auth is left out: queueflow does not configure it. */
export interface Fc3HttpTriggerConfig {
  authType: 'anonymous' | 'function';
  methods: ('GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'PATCH' | 'OPTIONS')[];
  disableURLInternet?: boolean;
}

/** An EventBridge trigger whose source is an SMQ (MNS) queue. */
export interface Fc3MnsQueueTriggerConfig {
  triggerEnable: boolean;
  asyncInvocationType: boolean;
  /** A JSON string. No `${functionName}` in it: s 3.1.10 cannot parse that. */
  eventRuleFilterPattern: string;
  eventSourceConfig: {
    eventSourceType: 'MNS';
    eventSourceParameters: {
      sourceMNSParameters: { QueueName: string; RegionId?: string; IsBase64Decode?: boolean };
    };
  };
  eventSinkConfig: {
    deliveryOption: {
      mode: 'event-driven' | 'event-streaming';
      eventSchema: 'CloudEvents' | 'RawData';
    };
  };
  runOptions: {
    mode: 'event-driven' | 'event-streaming';
    /** Out of retries: ALL (default) skips the event, to the dead-letter queue if set; NONE stops the trigger. */
    errorsTolerance?: 'ALL' | 'NONE';
    /** Keys capitalised, as EventBridge names them. */
    retryStrategy?: {
      /** BACKOFF_RETRY (default): 3 retries 10-20 s apart; EXPONENTIAL_DECAY_RETRY: 176 over about a day. */
      PushRetryStrategy: 'BACKOFF_RETRY' | 'EXPONENTIAL_DECAY_RETRY';
      /** No retry starts later than this after the first push (0-86400; 0 = no limit). */
      MaximumEventAgeInSeconds?: number;
      /** Retries instead of the strategy's count (0-176; 0 = the strategy's count). */
      MaximumRetryAttempts?: number;
    };
    batchWindow?: { CountBasedWindow: number; TimeBasedWindow: number };
    /** `Arn: acs:mns:<region>:<uid>:/queues/<name>`; the queue must exist. */
    deadLetterQueue?: { Arn: string };
  };
}

/** One fc3 trigger as queueflow writes it. */
export type Fc3Trigger = {
  triggerName: string;
  qualifier?: string;
  description?: string;
} & (
  | { triggerType: 'http'; triggerConfig: Fc3HttpTriggerConfig }
  | { triggerType: 'eventbridge'; triggerConfig: Fc3MnsQueueTriggerConfig }
);

/** The props of a queueflow `component: fc3` resource, after variable resolution. */
export interface Fc3Props {
  region: Fc3Region;
  functionName: string;
  description?: string;
  runtime: Fc3Runtime;
  /** The built bundle folder, relative to s.yaml (fc3 zips and uploads it). */
  code: string;
  handler: string;
  /** MB, a multiple of 64; 512 lets fc3 pick cpu 0.35 and diskSize 512 itself. */
  memorySize?: number;
  /** Seconds; fc3 defaults to 3, so always set it. */
  timeout?: number;
  /** A role ARN (fc3 lower-cases it). */
  role?: string;
  environmentVariables?: Record<string, string>;
  internetAccess?: boolean;
  logConfig?: 'auto';
  triggers?: Fc3Trigger[];
}
