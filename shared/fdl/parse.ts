import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  Scalar,
} from 'yaml';
import { childPath, type FoundProblem, indexPath, type ProblemCode, parentPath } from './problems';
import {
  CATCH_FIELDS,
  CHOICE_BRANCH_FIELDS,
  CHOICE_DEFAULT_FIELDS,
  FDL_VERSIONS,
  FLOW_FIELDS,
  ITERATION_FIELDS,
  MAPPING_FIELDS,
  PARALLEL_BRANCH_FIELDS,
  RETRY_FIELDS,
  STEP_FIELDS,
  STEP_TYPES,
  stepTypesWithField,
  TASK_PATTERNS,
  YAML11_NOT_STRING,
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
  Json,
  JsonObject,
  Mapping,
  ParallelBranch,
  Problem,
  RetryPolicy,
  Step,
  StepType,
  TaskPattern,
  TaskStep,
  WaitStep,
} from './types';
import { checkFlow } from './validate';

/** Where a value sits in the source: its start offset and where its text content starts. */
interface Spot {
  offset: number;
  /** Offset of the first content character for one-line scalars (after an opening quote). */
  content?: number;
}

interface Ctx {
  doc: ReturnType<typeof parseDocument>;
  lineCounter: LineCounter;
  problems: FoundProblem[];
  /** Paths where a shape error was reported; semantic problems under them are dropped. */
  errorPaths: Set<string>;
  placeholders: WeakSet<object>;
  aliasBudget: number;
}

type Entries = Map<string, Node | null>;

const MAX_DEPTH = 200;

/** A parsed document: the flow, its problems, and a way to find any path's position. */
export interface ParsedFlowDocument {
  flow?: Flow;
  problems: Problem[];
  /** The best-effort flow even when there are errors (unreadable steps become pass steps). */
  partial?: Flow;
  /** 1-based position of a path (or of its nearest ancestor present in the text). */
  locate(path: string): { line: number; column: number };
}

/**
 * Parses FDL v1 YAML into a Flow. Never throws. `flow` is present iff there is no error-severity
 * problem; warnings may come with a flow. Each problem has a path and a 1-based line and column.
 * @example parseFlow('version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: a\n').flow
 */
export function parseFlow(
  text: string,
  options: { file?: string } = {},
): { flow?: Flow; problems: Problem[] } {
  const { flow, problems } = parseFlowDocument(text, options);
  return flow ? { flow, problems } : { problems };
}

/**
 * parseFlow plus `locate(path)`, for tools that report more problems against the same text
 * (the cross-file checks of `queueflow validate`).
 * @example parseFlowDocument(text).locate('steps[0].resourceArn') // { line: 6, column: 18 }
 */
export function parseFlowDocument(
  text: string,
  options: { file?: string } = {},
): ParsedFlowDocument {
  const file = options.file;
  try {
    return parseFlowUnsafe(typeof text === 'string' ? text : String(text), file);
  } catch (err) {
    // The parser is meant to be total; this is the last line of defence for odd input.
    return {
      problems: [
        withFile(
          {
            severity: 'error',
            code: 'yaml-syntax',
            message: `could not read the document: ${err instanceof Error ? err.message : String(err)}`,
            path: '',
            line: 1,
            column: 1,
          },
          file,
        ),
      ],
      locate: () => ({ line: 1, column: 1 }),
    };
  }
}

function withFile(problem: Problem, file: string | undefined): Problem {
  return file === undefined ? problem : { ...problem, file };
}

