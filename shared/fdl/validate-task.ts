// Semantic checks of task steps: resources and patterns, parameters, policies, the token.
import {
  isFcInvocationType,
  PATTERNS_BY_KIND,
  parseResourceArn,
  RESOURCE_ARN_FORMS,
  resourceArnHint,
} from './arn';
import {
  add,
  checkTimeout,
  resourceArnNameProblem,
  TASK_ACTIONS,
  type Walk,
} from './check-context';
import { classifySource, isServiceParamPath } from './mappings';
import { parsePath } from './path';
import { childPath, indexPath } from './problems';
import { LIMITS, TASK_PATTERNS } from './schema';
import { didYouMean } from './suggest';
import type { Json, RetryPolicy, TaskStep } from './types';
import { checkMappings } from './validate-data';
import { listOf } from './walk';

const SERVICE_PARAMS: Record<string, { keys: string[] } | undefined> = {
  'mns-queue': { keys: ['MessageBody', 'Priority', 'DelaySeconds'] },
  'mns-topic': { keys: ['MessageBody', 'MessageTag', 'MessageAttributes'] },
  'fnf-flow': { keys: ['Input', 'ExecutionName'] },
  // help.aliyun.com/document_detail/357640.html (asynchronous function invocation).
  fc: { keys: ['InvocationType', 'StatefulAsyncInvocationID'] },
};

/** Checks a task step: target, ARN, pattern, parameters, retry, catch, token. */
export function checkTask(w: Walk, step: TaskStep, path: string): void {
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
      const problem = resourceArnNameProblem(ref, step.resourceArn!);
      if (problem) add(w, 'error', 'resource-arn', problem, arnPath);
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
  const listed = kind ? SERVICE_PARAMS[kind] : undefined;
  // `action: fnf:StartExecution` names the flow in its parameters (undocumented; the awesome-fnf
  // oss-copy sample does so in flows/copy-multiple-files.flow.yml).
  const known =
    listed && step.action !== undefined ? { keys: [...listed.keys, 'FlowName'] } : listed;
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
  if (kind === 'fc') {
    const type = params.InvocationType;
    if (
      type !== undefined &&
      !isFcInvocationType(type) &&
      // A path into the mapped input is read per execution; `$` (the whole
      // input, an object) can never be a type.
      !(typeof type === 'string' && type !== '$' && isServiceParamPath(type))
    ) {
      add(
        w,
        'error',
        'service-params',
        `InvocationType is Sync (the default: FnF waits for the function) or Async (FC stores the call and runs it, retrying its errors), not ${JSON.stringify(type)}`,
        childPath(path, 'InvocationType'),
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
