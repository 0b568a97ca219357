// Reads the FDL v1 structure (flow, steps, policies) from YAML nodes into a best-effort Flow.
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { childPath, indexPath } from './problems';
import {
  CATCH_FIELDS,
  CHOICE_BRANCH_FIELDS,
  CHOICE_DEFAULT_FIELDS,
  FDL_VERSIONS,
  FLOW_FIELDS,
  ITERATION_FIELDS,
  PARALLEL_BRANCH_FIELDS,
  RETRY_FIELDS,
  STEP_FIELDS,
  STEP_TYPES,
  stepTypesWithField,
  TASK_PATTERNS,
} from './schema';
import { didYouMean } from './suggest';
import type {
  CatchPolicy,
  ChoiceBranch,
  ChoiceDefault,
  ChoiceStep,
  FailStep,
  FdlVersion,
  Flow,
  IterationMapping,
  Mapping,
  ParallelBranch,
  RetryPolicy,
  Step,
  StepType,
  TaskPattern,
  TaskStep,
  WaitStep,
} from './types';
import {
  type Ctx,
  type Entries,
  kindOf,
  MAX_DEPTH,
  readBoolean,
  readEntries,
  readJsonObject,
  readList,
  readMappings,
  readNumber,
  readString,
  readStringList,
  report,
  reportMergeKey,
  required,
  resolve,
  typeError,
} from './yaml-reader';

/** Reads the flow document into a best-effort Flow, recording shape problems. */
export function readFlow(ctx: Ctx, raw: Node | null): Flow | undefined {
  const node = resolve(ctx, raw);
  if (node === null || (isScalar(node) && node.value === null)) {
    report(
      ctx,
      'error',
      'empty-document',
      'the document is empty; a flow needs version, type and steps',
      '',
    );
    return undefined;
  }
  if (
    isMap(node) &&
    node.items.some(
      (p) => isScalar(p.key) && (p.key.value === 'States' || p.key.value === 'StartAt'),
    )
  ) {
    report(
      ctx,
      'error',
      'not-fdl-v1',
      'this looks like a CloudFlow definition (Type: StateMachine, States); queueflow reads FDL v1: version: v1, type: flow, steps: [...]',
      '',
    );
    return undefined;
  }
  const e = readEntries(ctx, node, '', FLOW_FIELDS, 'the flow');
  if (!e) return undefined;
  const flow: Flow = { version: 'v1', type: 'flow', steps: [] };
  const versionNode = required(ctx, e, 'version', '', 'the flow');
  if (versionNode !== undefined) {
    const v = isScalar(versionNode) ? versionNode.value : undefined;
    if (typeof v === 'string' && (FDL_VERSIONS as readonly string[]).includes(v)) {
      flow.version = v as FdlVersion;
    } else {
      const quoted =
        typeof v === 'number'
          ? ' Write it as a string, e.g. version: v1.'
          : didYouMean(String(v), FDL_VERSIONS);
      report(
        ctx,
        'error',
        'invalid-value',
        `version must be one of ${FDL_VERSIONS.join(', ')}, got ${kindOf(versionNode)}.${quoted}`,
        'version',
      );
    }
  }
  const typeNode = required(ctx, e, 'type', '', 'the flow');
  if (typeNode !== undefined) {
    const t = isScalar(typeNode) ? typeNode.value : undefined;
    if (t !== 'flow') {
      report(ctx, 'error', 'invalid-value', `type must be "flow", got ${kindOf(typeNode)}`, 'type');
    }
  }
  if (e.has('name')) {
    const name = readString(ctx, e.get('name')!, 'name');
    if (name !== undefined) flow.name = name;
  }
  if (e.has('timeoutSeconds')) {
    const n = readNumber(ctx, e.get('timeoutSeconds')!, 'timeoutSeconds');
    if (n !== undefined) flow.timeoutSeconds = n;
  }
  readCommonMappings(ctx, e, '', flow);
  const stepsNode = required(ctx, e, 'steps', '', 'the flow');
  if (stepsNode !== undefined) flow.steps = readSteps(ctx, stepsNode, 'steps', 0);
  return flow;
}

function readCommonMappings(
  ctx: Ctx,
  e: Entries,
  path: string,
  target: { inputMappings?: Mapping[]; outputMappings?: Mapping[] },
): void {
  if (e.has('inputMappings')) {
    const m = readMappings(ctx, e.get('inputMappings')!, childPath(path, 'inputMappings'));
    if (m) target.inputMappings = m;
  }
  if (e.has('outputMappings')) {
    const m = readMappings(ctx, e.get('outputMappings')!, childPath(path, 'outputMappings'));
    if (m) target.outputMappings = m;
  }
}

