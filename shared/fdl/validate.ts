import { PATTERNS_BY_KIND, parseResourceArn, RESOURCE_ARN_FORMS, resourceArnHint } from './arn';
import { parseCondition } from './condition';
import { classifySource, isServiceParamPath } from './mappings';
import { parsePath } from './path';
import { childPath, type FoundProblem, indexPath, type ProblemCode } from './problems';
import { FDL_VERSIONS, LIMITS, STEP_TYPES, TASK_PATTERNS } from './schema';
import { didYouMean, suggest } from './suggest';
import type { Flow, Json, Mapping, Problem, RetryPolicy, Step, TaskStep } from './types';
import { listOf } from './walk';

/** Flow, execution and (recommended) step names: letters, digits, `_`, `-`; start with a letter or `_`. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

/** MNS queue and topic names: letters, digits, `-`; start with a letter; at most 256 characters. */
export const MNS_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,255}$/;

/** The `$context` fields FDL v1 defines (reference §3.3). */
export const CONTEXT_PATHS = [
  '$context.task.token',
  '$context.execution.name',
  '$context.flow.name',
];

/** The actions accepted in place of resourceArn. */
export const TASK_ACTIONS = ['fnf:StartExecution'];

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

const SERVICE_PARAMS: Record<string, { keys: string[] } | undefined> = {
  'mns-queue': { keys: ['MessageBody', 'Priority', 'DelaySeconds'] },
  'mns-topic': { keys: ['MessageBody', 'MessageTag', 'MessageAttributes'] },
  'fnf-flow': { keys: ['Input', 'ExecutionName'] },
};

type MappingScope = 'flow-input' | 'flow-output' | 'step-input' | 'step-output' | 'error';

interface Walk {
  problems: FoundProblem[];
  skip: WeakSet<object> | undefined;
  /** Every step name in the flow with its path, for "not a sibling" messages. */
  allNames: Map<string, string[]>;
}

/**
 * Checks the meaning of an already-typed Flow: names, gotos, resources and patterns, ranges,
 * mapping sources, conditions, waits. Problems carry paths but no line numbers.
 * @example validateFlow(flow).filter((p) => p.severity === 'error')
 */
export function validateFlow(flow: Flow): Problem[] {
  return checkFlow(flow).map(({ valueOffset: _unused, ...p }) => p);
}

/** validateFlow with the extras parseFlow needs: placeholder steps to skip, value offsets. */
export function checkFlow(flow: Flow, options: { skip?: WeakSet<object> } = {}): FoundProblem[] {
  const w: Walk = { problems: [], skip: options.skip, allNames: new Map() };
  if (!flow || typeof flow !== 'object') {
    add(w, 'error', 'invalid-type', 'expected a flow object', '');
    return w.problems;
  }
  try {
    collectNames(w, flow.steps, 'steps');
    if (!(FDL_VERSIONS as readonly string[]).includes(flow.version)) {
      add(
        w,
        'error',
        'invalid-value',
        `version must be one of ${FDL_VERSIONS.join(', ')}`,
        'version',
      );
    }
    if (flow.type !== 'flow') add(w, 'error', 'invalid-value', 'type must be "flow"', 'type');
    if (flow.name !== undefined && !NAME_PATTERN.test(flow.name)) {
      add(
        w,
        'error',
        'invalid-value',
        `flow name "${flow.name}" is not valid: use 1-128 letters, digits, "_" or "-", starting with a letter or "_"`,
        'name',
      );
    }
    checkTimeout(w, flow.timeoutSeconds, 'timeoutSeconds');
    checkMappings(w, flow.inputMappings, 'inputMappings', 'flow-input', false);
    checkMappings(w, flow.outputMappings, 'outputMappings', 'flow-output', false);
    if (!Array.isArray(flow.steps)) {
      add(w, 'error', 'required-field', '"steps" is required in the flow', 'steps');
    } else {
      checkSteps(w, flow.steps, 'steps', 0, true);
    }
  } catch (err) {
    // validateFlow takes typed flows, but JS callers can pass anything: report, never throw.
    add(
      w,
      'error',
      'invalid-type',
      `the flow object is malformed: ${err instanceof Error ? err.message : String(err)}`,
      '',
    );
  }
  return w.problems;
}

