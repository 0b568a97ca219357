// Typed readers over yaml Document nodes that record located problems instead of throwing.
import {
  type Alias,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type parseDocument,
  Scalar,
  visit,
} from 'yaml';
import { childPath, type FoundProblem, indexPath, type ProblemCode } from './problems';
import { MAPPING_FIELDS, YAML11_NOT_STRING, YAML11_TIMESTAMP } from './schema';
import { didYouMean } from './suggest';
import type { Json, JsonObject, Mapping } from './types';

/** The state of one parse: the document, its problems and what validation must skip. */
export interface Ctx {
  doc: ReturnType<typeof parseDocument>;
  lineCounter: LineCounter;
  problems: FoundProblem[];
  /** Paths where a shape error was reported; semantic problems under them are dropped. */
  errorPaths: Set<string>;
  placeholders: WeakSet<object>;
  /** Aliases still to follow, and YAML nodes they may still expand to (alias bombs). */
  aliasBudget: number;
  nodeBudget: number;
  /** Anchored nodes by anchor name, in document order (built on the first alias). */
  anchors?: Map<string, Node[]>;
}

/**
 * The node an alias refers to: the last one anchored under its name before it.
 * yaml's own Alias.resolve walks the whole document on every call, which made
 * a document with many aliases take minutes.
 */
function aliasTarget(ctx: Ctx, alias: Alias): Node | null {
  if (!ctx.anchors) {
    const anchors = new Map<string, Node[]>();
    visit(ctx.doc, {
      Node(_key, node) {
        const name = (node as { anchor?: string }).anchor;
        if (name) anchors.set(name, [...(anchors.get(name) ?? []), node]);
      },
    });
    ctx.anchors = anchors;
  }
  const at = alias.range?.[0] ?? Number.POSITIVE_INFINITY;
  let found: Node | null = null;
  for (const n of ctx.anchors.get(alias.source) ?? []) {
    if ((n.range?.[0] ?? 0) < at) found = n;
  }
  return found;
}

// Expanded size of a node (its nodes, aliases counted as what they expand to),
// memoised per node: a wide anchor referenced 2,000 times is counted, not copied.
const expandedSizes = new WeakMap<Node, number>();

function expandedSize(ctx: Ctx, node: Node | null, cap: number, open = new Set<Node>()): number {
  if (!node) return 1;
  const known = expandedSizes.get(node);
  if (known !== undefined) return known;
  if (open.has(node)) return cap; // an alias inside its own anchor: endless
  open.add(node);
  let size = 1;
  if (isAlias(node)) {
    size = expandedSize(ctx, aliasTarget(ctx, node), cap, open);
  } else if (isMap(node)) {
    for (const pair of node.items) {
      size += expandedSize(ctx, pair.key as Node | null, cap, open);
      size += expandedSize(ctx, pair.value as Node | null, cap, open);
      if (size >= cap) break;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      size += expandedSize(ctx, item as Node | null, cap, open);
      if (size >= cap) break;
    }
  }
  open.delete(node);
  const capped = Math.min(size, cap);
  expandedSizes.set(node, capped);
  return capped;
}

/** The fields of a YAML mapping, by name. */
export type Entries = Map<string, Node | null>;

/** How deep the readers follow nested values before giving up. */
export const MAX_DEPTH = 200;

/** Records a problem at a path (its position is found later). */
export function report(
  ctx: Ctx,
  severity: 'error' | 'warning',
  code: ProblemCode,
  message: string,
  path: string,
): void {
  reportAt(ctx, { severity, code, message, path }, null);
}

/** Follows YAML aliases, within a budget so alias bombs stay cheap. */
export function resolve(ctx: Ctx, node: Node | null | undefined): Node | null {
  let n = node ?? null;
  while (n && isAlias(n)) {
    const target = aliasTarget(ctx, n);
    ctx.nodeBudget -= expandedSize(ctx, target, ctx.nodeBudget + 1);
    if (--ctx.aliasBudget < 0 || ctx.nodeBudget < 0) {
      ctx.aliasBudget = Math.min(ctx.aliasBudget, -1);
      if (ctx.aliasBudget === -1) {
        report(
          ctx,
          'error',
          'yaml-syntax',
          'too many alias expansions (*alias); the document expands to more than a flow can hold',
          '',
        );
      }
      return null;
    }
    n = target;
  }
  return n;
}

/** Describes a YAML node for messages ("the string \"x\"", "a list"). */
export function kindOf(node: Node | null): string {
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

/** Reports a value of the wrong type, saying what was expected. */
export function typeError(ctx: Ctx, path: string, expected: string, node: Node | null): void {
  report(ctx, 'error', 'invalid-type', `expected ${expected}, got ${kindOf(node)}`, path);
}

/** Reads a mapping node's entries, warning about unknown keys. */
export function readEntries(
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
        {
          severity: 'error',
          code: 'invalid-type',
          message: `field names are strings, got ${kindOf(keyNode)}`,
          path,
        },
        keyNode,
      );
      continue;
    }
    const valuePath = childPath(path, key);
    if (key === '<<') {
      reportMergeKey(ctx, keyNode, path, what);
      continue;
    }
    const value = resolve(ctx, pair.value as Node | null);
    if (!allowed.includes(key)) {
      const extra = hint?.(key) ?? didYouMean(key, allowed);
      reportAt(
        ctx,
        {
          severity: 'warning',
          code: 'unknown-field',
          message: `unknown field "${key}" in ${what}; it is ignored.${extra ? ` ${extra.trim()}` : ''} Valid fields: ${allowed.join(', ')}`,
          path: valuePath,
        },
        keyNode,
      );
      continue;
    }
    entries.set(key, value);
  }
  return entries;
}