function readSteps(ctx: Ctx, raw: Node | null, path: string, depth: number): Step[] {
  if (depth > MAX_DEPTH) {
    report(ctx, 'error', 'nesting-depth', 'steps are nested too deeply', path);
    return [];
  }
  const node = resolve(ctx, raw);
  if (!node || !isSeq(node)) {
    typeError(ctx, path, 'a list of steps', node);
    return [];
  }
  return node.items.map((item, i) => readStep(ctx, item as Node | null, indexPath(path, i), depth));
}

function placeholder(ctx: Ctx, name: string): Step {
  const step: Step = { type: 'pass', name };
  ctx.placeholders.add(step);
  return step;
}

function stepFieldHint(type: StepType): (key: string) => string | undefined {
  return (key) => {
    if ((type === 'succeed' || type === 'fail') && key === 'end') {
      return `${type} steps always end the flow; "end" does not apply.`;
    }
    if (key === 'goto' && type !== 'choice') {
      return 'goto belongs to choices[], default and catch[] entries.';
    }
    const owners = stepTypesWithField(key);
    if (owners.length > 0) return `"${key}" is a field of ${owners.join('/')} steps, not ${type}.`;
    return didYouMean(key, STEP_FIELDS[type]);
  };
}

function readStep(ctx: Ctx, raw: Node | null, path: string, depth: number): Step {
  const node = resolve(ctx, raw);
  if (!node || !isMap(node)) {
    typeError(ctx, path, 'a step (a mapping with type and name)', node);
    return placeholder(ctx, '');
  }
  // Aliases followed, as for every other field (`type: *t` is a type).
  const typeValue = resolve(ctx, node.get('type', true) as Node | undefined) ?? undefined;
  const nameValue = resolve(ctx, node.get('name', true) as Node | undefined) ?? undefined;
  const rawName = isScalar(nameValue) && typeof nameValue.value === 'string' ? nameValue.value : '';
  const typeName = isScalar(typeValue) ? typeValue.value : undefined;
  const merge = node.items.find((p) => isScalar(p.key) && p.key.value === '<<');
  if (merge) {
    // Said before "type is required", which is what a merged-in type would look like.
    reportMergeKey(ctx, merge.key as Node, path, 'a step');
    return placeholder(ctx, rawName);
  }
  if (typeValue === undefined) {
    report(
      ctx,
      'error',
      'required-field',
      `"type" is required in a step; one of ${STEP_TYPES.join(', ')}`,
      childPath(path, 'type'),
    );
    return placeholder(ctx, rawName);
  }
  if (typeof typeName !== 'string' || !(STEP_TYPES as readonly string[]).includes(typeName)) {
    report(
      ctx,
      'error',
      'invalid-value',
      `unknown step type ${typeof typeName === 'string' ? `"${typeName}"` : kindOf(typeValue)}; expected one of ${STEP_TYPES.join(', ')}.${didYouMean(String(typeName), STEP_TYPES)}`,
      childPath(path, 'type'),
    );
    return placeholder(ctx, rawName);
  }
  const type = typeName as StepType;
  const what = `a ${type} step`;
  const e = readEntries(ctx, node, path, STEP_FIELDS[type], what, stepFieldHint(type));
  if (!e) return placeholder(ctx, rawName);
  const nameNode = required(ctx, e, 'name', path, what);
  const name =
    nameNode === undefined ? '' : (readString(ctx, nameNode, childPath(path, 'name')) ?? '');
  const base: { name: string; inputMappings?: Mapping[]; outputMappings?: Mapping[] } = { name };
  readCommonMappings(ctx, e, path, base);
  const end = e.has('end') ? readBoolean(ctx, e.get('end')!, childPath(path, 'end')) : undefined;
  const withEnd = end === undefined ? {} : { end };
  const str = (key: string): string | undefined =>
    e.has(key) ? readString(ctx, e.get(key)!, childPath(path, key)) : undefined;
  const num = (key: string): number | undefined =>
    e.has(key) ? readNumber(ctx, e.get(key)!, childPath(path, key)) : undefined;

  switch (type) {
    case 'task': {
      const step: TaskStep = { type, ...base, ...withEnd };
      const resourceArn = str('resourceArn');
      if (resourceArn !== undefined) step.resourceArn = resourceArn;
      const action = str('action');
      if (action !== undefined) step.action = action;
      if (e.has('pattern')) {
        const p = e.get('pattern')!;
        const v = isScalar(p) ? p.value : undefined;
        if (typeof v === 'string' && (TASK_PATTERNS as readonly string[]).includes(v)) {
          step.pattern = v as TaskPattern;
        } else {
          report(
            ctx,
            'error',
            'invalid-value',
            `pattern must be one of ${TASK_PATTERNS.join(', ')}, got ${kindOf(p)}.${didYouMean(String(v), TASK_PATTERNS)}`,
            childPath(path, 'pattern'),
          );
        }
      }
      const timeout = num('timeoutSeconds');
      if (timeout !== undefined) step.timeoutSeconds = timeout;
      if (e.has('serviceParams')) {
        const sp = readJsonObject(ctx, e.get('serviceParams')!, childPath(path, 'serviceParams'));
        if (sp) step.serviceParams = sp;
      }
      if (e.has('retry')) {
        const r = readList(
          ctx,
          e.get('retry')!,
          childPath(path, 'retry'),
          'retry policies',
          (n, p) => readRetry(ctx, n, p),
          (): RetryPolicy => ({ errors: [] }),
        );
        if (r) step.retry = r;
      }
      if (e.has('catch')) {
        const c = readList(
          ctx,
          e.get('catch')!,
          childPath(path, 'catch'),
          'catch policies',
          (n, p) => readCatch(ctx, n, p),
          () => ({ errors: [], goto: '' }),
        );
        if (c) step.catch = c;
      }
      if (e.has('errorMappings')) {
        const m = readMappings(ctx, e.get('errorMappings')!, childPath(path, 'errorMappings'));
        if (m) step.errorMappings = m;
      }
      return step;
    }
    case 'pass':
      return { type, ...base, ...withEnd };
    case 'succeed':
      return { type, ...base };
    case 'fail': {
      const step: FailStep = { type, ...base };
      const error = str('error');
      if (error !== undefined) step.error = error;
      const cause = str('cause');
      if (cause !== undefined) step.cause = cause;
      return step;
    }
    case 'wait': {
      const step: WaitStep = { type, ...base, ...withEnd };
      if (e.has('duration')) {
        const d = e.get('duration')!;
        const v = isScalar(d) ? d.value : undefined;
        if (typeof v === 'number') step.duration = readNumber(ctx, d, childPath(path, 'duration'));
        else if (typeof v === 'string') step.duration = v;
        else typeError(ctx, childPath(path, 'duration'), 'seconds (a number) or a $.path', d);
      }
      const ts = str('timestamp');
      if (ts !== undefined) step.timestamp = ts;
      return step;
    }
    case 'choice': {
      const choicesNode = required(ctx, e, 'choices', path, what);
      const choices =
        choicesNode === undefined
          ? []
          : (readList(
              ctx,
              choicesNode,
              childPath(path, 'choices'),
              'choices',
              (n, p) => readChoiceBranch(ctx, n, p, depth),
              () => ({ condition: '' }),
            ) ?? []);
      const step: ChoiceStep = { type, ...base, ...withEnd, choices };
      if (e.has('default')) {
        const d = readChoiceDefault(ctx, e.get('default')!, childPath(path, 'default'), depth);
        if (d) step.default = d;
      }
      return step;
    }
    case 'parallel': {
      const branchesNode = required(ctx, e, 'branches', path, what);
      const branches =
        branchesNode === undefined
          ? []
          : (readList(
              ctx,
              branchesNode,
              childPath(path, 'branches'),
              'branches ({steps})',
              (n, p) => readParallelBranch(ctx, n, p, depth),
              () => ({ steps: [] }),
            ) ?? []);
      return { type, ...base, ...withEnd, branches };
    }
    case 'foreach': {
      const imNode = required(ctx, e, 'iterationMapping', path, what);
      const iterationMapping =
        imNode === undefined
          ? { collection: '', item: '' }
          : (readIteration(ctx, imNode, childPath(path, 'iterationMapping')) ?? {
              collection: '',
              item: '',
            });
      const stepsNode = required(ctx, e, 'steps', path, what);
      const steps =
        stepsNode === undefined
          ? []
          : readSteps(ctx, stepsNode, childPath(path, 'steps'), depth + 1);
      return { type, ...base, ...withEnd, iterationMapping, steps };
    }
  }
}

