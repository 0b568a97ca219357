import type { ProblemCode } from './problems';
/**
 * The FDL v1 model (Serverless Workflow / FnF flow definition language).
 * Discriminated on `type`, so an editor completes fields and a typo fails to compile.
 * Field meanings and limits: docs/fdl.md.
 */

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/**
 * One mapping. A `source` string starting with `$input`, `$local` or `$context`
 * (or `$`/`$.` where the step input is meant) is a JSONPath; anything else is a constant.
 */
export interface Mapping {
  target: string;
  source: Json;
}

/** The FDL versions the service accepts. */
export type FdlVersion = 'v1' | 'v1beta1' | 'v1.0';

/** A whole flow definition. */
export interface Flow {
  version: FdlVersion;
  type: 'flow';
  /** Optional in the file; the flow's name comes from CreateFlow. */
  name?: string;
  steps: Step[];
  inputMappings?: Mapping[];
  outputMappings?: Mapping[];
  /** Execution timeout in seconds (error `TimedOut` status when exceeded). */
  timeoutSeconds?: number;
}

/** Fields every step has. */
export interface StepBase {
  name: string;
  inputMappings?: Mapping[];
  outputMappings?: Mapping[];
}

/** A retry policy of a task step. */
export interface RetryPolicy {
  /** Error names this policy handles; `FnF.ALL` matches any. */
  errors: string[];
  /** First backoff in seconds. Default 1. */
  intervalSeconds?: number;
  /** Cap on the backoff in seconds. Default 86400. */
  maxIntervalSeconds?: number;
  /** Retries allowed by this policy. Default 3. */
  maxAttempts?: number;
  /** Backoff multiplier. Default 2. */
  multiplier?: number;
}

/** A catch policy of a task step: on a matching error, go to a sibling step. */
export interface CatchPolicy {
  errors: string[];
  goto: string;
}

/** How a task waits for its resource. */
export type TaskPattern = 'requestResponse' | 'sync' | 'waitForCallback';

/** Calls a resource: an FC function, an MNS queue or topic, or a child flow. */
export interface TaskStep extends StepBase {
  type: 'task';
  end?: boolean;
  /** `acs:fc:…`, `acs:mns:::/queues/<q>/messages`, `acs:mns:::/topics/<t>/messages`, `acs:fnf:::flow/<name>`. */
  resourceArn?: string;
  /** The alternative to resourceArn for service actions, e.g. `fnf:StartExecution`. */
  action?: string;
  pattern?: TaskPattern;
  timeoutSeconds?: number;
  serviceParams?: JsonObject;
  retry?: RetryPolicy[];
  catch?: CatchPolicy[];
  errorMappings?: Mapping[];
}

/** Passes its input through the mappings; does nothing else. */
export interface PassStep extends StepBase {
  type: 'pass';
  end?: boolean;
}

/** One branch of a choice step. */
export interface ChoiceBranch {
  condition: string;
  steps?: Step[];
  goto?: string;
}

/** The branch a choice step takes when no condition holds. */
export interface ChoiceDefault {
  steps?: Step[];
  goto?: string;
}

/** Runs the first branch whose condition holds, or the default. */
export interface ChoiceStep extends StepBase {
  type: 'choice';
  end?: boolean;
  choices: ChoiceBranch[];
  default?: ChoiceDefault;
}

/** One branch of a parallel step. */
export interface ParallelBranch {
  steps: Step[];
}

/** Runs every branch at the same time. */
export interface ParallelStep extends StepBase {
  type: 'parallel';
  end?: boolean;
  branches: ParallelBranch[];
}

/** How a foreach step iterates. */
export interface IterationMapping {
  /** A `$.path` to an array in the step input. */
  collection: string;
  /** Key under which each item is put into the iteration input. */
  item: string;
  /** Key under which the index is put, if any. */
  index?: string;
}

/** Runs `steps` once per item of a collection, up to 100 at once. */
export interface ForeachStep extends StepBase {
  type: 'foreach';
  end?: boolean;
  iterationMapping: IterationMapping;
  steps: Step[];
}

/** Waits for a duration (seconds, or a `$.path` to one) or until a timestamp. Exactly one of the two. */
export interface WaitStep extends StepBase {
  type: 'wait';
  end?: boolean;
  duration?: number | string;
  timestamp?: string;
}

/** Ends the flow successfully. */
export interface SucceedStep extends StepBase {
  type: 'succeed';
}

/** Ends the flow with an error. */
export interface FailStep extends StepBase {
  type: 'fail';
  error?: string;
  cause?: string;
}

/** Any FDL v1 step. */
export type Step =
  | TaskStep
  | PassStep
  | ChoiceStep
  | ParallelStep
  | ForeachStep
  | WaitStep
  | SucceedStep
  | FailStep;

/** The step type names. */
export type StepType = Step['type'];

/** A problem found in an FDL document. */
export interface Problem {
  severity: 'error' | 'warning';
  /** Stable rule id, e.g. `unknown-field`, `goto-target`. */
  code: ProblemCode;
  message: string;
  /** Path into the document, e.g. `steps[2].choices[0].goto`. */
  path: string;
  /** 1-based line and column, when known. */
  line?: number;
  column?: number;
  /** The file, when the caller gave one. */
  file?: string;
}