function parseFlowUnsafe(text: string, file: string | undefined): ParsedFlowDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
    version: '1.2',
    schema: 'core',
  });
  const ctx: Ctx = {
    doc,
    lineCounter,
    problems: [],
    errorPaths: new Set(),
    placeholders: new WeakSet(),
    aliasBudget: 10_000,
  };
  for (const e of [...doc.errors, ...doc.warnings]) {
    const pos = lineCounter.linePos(e.pos[0]);
    ctx.problems.push({
      severity: e.name === 'YAMLWarning' ? 'warning' : 'error',
      code: 'yaml-syntax',
      message: yamlMessage(
        e.code,
        e.message,
        text.slice(e.pos[0], Math.max(e.pos[1], e.pos[0] + 200)),
      ),
      path: '',
      line: e.linePos?.[0]?.line ?? pos.line,
      column: e.linePos?.[0]?.col ?? pos.col,
    });
  }
  let flow: Flow | undefined;
  if (doc.errors.length === 0) {
    flow = readFlow(ctx, doc.contents as Node | null);
    if (flow) {
      const shapeErrors = ctx.errorPaths;
      for (const p of checkFlow(flow, { skip: ctx.placeholders })) {
        if (!isUnder(p.path, shapeErrors)) ctx.problems.push(p);
      }
    }
  }
  const problems = ctx.problems.map((p) => locate(ctx, lineCounter, p, file));
  const hasError = problems.some((p) => p.severity === 'error');
  const locateFn = (path: string) => {
    const p = locate(
      ctx,
      lineCounter,
      { severity: 'warning', code: 'invalid-value', message: '', path },
      undefined,
    );
    return { line: p.line ?? 1, column: p.column ?? 1 };
  };
  const partial = flow ? { partial: flow } : {};
  return hasError || !flow
    ? { problems, locate: locateFn, ...partial }
    : { flow, problems, locate: locateFn, ...partial };
}

/** YAML library messages, reworded where a flow author needs a different hint. */
function yamlMessage(code: string, message: string, source: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return `"${/^[^:\n]*/.exec(source)?.[0].trim() ?? source}" appears twice in the same mapping; each field may appear once`;
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one YAML document ("---"); a flow file holds exactly one flow';
    case 'TAG_RESOLVE_FAILED':
      return `unknown tag ${source.trim().split(/\s/)[0]}: FDL is plain YAML without tags (!Ref is a Funcraft macro that "fun deploy" replaced with an ARN; write the ARN itself)`;
    default:
      return cleanYamlMessage(message);
  }
}

function cleanYamlMessage(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function isUnder(path: string, roots: Set<string>): boolean {
  let p = path;
  for (;;) {
    if (roots.has(p)) return true;
    if (p === '') return false;
    p = parentPath(p);
  }
}

function locate(ctx: Ctx, lc: LineCounter, p: FoundProblem, file: string | undefined): Problem {
  const { valueOffset, ...problem } = p;
  if (problem.line === undefined) {
    let path = problem.path;
    let spot = findSpot(ctx, path);
    while (!spot && path !== '') {
      path = parentPath(path);
      spot = findSpot(ctx, path);
    }
    let offset = spot?.offset ?? 0;
    if (spot && path === problem.path && valueOffset !== undefined && spot.content !== undefined) {
      offset = spot.content + valueOffset;
    }
    const pos = lc.linePos(offset);
    problem.line = pos.line;
    problem.column = pos.col;
  }
  return withFile(problem, file);
}

/**
 * Finds where a path's value sits by walking the document (only done for problems, so a clean
 * parse allocates nothing for positions). A key without a value points at the key.
 */
function findSpot(ctx: Ctx, path: string): Spot | undefined {
  let node = resolve(ctx, ctx.doc.contents as Node | null);
  for (const m of path.matchAll(/\[(\d+)\]|\.?([^.[\]]+)/g)) {
    if (m[1] !== undefined) {
      if (!node || !isSeq(node)) return undefined;
      node = resolve(ctx, node.items[Number(m[1])] as Node | undefined);
    } else {
      if (!node || !isMap(node)) return undefined;
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === m[2]);
      if (!pair) return undefined;
      node = resolve(ctx, pair.value as Node | null) ?? (pair.key as Node | null);
    }
  }
  if (!node?.range) return undefined;
  const spot: Spot = { offset: node.range[0] };
  if (isScalar(node) && typeof node.value === 'string') {
    const t = node.type;
    if (t === Scalar.PLAIN) spot.content = node.range[0];
    else if (t === Scalar.QUOTE_DOUBLE || t === Scalar.QUOTE_SINGLE)
      spot.content = node.range[0] + 1;
  }
  return spot;
}

function report(
  ctx: Ctx,
  severity: 'error' | 'warning',
  code: ProblemCode,
  message: string,
  path: string,
): void {
  if (severity === 'error') ctx.errorPaths.add(path);
  ctx.problems.push({ severity, code, message, path });
}

