/**
 * shared/fdl: the FDL v1 model, YAML parse with located problems, validation, emit, mappings,
 * conditions, resource ARNs and a typed builder. Pure: no I/O, no node: imports.
 */

export {
  FC_INVOCATION_TYPES,
  type FcInvocationType,
  formatResourceArn,
  PATTERNS_BY_KIND,
  parseResourceArn,
  RESOURCE_ARN_FORMS,
  type ResourceKind,
  type ResourceRef,
} from './arn';
export {
  type BranchSpec,
  type Built,
  type CheckGotos,
  choice,
  type FcPattern,
  fail,
  flow,
  flowTask,
  foreach,
  functionTask,
  type GotoNotSibling,
  type MappingsSpec,
  type MessageTaskSpec,
  type MnsPattern,
  mappings,
  type PatternFor,
  parallel,
  pass,
  queueTask,
  type ResourceArn,
  type Sequence,
  type StepInputPath,
  sequence,
  steps,
  succeed,
  task,
  topicTask,
  wait,
} from './builder';
export { DEFINITION_LIMITS, type DefinitionLimits } from './check-context';
export {
  type CompareOp,
  type ConditionNode,
  type ConditionParse,
  evaluateCondition,
  jsonEqual,
  parseCondition,
  truthy,
} from './condition';
export { emitFlow } from './emit';
export { FdlError, type FdlErrorCode } from './errors';
export { createFdlJsonSchema } from './json-schema';
export {
  applyMappings,
  classifySource,
  defaultStepInput,
  evaluateServiceParams,
  isServiceParamPath,
  type SourceKind,
} from './mappings';
export { estimateMessageBytes, type MessageSizeEstimate } from './message-size';
export { type ParsedFlowDocument, type ParseOptions, parseFlow, parseFlowDocument } from './parse';
export {
  dollarRoot,
  evaluatePath,
  type ParsedPath,
  type PathRoot,
  type PathRoots,
  type PathSegment,
  parsePath,
} from './path';
export { formatProblem, type ProblemCode, sortProblems } from './problems';
export { FDL_VERSIONS, LIMITS, STEP_FIELDS, STEP_TYPES, TASK_PATTERNS } from './schema';
export type {
  CatchPolicy,
  ChoiceBranch,
  ChoiceDefault,
  ChoiceStep,
  FailStep,
  FdlVersion,
  Flow,
  ForeachStep,
  IterationMapping,
  Json,
  JsonObject,
  Mapping,
  ParallelBranch,
  ParallelStep,
  PassStep,
  Problem,
  RetryPolicy,
  Step,
  StepBase,
  StepType,
  SucceedStep,
  TaskPattern,
  TaskStep,
  WaitStep,
} from './types';
export {
  CONTEXT_PATHS,
  MNS_NAME_PATTERN,
  NAME_PATTERN,
  TASK_ACTIONS,
  validateFlow,
} from './validate';
export { walkSteps } from './walk';