function add(
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

function collectNames(w: Walk, steps: readonly Step[] | undefined, path: string): void {
  if (!Array.isArray(steps)) return;
  steps.forEach((step, i) => {
    if (!step || typeof step !== 'object') return;
    const p = indexPath(path, i);
    if (typeof step.name === 'string' && step.name) {
      const list = w.allNames.get(step.name) ?? [];
      list.push(p);
      w.allNames.set(step.name, list);
    }
    for (const [childSteps, childPathText] of nestedStepLists(step, p)) {
      collectNames(w, childSteps, childPathText);
    }
  });
}

function nestedStepLists(step: Step, path: string): Array<[readonly Step[] | undefined, string]> {
  switch (step.type) {
    case 'choice': {
      const lists: Array<[readonly Step[] | undefined, string]> = listOf(step.choices).map(
        (c, i) => [c?.steps, `${path}.choices[${i}].steps`],
      );
      if (step.default) lists.push([step.default.steps, `${path}.default.steps`]);
      return lists;
    }
    case 'parallel':
      return listOf(step.branches).map((b, i) => [b?.steps, `${path}.branches[${i}].steps`]);
    case 'foreach':
      return [[step.steps, `${path}.steps`]];
    default:
      return [];
  }
}

function checkSteps(
  w: Walk,
  steps: readonly Step[],
  path: string,
  depth: number,
  mustHaveSteps: boolean,
): void {
  if (steps.length === 0 && mustHaveSteps) {
    add(w, 'error', 'empty-list', 'a steps list needs at least one step', path);
    return;
  }
  if (depth === LIMITS.nestingWarnDepth + 1) {
    add(
      w,
      'warning',
      'nesting-depth',
      `steps are nested ${depth} levels deep; consider a child flow (acs:fnf:::flow/<name>) to keep the history small`,
      path,
    );
  }
  const siblings = new Map<string, number>();
  steps.forEach((step, i) => {
    const p = indexPath(path, i);
    if (!step || typeof step !== 'object') {
      add(w, 'error', 'invalid-type', 'expected a step', p);
      return;
    }
    if (w.skip?.has(step)) {
      if (step.name && !siblings.has(step.name)) siblings.set(step.name, i);
      return;
    }
    const namePath = childPath(p, 'name');
    if (typeof step.name !== 'string' || step.name === '') {
      add(w, 'error', 'required-field', '"name" is required in a step', namePath);
    } else {
      if (step.name.length > LIMITS.nameMaxLength) {
        add(
          w,
          'error',
          'out-of-range',
          `step names are at most ${LIMITS.nameMaxLength} characters`,
          namePath,
        );
      } else if (!NAME_PATTERN.test(step.name)) {
        add(
          w,
          'warning',
          'step-name',
          `step name "${step.name}" has characters other than letters, digits, "_" and "-"; the service documents that rule for flow names and it is safest for steps too`,
          namePath,
        );
      }
      const first = siblings.get(step.name);
      if (first !== undefined) {
        add(
          w,
          'error',
          'duplicate-step-name',
          `step name "${step.name}" is already used by ${indexPath(path, first)}; names must be unique among siblings because goto finds steps by name`,
          namePath,
        );
      } else {
        siblings.set(step.name, i);
      }
    }
    checkStep(w, step, p, depth);
  });
  checkGotos(w, steps, path, siblings);
  checkReachability(w, steps, path, siblings);
}

function gotosOf(step: Step, path: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (step.type === 'choice') {
    listOf(step.choices).forEach((c, i) => {
      if (c && typeof c.goto === 'string') out.push([c.goto, `${path}.choices[${i}].goto`]);
    });
    if (step.default && typeof step.default.goto === 'string') {
      out.push([step.default.goto, `${path}.default.goto`]);
    }
  } else if (step.type === 'task') {
    listOf(step.catch).forEach((c, i) => {
      if (c && typeof c.goto === 'string') out.push([c.goto, `${path}.catch[${i}].goto`]);
    });
  }
  return out;
}

function checkGotos(
  w: Walk,
  steps: readonly Step[],
  path: string,
  siblings: Map<string, number>,
): void {
  steps.forEach((step, i) => {
    if (!step || typeof step !== 'object' || w.skip?.has(step)) return;
    for (const [target, gotoPath] of gotosOf(step, indexPath(path, i))) {
      if (siblings.has(target)) continue;
      const names = [...siblings.keys()];
      const elsewhere = w.allNames.get(target);
      if (target === '') {
        add(
          w,
          'error',
          'goto-target',
          `goto needs a step name; valid targets: ${names.join(', ')}`,
          gotoPath,
        );
      } else if (elsewhere) {
        add(
          w,
          'error',
          'goto-not-sibling',
          `goto "${target}" leaves its steps list (it is at ${elsewhere[0]}); goto can only target a step in the same list: ${names.join(', ')}`,
          gotoPath,
        );
      } else {
        add(
          w,
          'error',
          'goto-target',
          `goto "${target}" names no step in this list.${didYouMean(target, names)} Valid targets: ${names.join(', ')}`,
          gotoPath,
        );
      }
    }
  });
}

/** Warns about steps that neither the order of the list nor any goto can reach. */
function checkReachability(
  w: Walk,
  steps: readonly Step[],
  path: string,
  siblings: Map<string, number>,
): void {
  const reachable = new Set<number>();
  const queue = [0];
  while (queue.length > 0) {
    const i = queue.pop()!;
    if (i >= steps.length || reachable.has(i)) continue;
    reachable.add(i);
    const step = steps[i];
    if (!step || typeof step !== 'object') continue;
    for (const [target] of gotosOf(step, '')) {
      const j = siblings.get(target);
      if (j !== undefined) queue.push(j);
    }
    if (!endsSequence(step)) queue.push(i + 1);
  }
  steps.forEach((step, i) => {
    if (reachable.has(i) || !step || typeof step !== 'object' || w.skip?.has(step)) return;
    add(
      w,
      'warning',
      'unreachable-step',
      `step "${step.name}" can never run: the step before it ends the list and no goto targets it`,
      indexPath(path, i),
    );
  });
}

function endsSequence(step: Step): boolean {
  if (step.type === 'succeed' || step.type === 'fail') return true;
  if ('end' in step && step.end === true) return true;
  if (step.type === 'choice') {
    const all = listOf(step.choices).every((c) => c && typeof c.goto === 'string');
    return all && typeof step.default?.goto === 'string';
  }
  return false;
}

function checkStep(w: Walk, step: Step, path: string, depth: number): void {
  if (!(STEP_TYPES as readonly string[]).includes(step.type)) {
    add(
      w,
      'error',
      'invalid-value',
      `unknown step type "${String(step.type)}"; expected one of ${STEP_TYPES.join(', ')}`,
      childPath(path, 'type'),
    );
    return;
  }
  const isTask = step.type === 'task';
  checkMappings(w, step.inputMappings, childPath(path, 'inputMappings'), 'step-input', isTask);
  checkMappings(w, step.outputMappings, childPath(path, 'outputMappings'), 'step-output', false);
  switch (step.type) {
    case 'task':
      checkTask(w, step, path);
      break;
    case 'choice':
      if (!Array.isArray(step.choices) || step.choices.length === 0) {
        add(
          w,
          'error',
          'empty-list',
          'a choice step needs at least one entry in choices',
          childPath(path, 'choices'),
        );
      }
      listOf(step.choices).forEach((c, i) => {
        const cp = `${path}.choices[${i}]`;
        if (!c || typeof c !== 'object') return;
        const condPath = childPath(cp, 'condition');
        if (typeof c.condition !== 'string' || c.condition.trim() === '') {
          add(
            w,
            'error',
            'required-field',
            '"condition" is required in a choice, e.g. $.status == "ready"',
            condPath,
          );
        } else {
          const parsed = parseCondition(c.condition);
          if (!parsed.ok) {
            add(
              w,
              'error',
              'condition-syntax',
              `invalid condition: ${parsed.message} (at character ${parsed.offset + 1})`,
              condPath,
              parsed.offset,
            );
          }
        }
        if (Array.isArray(c.steps))
          checkSteps(w, c.steps, childPath(cp, 'steps'), depth + 1, false);
      });
      if (Array.isArray(step.default?.steps)) {
        checkSteps(w, step.default.steps, `${path}.default.steps`, depth + 1, false);
      }
      break;
    case 'parallel': {
      const branches = listOf(step.branches);
      if (branches.length === 0) {
        add(
          w,
          'error',
          'empty-list',
          'a parallel step needs at least one branch',
          childPath(path, 'branches'),
        );
      } else if (branches.length > LIMITS.parallelBranches) {
        add(
          w,
          'error',
          'out-of-range',
          `a parallel step has at most ${LIMITS.parallelBranches} branches, got ${branches.length}`,
          childPath(path, 'branches'),
        );
      }
      branches.forEach((b, i) => {
        checkSteps(w, listOf(b?.steps), `${path}.branches[${i}].steps`, depth + 1, true);
      });
      break;
    }
    case 'foreach':
      checkIteration(w, step.iterationMapping, childPath(path, 'iterationMapping'));
      checkSteps(w, listOf(step.steps), childPath(path, 'steps'), depth + 1, true);
      break;
    case 'wait':
      checkWait(w, step.duration, step.timestamp, path);
      break;
    case 'fail':
      if (
        step.error !== undefined &&
        (step.error.length === 0 || step.error.length > LIMITS.errorNameMaxLength)
      ) {
        add(
          w,
          'error',
          'out-of-range',
          `error is 1-${LIMITS.errorNameMaxLength} characters`,
          childPath(path, 'error'),
        );
      }
      if (step.cause !== undefined && step.cause.length > LIMITS.causeMaxLength) {
        add(
          w,
          'error',
          'out-of-range',
          `cause is at most ${LIMITS.causeMaxLength} characters`,
          childPath(path, 'cause'),
        );
      }
      break;
    default:
      break;
  }
}

function checkTimeout(w: Walk, value: number | undefined, path: string): void {
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

function checkTask(w: Walk, step: TaskStep, path: string): void {
  const hasArn = step.resourceArn !== undefined;
  const hasAction = step.action !== undefined;
  let kind: keyof typeof PATTERNS_BY_KIND | undefined;
  if (hasArn === hasAction) {
    add(
      w,
      'error',
      'task-target',
      hasArn
        ? 'give either resourceArn or action, not both'
        : `a task needs a resourceArn, one of: ${RESOURCE_ARN_FORMS.join(', ')}`,
      hasArn ? childPath(path, 'action') : childPath(path, 'resourceArn'),
    );
  }
  if (hasArn) {
    const arnPath = childPath(path, 'resourceArn');
    const ref = parseResourceArn(step.resourceArn!);
    if (!ref) {
      const hint = resourceArnHint(step.resourceArn!);
      add(
        w,
        'error',
        'resource-arn',
        `"${step.resourceArn}" is not a resourceArn FDL understands${hint ? ` (${hint})` : ''}; valid forms: ${RESOURCE_ARN_FORMS.join(', ')}`,
        arnPath,
      );
    } else {
      kind = ref.kind;
      if (
        (ref.kind === 'mns-queue' || ref.kind === 'mns-topic') &&
        !MNS_NAME_PATTERN.test(ref.kind === 'mns-queue' ? ref.queue : ref.topic)
      ) {
        add(
          w,
          'error',
          'resource-arn',
          'MNS queue and topic names use letters, digits and "-", starting with a letter',
          arnPath,
        );
      }
      if (ref.kind === 'fnf-flow' && !NAME_PATTERN.test(ref.flowName)) {
        add(
          w,
          'error',
          'resource-arn',
          `flow name "${ref.flowName}" is not valid: letters, digits, "_" or "-", starting with a letter or "_"`,
          arnPath,
        );
      }
    }
  } else if (hasAction && !TASK_ACTIONS.includes(step.action!)) {
    add(
      w,
      'warning',
      'task-target',
      `action "${step.action}" is not one queueflow knows (${TASK_ACTIONS.join(', ')}).${didYouMean(step.action!, TASK_ACTIONS)}`,
      childPath(path, 'action'),
    );
  } else if (hasAction) {
    kind = 'fnf-flow';
  }
  const pattern = step.pattern ?? 'requestResponse';
  if (!(TASK_PATTERNS as readonly string[]).includes(pattern)) {
    add(
      w,
      'error',
      'invalid-value',
      `pattern must be one of ${TASK_PATTERNS.join(', ')}`,
      childPath(path, 'pattern'),
    );
  } else if (kind && !PATTERNS_BY_KIND[kind].includes(pattern)) {
    add(
      w,
      'error',
      'pattern',
      `pattern ${pattern} is not supported for ${describeKind(kind)}; use ${PATTERNS_BY_KIND[kind].join(' or ')}`,
      childPath(path, step.pattern === undefined ? 'resourceArn' : 'pattern'),
    );
  }
  checkTimeout(w, step.timeoutSeconds, childPath(path, 'timeoutSeconds'));
  if (step.serviceParams !== undefined)
    checkServiceParams(w, step, kind, childPath(path, 'serviceParams'));
  if (pattern === 'waitForCallback') checkTokenMapping(w, step, path);
  listOf(step.retry).forEach((r, i) => {
    checkRetry(w, r, `${path}.retry[${i}]`);
  });
  checkPolicyOrder(w, listOf(step.retry), `${path}.retry`, 'retry');
  listOf(step.catch).forEach((c, i) => {
    if (!Array.isArray(c?.errors) || c.errors.length === 0) {
      add(
        w,
        'error',
        'empty-list',
        'a catch policy needs at least one error name (FnF.ALL matches any)',
        `${path}.catch[${i}].errors`,
      );
    }
  });
  checkPolicyOrder(w, listOf(step.catch), `${path}.catch`, 'catch');
  checkMappings(w, step.errorMappings, childPath(path, 'errorMappings'), 'error', false);
  if (
    step.errorMappings &&
    step.errorMappings.length > 0 &&
    !(step.catch && step.catch.length > 0)
  ) {
    add(
      w,
      'warning',
      'invalid-value',
      'errorMappings take effect only when a catch policy matches, and this task has no catch',
      childPath(path, 'errorMappings'),
    );
  }
}

function describeKind(kind: string): string {
  switch (kind) {
    case 'mns-queue':
      return 'an MNS queue';
    case 'mns-topic':
      return 'an MNS topic';
    case 'fc':
      return 'an FC function';
    default:
      return 'a child flow';
  }
}

function checkTokenMapping(w: Walk, step: TaskStep, path: string): void {
  const tokenMapping = listOf(step.inputMappings).find(
    (m) => m && m.source === '$context.task.token',
  );
  if (!tokenMapping) {
    add(
      w,
      'warning',
      'missing-task-token',
      'waitForCallback waits for ReportTaskSucceeded/Failed with the task token, but no input mapping carries it; add {target: task_token, source: $context.task.token} to inputMappings',
      step.inputMappings ? childPath(path, 'inputMappings') : childPath(path, 'pattern'),
    );
    return;
  }
  const bodyKey = step.serviceParams?.MessageBody !== undefined ? 'MessageBody' : 'Input';
  const body = step.serviceParams?.[bodyKey];
  const bodyPath = childPath(path, `serviceParams.${bodyKey}`);
  if (typeof body === 'string' && isServiceParamPath(body) && body !== '$') {
    const parsed = parsePath(body);
    const first = parsed.ok ? parsed.path.segments[0] : undefined;
    if (!(first?.kind === 'key' && first.key === tokenMapping.target)) {
      add(
        w,
        'warning',
        'missing-task-token',
        `the message is ${body}, which does not include "${tokenMapping.target}" (the task token); use $ to send the whole mapped input`,
        bodyPath,
      );
    }
  } else if (body !== undefined && !hasParamPath(body)) {
    add(
      w,
      'warning',
      'missing-task-token',
      `${bodyKey} is a constant, so the message cannot carry "${tokenMapping.target}" (the task token); use $ to send the mapped input`,
      bodyPath,
    );
  }
}

function hasParamPath(value: Json): boolean {
  if (typeof value === 'string') return isServiceParamPath(value);
  if (Array.isArray(value)) return value.some(hasParamPath);
  if (value && typeof value === 'object') return Object.values(value).some(hasParamPath);
  return false;
}

function checkServiceParams(w: Walk, step: TaskStep, kind: string | undefined, path: string): void {
  const params = step.serviceParams!;
  const known = kind ? SERVICE_PARAMS[kind] : undefined;
  for (const [key, value] of Object.entries(params)) {
    const p = childPath(path, key);
    if (known && !known.keys.includes(key)) {
      add(
        w,
        'warning',
        'service-params',
        `${describeKind(kind!)} does not take the parameter "${key}".${didYouMean(key, known.keys)} Known: ${known.keys.join(', ')}`,
        p,
      );
    }
    checkParamValue(w, value, p);
  }
  if (kind === 'mns-queue') {
    const priority = params.Priority;
    if (
      priority !== undefined &&
      typeof priority !== 'string' &&
      !(Number.isInteger(priority) && (priority as number) >= 1 && (priority as number) <= 16)
    ) {
      add(
        w,
        'error',
        'out-of-range',
        'Priority is a whole number from 1 to 16 (smaller is sooner)',
        childPath(path, 'Priority'),
      );
    }
    const delay = params.DelaySeconds;
    if (
      delay !== undefined &&
      typeof delay !== 'string' &&
      !(Number.isInteger(delay) && (delay as number) >= 0 && (delay as number) <= 604_800)
    ) {
      add(
        w,
        'error',
        'out-of-range',
        'DelaySeconds is a whole number from 0 to 604800',
        childPath(path, 'DelaySeconds'),
      );
    }
  }
}

function checkParamValue(w: Walk, value: Json, path: string): void {
  if (typeof value === 'string') {
    if (isServiceParamPath(value)) {
      const parsed = parsePath(value);
      if (!parsed.ok) {
        add(w, 'error', 'service-params', `invalid path: ${parsed.message}`, path, parsed.offset);
      }
    } else if (classifySource(value) === 'path') {
      add(
        w,
        'warning',
        'service-params',
        `serviceParams paths refer to the mapped input as $ or $.key; "${value}" is sent as a constant string. Map it in inputMappings and use $.key here`,
        path,
      );
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      checkParamValue(w, v, indexPath(path, i));
    });
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkParamValue(w, v, childPath(path, k));
  }
}

function checkRetry(w: Walk, r: RetryPolicy, path: string): void {
  if (!r || typeof r !== 'object') return;
  if (!Array.isArray(r.errors) || r.errors.length === 0) {
    add(
      w,
      'error',
      'empty-list',
      'a retry policy needs at least one error name (FnF.ALL matches any)',
      childPath(path, 'errors'),
    );
  }
  const range = (
    key: keyof RetryPolicy,
    min: number,
    max: number,
    integer: boolean,
    what: string,
  ) => {
    const v = r[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || v < min || v > max || (integer && !Number.isInteger(v))) {
      add(
        w,
        'error',
        'out-of-range',
        `${key} is ${what}, got ${JSON.stringify(v)}`,
        childPath(path, key),
      );
    }
  };
  range(
    'intervalSeconds',
    1,
    LIMITS.retryIntervalMax,
    true,
    `a whole number of seconds from 1 to ${LIMITS.retryIntervalMax}`,
  );
  range(
    'maxIntervalSeconds',
    1,
    LIMITS.retryIntervalMax,
    true,
    `a whole number of seconds from 1 to ${LIMITS.retryIntervalMax}`,
  );
  range('maxAttempts', 0, 1_000_000, true, 'a whole number of retries, 0 or more');
  range('multiplier', 1, 1_000, false, 'a number from 1 to 1000');
  if (
    typeof r.intervalSeconds === 'number' &&
    typeof r.maxIntervalSeconds === 'number' &&
    r.maxIntervalSeconds < r.intervalSeconds
  ) {
    add(
      w,
      'warning',
      'out-of-range',
      'maxIntervalSeconds is below intervalSeconds, so every wait is maxIntervalSeconds',
      childPath(path, 'maxIntervalSeconds'),
    );
  }
}

function checkPolicyOrder(
  w: Walk,
  policies: ReadonlyArray<{ errors: string[] }>,
  path: string,
  what: string,
): void {
  const seen = new Map<string, number>();
  policies.forEach((policy, i) => {
    if (!policy || !Array.isArray(policy.errors)) return;
    policy.errors.forEach((name, j) => {
      const p = `${path}[${i}].errors[${j}]`;
      if (typeof name !== 'string' || name === '') {
        add(w, 'error', 'invalid-value', 'error names are non-empty strings', p);
        return;
      }
      const all = seen.get('FnF.ALL');
      const earlier = seen.get(name);
      if (earlier !== undefined && earlier !== i) {
        add(
          w,
          'warning',
          'invalid-value',
          `${name} is already handled by ${path}[${earlier}]; only the first ${what} policy naming an error applies`,
          p,
        );
      } else if (all !== undefined && all !== i) {
        add(
          w,
          'warning',
          'invalid-value',
          `${path}[${all}] handles FnF.ALL, so this ${what} policy never sees ${name}`,
          p,
        );
      }
      if (!seen.has(name)) seen.set(name, i);
    });
  });
}

function checkIteration(
  w: Walk,
  im: { collection: string; item: string; index?: string } | undefined,
  path: string,
): void {
  if (!im || typeof im !== 'object') {
    add(w, 'error', 'required-field', '"iterationMapping" is required in a foreach step', path);
    return;
  }
  const cp = childPath(path, 'collection');
  if (typeof im.collection !== 'string' || im.collection === '') {
    add(
      w,
      'error',
      'required-field',
      '"collection" is required: a $.path to an array in the step input',
      cp,
    );
  } else {
    const parsed = parsePath(im.collection);
    if (!parsed.ok) {
      add(
        w,
        'error',
        'collection-path',
        `collection is a $.path to an array in the step input: ${parsed.message}`,
        cp,
        parsed.offset,
      );
    } else if (parsed.path.root !== '$') {
      const rest = parsed.path.text.slice(parsed.path.root.length);
      add(
        w,
        'error',
        'collection-path',
        `collection is a path into the step input, written $${rest || '.key'}; ${parsed.path.root} is not available here`,
        cp,
      );
    }
  }
  if (typeof im.item !== 'string' || im.item === '') {
    add(
      w,
      'error',
      'required-field',
      '"item" is required: the key under which each element goes into the iteration input',
      childPath(path, 'item'),
    );
  }
  if (im.index !== undefined && (typeof im.index !== 'string' || im.index === '')) {
    add(w, 'error', 'invalid-value', 'index is a key name', childPath(path, 'index'));
  } else if (im.index !== undefined && im.index === im.item) {
    add(
      w,
      'error',
      'invalid-value',
      `index and item are both "${im.item}"; use two different keys`,
      childPath(path, 'index'),
    );
  }
}

function checkWait(
  w: Walk,
  duration: number | string | undefined,
  timestamp: string | undefined,
  path: string,
): void {
  if ((duration === undefined) === (timestamp === undefined)) {
    add(
      w,
      'error',
      'wait-duration-timestamp',
      duration === undefined
        ? 'a wait step needs exactly one of duration (seconds or $.path) and timestamp (RFC3339 or $.path)'
        : 'a wait step takes exactly one of duration and timestamp, not both',
      duration === undefined ? childPath(path, 'duration') : childPath(path, 'timestamp'),
    );
  }
  if (typeof duration === 'number') {
    if (duration < 0 || duration > LIMITS.waitMaxSeconds || !Number.isFinite(duration)) {
      add(
        w,
        'error',
        'out-of-range',
        `duration is 0 to ${LIMITS.waitMaxSeconds} seconds (2 days), got ${duration}`,
        childPath(path, 'duration'),
      );
    }
  } else if (typeof duration === 'string') {
    checkWaitPath(
      w,
      duration,
      childPath(path, 'duration'),
      'duration is seconds (a number) or a $.path to one',
    );
  }
  if (typeof timestamp === 'string') {
    if (timestamp.startsWith('$')) {
      checkWaitPath(
        w,
        timestamp,
        childPath(path, 'timestamp'),
        'timestamp is an RFC3339 time or a $.path to one',
      );
    } else if (!RFC3339.test(timestamp) || Number.isNaN(Date.parse(timestamp))) {
      add(
        w,
        'error',
        'invalid-value',
        `timestamp "${timestamp}" is not an RFC3339 time such as 2019-05-02T15:04:05Z`,
        childPath(path, 'timestamp'),
      );
    }
  }
}

function checkWaitPath(w: Walk, value: string, path: string, what: string): void {
  const parsed = parsePath(value);
  if (!parsed.ok) {
    add(w, 'error', 'invalid-value', `${what}: ${parsed.message}`, path, parsed.offset);
  } else if (parsed.path.root !== '$') {
    add(
      w,
      'error',
      'invalid-value',
      `${what}; paths here refer to the step input ($.key), not ${parsed.path.root}`,
      path,
    );
  }
}

function checkMappings(
  w: Walk,
  mappings: readonly Mapping[] | undefined,
  path: string,
  scope: MappingScope,
  inTask: boolean,
): void {
  if (mappings === undefined) return;
  if (!Array.isArray(mappings)) {
    add(w, 'error', 'invalid-type', 'expected a list of mappings ({target, source})', path);
    return;
  }
  const targets = new Map<string, number>();
  mappings.forEach((m, i) => {
    const p = indexPath(path, i);
    if (!m || typeof m !== 'object') {
      add(w, 'error', 'invalid-type', 'expected a mapping ({target, source})', p);
      return;
    }
    const tp = childPath(p, 'target');
    if (typeof m.target !== 'string' || m.target === '') {
      add(w, 'error', 'mapping-target', 'target is a non-empty key name', tp);
    } else {
      const earlier = targets.get(m.target);
      if (earlier !== undefined) {
        add(
          w,
          'warning',
          'mapping-target',
          `target "${m.target}" is also set by ${indexPath(path, earlier)}; the later mapping wins`,
          tp,
        );
      }
      targets.set(m.target, i);
      if (m.target.startsWith('$')) {
        add(
          w,
          'warning',
          'mapping-target',
          `target is a plain key; "${m.target}" is used literally as a key, paths are not supported here`,
          tp,
        );
      } else if (m.target.includes('.') || m.target.includes('[')) {
        add(
          w,
          'warning',
          'mapping-target',
          `target "${m.target}" is one literal key; nested targets are not supported (the key contains "${m.target.includes('.') ? '.' : '['}")`,
          tp,
        );
      }
    }
    checkSource(w, m.source, childPath(p, 'source'), scope, inTask);
  });
  let constantBytes = 0;
  for (const m of mappings) {
    if (m && typeof m === 'object' && classifySource(m.source) === 'constant') {
      constantBytes += utf8.encode(JSON.stringify(m.source) ?? '').length;
    }
  }
  if (constantBytes > LIMITS.stepDataBytes) {
    add(
      w,
      'error',
      'out-of-range',
      `the constant sources of these mappings alone are ${constantBytes} bytes; a step's input, output and local together are limited to ${LIMITS.stepDataBytes} bytes (32 KiB)`,
      path,
    );
  }
}

const utf8 = new TextEncoder();

function checkSource(
  w: Walk,
  source: Json,
  path: string,
  scope: MappingScope,
  inTask: boolean,
): void {
  if (typeof source !== 'string' || !source.startsWith('$')) return;
  if (classifySource(source) === 'constant') {
    const word = /^\$[A-Za-z_]*/.exec(source)?.[0] ?? '$';
    const guess = suggest(word, ['$input', '$local', '$context']);
    add(
      w,
      'warning',
      'mapping-source',
      `"${source}" is not a path, so it is used as a constant string.${guess ? ` Did you mean ${guess}${source.slice(word.length)}?` : ' Paths start with $input, $local, $context or $.'}`,
      path,
    );
    return;
  }
  const parsed = parsePath(source);
  if (!parsed.ok) {
    add(w, 'error', 'mapping-source', `invalid path: ${parsed.message}`, path, parsed.offset);
    return;
  }
  const root = parsed.path.root;
  if (root === '$context') {
    const text = parsed.path.text;
    const known = CONTEXT_PATHS.some((c) => c === text || c.startsWith(`${text}.`));
    if (!known) {
      add(
        w,
        'warning',
        'context-field',
        `${text} is not a $context field FDL v1 defines; known: ${CONTEXT_PATHS.join(', ')}.${didYouMean(text, CONTEXT_PATHS)}`,
        path,
      );
    } else if (text.startsWith('$context.task') && !(inTask && scope === 'step-input')) {
      add(
        w,
        'warning',
        'context-field',
        '$context.task.token exists only in the inputMappings of a task step',
        path,
      );
    }
  }
  if (scope === 'flow-input' && root === '$local') {
    add(
      w,
      'warning',
      'mapping-source',
      'the flow local is empty when flow inputMappings run; use $input (the execution input)',
      path,
    );
  }
  if (scope === 'error' && root === '$local') {
    const first = parsed.path.segments[0];
    if (first && !(first.kind === 'key' && (first.key === 'error' || first.key === 'cause'))) {
      add(
        w,
        'warning',
        'mapping-source',
        'in errorMappings $local holds only error and cause',
        path,
      );
    }
  }
}