function resolve(ctx: Ctx, node: Node | null | undefined): Node | null {
  let n = node ?? null;
  while (n && isAlias(n)) {
    if (--ctx.aliasBudget < 0) return null;
    n = (n.resolve(ctx.doc) as Node | undefined) ?? null;
  }
  return n;
}

function kindOf(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string')
      return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    return `${typeof v} ${String(v)}`;
  }
  return 'an unsupported value';
}

function typeError(ctx: Ctx, path: string, expected: string, node: Node | null): void {
  report(ctx, 'error', 'invalid-type', `expected ${expected}, got ${kindOf(node)}`, path);
}

/** Reads a mapping node's entries, warning about unknown keys. */
function readEntries(
  ctx: Ctx,
  raw: Node | null,
  path: string,
  allowed: readonly string[],
  what: string,
  hint?: (key: string) => string | undefined,
): Entries | undefined {
  const node = resolve(ctx, raw);
  if (!node || !isMap(node)) {
    typeError(ctx, path, `${what} (a mapping of fields)`, node);
    return undefined;
  }
  const entries: Entries = new Map();
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? keyNode.value : undefined;
    if (typeof key !== 'string') {
      reportAt(
        ctx,
        'error',
        'invalid-type',
        `field names are strings, got ${kindOf(keyNode)}`,
        path,
        keyNode,
      );
      continue;
    }
    const valuePath = childPath(path, key);
    const value = resolve(ctx, pair.value as Node | null);
    if (!allowed.includes(key)) {
      const extra = hint?.(key) ?? didYouMean(key, allowed);
      reportAt(
        ctx,
        'warning',
        'unknown-field',
        `unknown field "${key}" in ${what}; it is ignored.${extra ? ` ${extra.trim()}` : ''} Valid fields: ${allowed.join(', ')}`,
        valuePath,
        keyNode,
      );
      continue;
    }
    entries.set(key, value);
  }
  return entries;
}

function reportAt(
  ctx: Ctx,
  severity: 'error' | 'warning',
  code: ProblemCode,
  message: string,
  path: string,
  node: Node | null,
): void {
  const problem: FoundProblem = { severity, code, message, path };
  if (node?.range) {
    const pos = lineCol(ctx, node.range[0]);
    problem.line = pos.line;
    problem.column = pos.col;
  }
  if (severity === 'error') ctx.errorPaths.add(path);
  ctx.problems.push(problem);
}

function lineCol(ctx: Ctx, offset: number): { line: number; col: number } {
  return ctx.lineCounter.linePos(offset);
}

function required(
  ctx: Ctx,
  e: Entries,
  key: string,
  path: string,
  what: string,
): Node | null | undefined {
  if (!e.has(key)) {
    report(ctx, 'error', 'required-field', `"${key}" is required in ${what}`, childPath(path, key));
    return undefined;
  }
  return e.get(key);
}

function readString(ctx: Ctx, node: Node | null, path: string): string | undefined {
  if (isScalar(node) && typeof node.value === 'string') return node.value;
  typeError(ctx, path, 'a string', node);
  return undefined;
}

function readBoolean(ctx: Ctx, node: Node | null, path: string): boolean | undefined {
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  typeError(ctx, path, 'true or false', node);
  return undefined;
}

function readNumber(ctx: Ctx, node: Node | null, path: string): number | undefined {
  if (isScalar(node) && typeof node.value === 'number') return node.value;
  typeError(ctx, path, 'a number', node);
  return undefined;
}

function readStringList(ctx: Ctx, raw: Node | null, path: string): string[] | undefined {
  const node = resolve(ctx, raw);
  if (!node || !isSeq(node)) {
    typeError(ctx, path, 'a list of error names', node);
    return undefined;
  }
  const out: string[] = [];
  node.items.forEach((item, i) => {
    const p = indexPath(path, i);
    const n = resolve(ctx, item as Node | null);
    const s = readString(ctx, n, p);
    out.push(s ?? '');
  });
  return out;
}

