import { type DefinitionLimits, NAME_PATTERN } from '../../shared/fdl/check-context';
import { LIMITS } from '../../shared/fdl/schema';

/**
 * The cloud's limits, enforced by default so a flow that passes locally does not
 * fail in the cloud (sources in docs/engine.md). `relaxLimits` lifts them.
 */
export interface FlowLimits {
  /** Input + output + local of one step, and execution Input/Output (32 KiB). */
  stepDataBytes: number;
  /** History events per execution (5000). */
  historyEvents: number;
  /** Longest wait step (2 days). */
  waitSeconds: number;
  /** DescribeExecution WaitTimeSeconds upper bound (60 s per the API). */
  describeWaitSeconds: number;
  /** Iterations of one foreach running at once (100). */
  foreachConcurrency: number;
  /** Branches of one parallel step (100). */
  parallelBranches: number;
  /** Enforce the flow/execution name rule. */
  names: boolean;
  /** Longest run of an Express execution (5 minutes), after which it times out. */
  expressSeconds: number;
}

/** The cloud defaults (the ones validate checks too come from shared/fdl LIMITS). */
/**
 * A GetExecutionHistory page ends once its events' details pass this many
 * characters (always at least one event): a local choice, so no page holds
 * the stack for long; NextToken goes on from there, as it does after Limit.
 */
export const HISTORY_PAGE_BYTES = 1024 * 1024;

/** Ended executions one pruneEnded call deletes at most. */
export const PRUNE_EXECUTION_BUDGET = 500;

/**
 * History rows one pruneEnded call deletes at most: a history is deleted whole
 * or left for the next call, and one longer than this carries over the next
 * calls (flow_prune_pending).
 */
export const PRUNE_EVENT_BUDGET = 5_000;

export const CLOUD_LIMITS: FlowLimits = {
  stepDataBytes: LIMITS.stepDataBytes,
  historyEvents: 5000,
  waitSeconds: LIMITS.waitMaxSeconds,
  describeWaitSeconds: 60,
  foreachConcurrency: 100,
  parallelBranches: LIMITS.parallelBranches,
  names: true,
  expressSeconds: 300,
};

/** Relaxed: sizes and counts effectively unbounded; foreach still capped at 100 at once. */
export const RELAXED_LIMITS: FlowLimits = {
  stepDataBytes: Number.POSITIVE_INFINITY,
  historyEvents: Number.POSITIVE_INFINITY,
  waitSeconds: Number.POSITIVE_INFINITY,
  describeWaitSeconds: 60,
  foreachConcurrency: 100,
  parallelBranches: Number.POSITIVE_INFINITY,
  names: false,
  expressSeconds: Number.POSITIVE_INFINITY,
};

/** The part of `limits` CreateFlow checks in a definition. */
export function definitionLimits(limits: FlowLimits): DefinitionLimits {
  return {
    waitMaxSeconds: limits.waitSeconds,
    parallelBranches: limits.parallelBranches,
    stepDataBytes: limits.stepDataBytes,
  };
}

/** The flow/execution name rule: letters, digits, `_`, `-`; starts with a letter or `_`; 1–128. */
export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** UTF-8 size of a JSON value. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}
