import type { StepType } from './types';

/** The eight step types, in the order the docs list them. */
export const STEP_TYPES: readonly StepType[] = [
  'task',
  'pass',
  'choice',
  'parallel',
  'foreach',
  'wait',
  'succeed',
  'fail',
];

/** The FDL versions the service accepts. */
export const FDL_VERSIONS = ['v1', 'v1beta1', 'v1.0'] as const;

/** The task patterns. */
export const TASK_PATTERNS = ['requestResponse', 'sync', 'waitForCallback'] as const;

/** Fields of the flow itself. */
export const FLOW_FIELDS = [
  'version',
  'type',
  'name',
  'steps',
  'inputMappings',
  'outputMappings',
  'timeoutSeconds',
] as const;

const COMMON = ['type', 'name', 'inputMappings', 'outputMappings'] as const;

/** The fields each step type allows. */
export const STEP_FIELDS: Readonly<Record<StepType, readonly string[]>> = {
  task: [
    ...COMMON,
    'end',
    'resourceArn',
    'action',
    'pattern',
    'timeoutSeconds',
    'serviceParams',
    'retry',
    'catch',
    'errorMappings',
  ],
  pass: [...COMMON, 'end'],
  choice: [...COMMON, 'end', 'choices', 'default'],
  parallel: [...COMMON, 'end', 'branches'],
  foreach: [...COMMON, 'end', 'iterationMapping', 'steps'],
  wait: [...COMMON, 'end', 'duration', 'timestamp'],
  succeed: [...COMMON],
  fail: [...COMMON, 'error', 'cause'],
};

/** Fields of a mapping. */
export const MAPPING_FIELDS = ['target', 'source'] as const;
/** Fields of a retry policy. */
export const RETRY_FIELDS = [
  'errors',
  'intervalSeconds',
  'maxIntervalSeconds',
  'maxAttempts',
  'multiplier',
] as const;
/** Fields of a catch policy. */
export const CATCH_FIELDS = ['errors', 'goto'] as const;
/** Fields of one entry of choices. */
export const CHOICE_BRANCH_FIELDS = ['condition', 'steps', 'goto'] as const;
/** Fields of the default branch of a choice. */
export const CHOICE_DEFAULT_FIELDS = ['steps', 'goto'] as const;
/** Fields of a parallel branch. */
export const PARALLEL_BRANCH_FIELDS = ['steps'] as const;
/** Fields of a foreach iterationMapping. */
export const ITERATION_FIELDS = ['collection', 'item', 'index'] as const;

/** Step types that have a given field, for "x is a field of task steps" hints. */
export function stepTypesWithField(field: string): StepType[] {
  return STEP_TYPES.filter((t) => STEP_FIELDS[t].includes(field));
}

/**
 * Limits the validator enforces, from the public docs: the FnF limits page
 * https://help.aliyun.com/document_detail/2849627.html, the task step page
 * https://help.aliyun.com/en/document_detail/122494.html (retry intervals) and the
 * child-flow page https://help.aliyun.com/en/document_detail/149829.html (one year).
 */
export const LIMITS = {
  nameMaxLength: 128,
  parallelBranches: 100,
  retryIntervalMax: 86_400,
  waitMaxSeconds: 2 * 86_400,
  /** One year: the longest execution. */
  timeoutMaxSeconds: 365 * 86_400,
  mnsMessageBytes: 64 * 1024,
  /** Input + output + local of one step. */
  stepDataBytes: 32 * 1024,
  /** Not documented; deeper nesting is allowed but warned about. */
  nestingWarnDepth: 10,
  errorNameMaxLength: 128,
  causeMaxLength: 4096,
} as const;

/** Plain scalars that YAML 1.2 reads as strings but YAML 1.1 reads as timestamps (yaml.org/type/timestamp). */
export const YAML11_TIMESTAMP =
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/;

/** Plain scalars that YAML 1.2 reads as strings but YAML 1.1 reads as booleans or numbers. */
export const YAML11_NOT_STRING =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?(?:[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|0b[01_]+))$/;