/** Converts a YAML node to JSON; reports anything JSON cannot hold. */
function readJson(ctx: Ctx, raw: Node | null, path: string, depth = 0): Json | undefined {
  const node = resolve(ctx, raw);
  if (depth > MAX_DEPTH) {
    report(ctx, 'error', 'invalid-value', 'value is nested too deeply', path);
    return undefined;
  }
  if (node === null) return null;
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string' && node.type === Scalar.PLAIN && YAML11_NOT_STRING.test(v)) {
      report(
        ctx,
        'warning',
        'ambiguous-scalar',
        `${v} is a string here, but YAML 1.1 parsers read it as a ${/^[a-z]+$/i.test(v) ? 'boolean' : 'number'}; write "${v}" in quotes so every parser agrees`,
        path,
      );
    }
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) return v;
      report(ctx, 'error', 'invalid-value', `${String(v)} is not a JSON number`, path);
      return undefined;
    }
    typeError(ctx, path, 'a JSON value', node);
    return undefined;
  }
  if (isSeq(node)) {
    const out: Json[] = [];
    node.items.forEach((item, i) => {
      const v = readJson(ctx, item as Node | null, indexPath(path, i), depth + 1);
      out.push(v === undefined ? null : v);
    });
    return out;
  }
  if (isMap(node)) return readJsonObjectEntries(ctx, node, path, depth);
  typeError(ctx, path, 'a JSON value', node);
  return undefined;
}

function readJsonObjectEntries(
  ctx: Ctx,
  node: Node,
  path: string,
  depth: number,
): JsonObject | undefined {
  if (!isMap(node)) return undefined;
  const out: JsonObject = {};
  for (const pair of node.items) {
    const keyNode = resolve(ctx, pair.key as Node | null);
    const key = isScalar(keyNode) ? keyNode.value : undefined;
    if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') {
      reportAt(
        ctx,
        'error',
        'invalid-type',
        `keys are strings, got ${kindOf(keyNode)}`,
        path,
        keyNode,
      );
      continue;
    }
    const k = String(key);
    const v = readJson(ctx, pair.value as Node | null, childPath(path, k), depth + 1);
    if (v !== undefined) {
      Object.defineProperty(out, k, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return out;
}

function readJsonObject(ctx: Ctx, raw: Node | null, path: string): JsonObject | undefined {
  const node = resolve(ctx, raw);
  if (!node || !isMap(node)) {
    typeError(ctx, path, 'a mapping of parameters', node);
    return undefined;
  }
  return readJsonObjectEntries(ctx, node, path, 0);
}

/**
 * Reads a list; an item that cannot be read becomes `fallback()` so later indexes keep their
 * paths, and its path is marked so validation does not report it twice.
 */
function readList<T>(
  ctx: Ctx,
  raw: Node | null,
  path: string,
  what: string,
  item: (node: Node | null, path: string) => T | undefined,
  fallback: () => T,
): T[] | undefined {
  const node = resolve(ctx, raw);
  if (!node || !isSeq(node)) {
    typeError(ctx, path, `a list of ${what}`, node);
    return undefined;
  }
  return node.items.map((child, i) => {
    const p = indexPath(path, i);
    const v = item(resolve(ctx, child as Node | null), p);
    if (v !== undefined) return v;
    ctx.errorPaths.add(p);
    return fallback();
  });
}

function readMappings(ctx: Ctx, raw: Node | null, path: string): Mapping[] | undefined {
  return readList(
    ctx,
    raw,
    path,
    'mappings ({target, source})',
    (node, p) => {
      const e = readEntries(ctx, node, p, MAPPING_FIELDS, 'a mapping');
      if (!e) return undefined;
      const targetNode = required(ctx, e, 'target', p, 'a mapping');
      const sourceNode = required(ctx, e, 'source', p, 'a mapping');
      const target =
        targetNode === undefined ? undefined : readString(ctx, targetNode, childPath(p, 'target'));
      const source =
        sourceNode === undefined ? undefined : readJson(ctx, sourceNode, childPath(p, 'source'));
      if (target === undefined || source === undefined) return undefined;
      return { target, source };
    },
    () => ({ target: '', source: null }),
  );
}

function readFlow(ctx: Ctx, raw: Node | null): Flow | undefined {
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
  const typeValue = node.get('type', true) as Node | undefined;
  const nameValue = node.get('name', true) as Node | undefined;
  const rawName = isScalar(nameValue) && typeof nameValue.value === 'string' ? nameValue.value : '';
  const typeName = isScalar(typeValue) ? typeValue.value : undefined;
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
        if (typeof v === 'number' || typeof v === 'string') step.duration = v;
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