/**
 * A merge key (`<<`): YAML 1.2, which FDL files are read as here, has none, and
 * a YAML 1.1 reader would merge. Either way the fields are not what they seem.
 */
export function reportMergeKey(ctx: Ctx, keyNode: Node | null, path: string, what: string): void {
  reportAt(
    ctx,
    {
      severity: 'error',
      code: 'yaml-syntax',
      message: `merge keys (<<) are not supported in ${what}; write the fields out`,
      path: childPath(path, '<<'),
    },
    keyNode,
  );
}

/** Records a problem, at an explicit node's position when given (used for keys). */
function reportAt(ctx: Ctx, problem: FoundProblem, node: Node | null): void {
  if (node?.range) {
    const pos = ctx.lineCounter.linePos(node.range[0]);
    problem.line = pos.line;
    problem.column = pos.col;
  }
  if (problem.severity === 'error') ctx.errorPaths.add(problem.path);
  ctx.problems.push(problem);
}

/** A required field, or a required-field problem when it is missing. */
export function required(
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

/** A string value, or a type problem. */
export function readString(ctx: Ctx, node: Node | null, path: string): string | undefined {
  if (isScalar(node) && typeof node.value === 'string') return node.value;
  typeError(ctx, path, 'a string', node);
  return undefined;
}

/** A boolean value, or a type problem. */
export function readBoolean(ctx: Ctx, node: Node | null, path: string): boolean | undefined {
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  typeError(ctx, path, 'true or false', node);
  return undefined;
}

/**
 * Warns about a plain number whose text reads differently elsewhere: a leading
 * 0 (YAML 1.1 parsers, Go's yaml.v2 among them, read octal), `0o` (a string in
 * YAML 1.1), and integers past 2^53 (no JSON number holds them exactly, here
 * or in the cloud's JSON).
 */
function checkNumberText(ctx: Ctx, node: Scalar, path: string): void {
  const v = node.value;
  if (node.type !== Scalar.PLAIN || typeof v !== 'number') return;
  const text = node.source ?? '';
  let message: string | undefined;
  if (/^[-+]?0[0-9]+$/.test(text)) {
    const octal = /^[-+]?0[0-7]+$/.test(text) ? ` (${Number.parseInt(text, 8)})` : '';
    message = `${text} is the number ${v} here, but YAML 1.1 parsers read a leading 0 as octal${octal}; write ${v}, or "${text}" in quotes for the text`;
  } else if (/^[-+]?0o[0-7]+$/.test(text)) {
    message = `${text} is the number ${v} here, but YAML 1.1 parsers read it as a string; write ${v}`;
  } else if (/^[-+]?[0-9]+$/.test(text) && !Number.isSafeInteger(v)) {
    message = `${text} is past 2^53 and reads as ${v}: a JSON number loses its last digits, here and in the cloud; write "${text}" in quotes to keep it exact`;
  }
  if (message) report(ctx, 'warning', 'ambiguous-scalar', message, path);
}

/** A number value, or a type problem. */
export function readNumber(ctx: Ctx, node: Node | null, path: string): number | undefined {
  if (isScalar(node) && typeof node.value === 'number') {
    checkNumberText(ctx, node, path);
    return node.value;
  }
  typeError(ctx, path, 'a number', node);
  return undefined;
}

/** A list of strings (error names); unreadable items become "". */
export function readStringList(ctx: Ctx, raw: Node | null, path: string): string[] | undefined {
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
export function readJson(ctx: Ctx, raw: Node | null, path: string, depth = 0): Json | undefined {
  const node = resolve(ctx, raw);
  if (depth > MAX_DEPTH) {
    report(ctx, 'error', 'invalid-value', 'value is nested too deeply', path);
    return undefined;
  }
  if (node === null) return null;
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string' && node.type === Scalar.PLAIN) {
      const as = YAML11_NOT_STRING.test(v)
        ? /^[a-z]+$/i.test(v)
          ? 'boolean'
          : 'number'
        : YAML11_TIMESTAMP.test(v)
          ? 'timestamp'
          : undefined;
      if (as) {
        report(
          ctx,
          'warning',
          'ambiguous-scalar',
          `${v} is a string here, but YAML 1.1 parsers read it as a ${as}; write "${v}" in quotes so every parser agrees`,
          path,
        );
      }
    }
    checkNumberText(ctx, node, path);
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

/** Converts a YAML mapping to a JSON object (keys stay own properties, even __proto__). */
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
        {
          severity: 'error',
          code: 'invalid-type',
          message: `keys are strings, got ${kindOf(keyNode)}`,
          path,
        },
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

/** A JSON object value (serviceParams), or a type problem. */
export function readJsonObject(ctx: Ctx, raw: Node | null, path: string): JsonObject | undefined {
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
export function readList<T>(
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

/** Reads a list of {target, source} mappings. */
export function readMappings(ctx: Ctx, raw: Node | null, path: string): Mapping[] | undefined {
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
