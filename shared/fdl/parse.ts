// parseFlow: YAML text -> Flow with located problems. Positions are found lazily, per problem.
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, Scalar } from 'yaml';
import type { DefinitionLimits } from './check-context';
import { type FoundProblem, parentPath } from './problems';
import { readFlow } from './read-flow';
import type { Flow, Problem } from './types';
import { checkFlow } from './validate';
import { type Ctx, resolve } from './yaml-reader';

/** Where a value sits in the source: its start offset and where its text content starts. */
interface Spot {
  offset: number;
  /** Offset of the first content character for one-line scalars (after an opening quote). */
  content?: number;
}

/** A parsed document: the flow, its problems, and a way to find any path's position. */
export interface ParsedFlowDocument {
  flow?: Flow;
  problems: Problem[];
  /** The best-effort flow even when there are errors (unreadable steps become pass steps). */
  partial?: Flow;
  /** 1-based position of a path (or of its nearest ancestor present in the text). */
  locate(path: string): { line: number; column: number };
}

/** What parseFlow and parseFlowDocument take besides the text. */
export interface ParseOptions {
  /** The file the text came from: problems carry it. */
  file?: string;
  /** The limits to check the definition against: the cloud's by default. */
  limits?: DefinitionLimits;
}

/**
 * Parses FDL v1 YAML into a Flow. Never throws. `flow` is present iff there is no error-severity
 * problem; warnings may come with a flow. Each problem has a path and a 1-based line and column.
 * @example parseFlow('version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: a\n').flow
 */
export function parseFlow(
  text: string,
  options: ParseOptions = {},
): { flow?: Flow; problems: Problem[] } {
  const { flow, problems } = parseFlowDocument(text, options);
  return flow ? { flow, problems } : { problems };
}

/**
 * parseFlow plus `locate(path)`, for tools that report more problems against the same text
 * (the cross-file checks of `queueflow validate`).
 * @example parseFlowDocument(text).locate('steps[0].resourceArn') // { line: 6, column: 18 }
 */
export function parseFlowDocument(text: string, options: ParseOptions = {}): ParsedFlowDocument {
  const file = options.file;
  try {
    return parseFlowUnsafe(typeof text === 'string' ? text : String(text), file, options.limits);
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

function parseFlowUnsafe(
  text: string,
  file: string | undefined,
  limits: DefinitionLimits | undefined,
): ParsedFlowDocument {
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
    aliasBudget: 2_000,
    // A flow's data is at most 32 KiB; 100,000 expanded nodes is far beyond any real flow.
    nodeBudget: 100_000,
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
      for (const p of checkFlow(flow, { skip: ctx.placeholders, ...(limits ? { limits } : {}) })) {
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