function readRetry(ctx: Ctx, node: Node | null, path: string): RetryPolicy | undefined {
  const e = readEntries(ctx, node, path, RETRY_FIELDS, 'a retry policy');
  if (!e) return undefined;
  const errorsNode = required(ctx, e, 'errors', path, 'a retry policy');
  const errors =
    errorsNode === undefined
      ? []
      : (readStringList(ctx, errorsNode, childPath(path, 'errors')) ?? []);
  const policy: RetryPolicy = { errors };
  for (const key of [
    'intervalSeconds',
    'maxIntervalSeconds',
    'maxAttempts',
    'multiplier',
  ] as const) {
    if (e.has(key)) {
      const n = readNumber(ctx, e.get(key)!, childPath(path, key));
      if (n !== undefined) policy[key] = n;
    }
  }
  return policy;
}

function readCatch(ctx: Ctx, node: Node | null, path: string): CatchPolicy | undefined {
  const e = readEntries(ctx, node, path, CATCH_FIELDS, 'a catch policy');
  if (!e) return undefined;
  const errorsNode = required(ctx, e, 'errors', path, 'a catch policy');
  const errors =
    errorsNode === undefined
      ? []
      : (readStringList(ctx, errorsNode, childPath(path, 'errors')) ?? []);
  const gotoNode = required(ctx, e, 'goto', path, 'a catch policy');
  const goto =
    gotoNode === undefined ? '' : (readString(ctx, gotoNode, childPath(path, 'goto')) ?? '');
  return { errors, goto };
}

