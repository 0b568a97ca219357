// Shared state and constants of the semantic checks (validate*.ts).
import type { ResourceRef } from './arn';
import type { FoundProblem, ProblemCode } from './problems';
import { LIMITS } from './schema';

/** Flow, execution and (recommended) step names: letters, digits, `_`, `-`; start with a letter or `_`. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

/** MNS queue and topic names: letters, digits, `-`; start with a letter or digit; at most 256 characters. */
export const MNS_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,255}$/;

/**
 * What is wrong with the names inside a resourceArn FDL parsed (an MNS queue or
 * topic, a child flow), or undefined; the builder throws it, validateFlow
 * reports it.
 */
export function resourceArnNameProblem(ref: ResourceRef, arn: string): string | undefined {
  if (ref.kind === 'mns-queue' || ref.kind === 'mns-topic') {
    const name = ref.kind === 'mns-queue' ? ref.queue : ref.topic;
    if (!MNS_NAME_PATTERN.test(name)) {
      return `"${name}" in ${arn} is not an MNS name: letters, digits and "-", starting with a letter or digit`;
    }
  }
  if (ref.kind === 'fnf-flow' && !NAME_PATTERN.test(ref.flowName)) {
    return `flow name "${ref.flowName}" in ${arn} is not valid: letters, digits, "_" or "-", starting with a letter or "_"`;
  }
  return undefined;
}

/**
 * The `$context` fields FDL v1 is known to have: `task.token` from the MNS topic
 * integration page (https://help.aliyun.com/document_detail/157027.html), the
 * flow and execution names from the awesome-fnf oss-copy sample. No other field is confirmed.
 */
export const CONTEXT_PATHS = [
  '$context.task.token',
  '$context.execution.name',
  '$context.flow.name',
];

/** The actions accepted in place of resourceArn. */
export const TASK_ACTIONS = ['fnf:StartExecution'];

/**
 * The cloud limits a definition is checked against. A local stack started with
 * relaxed limits lifts them (it checks them at run time by its own limits).
 */
export interface DefinitionLimits {
  /** Longest wait step duration, seconds (2 days). */
  waitMaxSeconds: number;
  /** Branches of one parallel step (100). */
  parallelBranches: number;
  /** Bytes of one step's data, which a mapping's constant sources alone must not pass (32 KiB). */
  stepDataBytes: number;
}

/** The cloud's values of DefinitionLimits. */
export const DEFINITION_LIMITS: DefinitionLimits = {
  waitMaxSeconds: LIMITS.waitMaxSeconds,
  parallelBranches: LIMITS.parallelBranches,
  stepDataBytes: LIMITS.stepDataBytes,
};

/** The state of one validation: problems, placeholders to skip, all step names. */
export interface Walk {
  problems: FoundProblem[];
  skip: WeakSet<object> | undefined;
  limits: DefinitionLimits;
  /** Every step name in the flow with its path, for "not a sibling" messages. */
  allNames: Map<string, string[]>;
}

/** Records a validation problem. */
export function add(
  w: Walk,
  severity: 'error' | 'warning',
  code: ProblemCode,
  message: string,
  path: string,
  valueOffset?: number,
): void {
  const p: FoundProblem = { severity, code, message, path };
  if (valueOffset !== undefined) p.valueOffset = valueOffset;
  w.problems.push(p);
}

/** Checks a timeoutSeconds value (whole seconds, 1 s to one year). */
export function checkTimeout(w: Walk, value: number | undefined, path: string): void {
  if (value === undefined) return;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > LIMITS.timeoutMaxSeconds
  ) {
    add(
      w,
      'error',
      'out-of-range',
      `timeoutSeconds is a whole number of seconds from 1 to ${LIMITS.timeoutMaxSeconds} (one year), got ${JSON.stringify(value)}`,
      path,
    );
  }
}