function readChoiceBranch(
  ctx: Ctx,
  node: Node | null,
  path: string,
  depth: number,
): ChoiceBranch | undefined {
  const e = readEntries(ctx, node, path, CHOICE_BRANCH_FIELDS, 'a choice');
  if (!e) return undefined;
  const condNode = required(ctx, e, 'condition', path, 'a choice');
  let condition = '';
  if (condNode !== undefined) {
    const v = isScalar(condNode) ? condNode.value : undefined;
    if (typeof v === 'string') condition = v;
    else if (typeof v === 'boolean') condition = String(v);
    else
      typeError(
        ctx,
        childPath(path, 'condition'),
        'a condition string such as $.status == "ready"',
        condNode,
      );
  }
  const branch: ChoiceBranch = { condition };
  if (e.has('steps'))
    branch.steps = readSteps(ctx, e.get('steps')!, childPath(path, 'steps'), depth + 1);
  if (e.has('goto')) {
    const g = readString(ctx, e.get('goto')!, childPath(path, 'goto'));
    if (g !== undefined) branch.goto = g;
  }
  return branch;
}

function readChoiceDefault(
  ctx: Ctx,
  node: Node | null,
  path: string,
  depth: number,
): ChoiceDefault | undefined {
  const e = readEntries(ctx, node, path, CHOICE_DEFAULT_FIELDS, 'the default branch');
  if (!e) return undefined;
  const d: ChoiceDefault = {};
  if (e.has('steps'))
    d.steps = readSteps(ctx, e.get('steps')!, childPath(path, 'steps'), depth + 1);
  if (e.has('goto')) {
    const g = readString(ctx, e.get('goto')!, childPath(path, 'goto'));
    if (g !== undefined) d.goto = g;
  }
  return d;
}

function readParallelBranch(
  ctx: Ctx,
  node: Node | null,
  path: string,
  depth: number,
): ParallelBranch | undefined {
  const e = readEntries(ctx, node, path, PARALLEL_BRANCH_FIELDS, 'a parallel branch');
  if (!e) return undefined;
  const stepsNode = required(ctx, e, 'steps', path, 'a parallel branch');
  return {
    steps:
      stepsNode === undefined ? [] : readSteps(ctx, stepsNode, childPath(path, 'steps'), depth + 1),
  };
}

function readIteration(ctx: Ctx, node: Node | null, path: string): IterationMapping | undefined {
  const e = readEntries(ctx, node, path, ITERATION_FIELDS, 'iterationMapping');
  if (!e) return undefined;
  const get = (key: string, req: boolean): string | undefined => {
    if (req) {
      const n = required(ctx, e, key, path, 'iterationMapping');
      return n === undefined ? undefined : readString(ctx, n, childPath(path, key));
    }
    return e.has(key) ? readString(ctx, e.get(key)!, childPath(path, key)) : undefined;
  };
  const collection = get('collection', true) ?? '';
  const item = get('item', true) ?? '';
  const index = get('index', false);
  return index === undefined ? { collection, item } : { collection, item, index };
}
