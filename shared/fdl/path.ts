import { FdlError } from './errors';
import type { Json, JsonObject } from './types';

/** The object a path starts from: `$` is the step input (or a merge, see docs/fdl.md). */
export type PathRoot = '$' | '$input' | '$local' | '$context';

/** One step of a path: `.key` / `["key"]`, `[n]`, or `[*]`. */
export type PathSegment =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' };

/** A parsed path of the JSONPath subset FDL uses. */
export interface ParsedPath {
  text: string;
  root: PathRoot;
  segments: PathSegment[];
  /** True when a `[*]` occurs: the value is then the array of all matches. */
  wildcard: boolean;
}

/** The result of scanning a path: the path and where it ends, or a syntax error at an offset. */
export type PathScan =
  | { ok: true; path: ParsedPath; end: number }
  | { ok: false; message: string; offset: number };

/** The values a path can start from. When `$` is absent it is `{...input, ...local}` (local wins). */
export interface PathRoots {
  input?: Json;
  local?: Json;
  context?: Json;
  $?: Json;
}

const NAMED_ROOTS = ['input', 'local', 'context'] as const;
const NAME_CHAR = /[\p{L}\p{N}_-]/u;

/** True for a character that may appear in a dotted key (`$.task_type`, `$.file-name`). */
export function isNameChar(ch: string | undefined): boolean {
  return ch !== undefined && NAME_CHAR.test(ch);
}

/**
 * Scans a path that starts at `start` in `text` and stops at the first character that cannot
 * continue it (so a condition parser can use it).
 * @example scanPath('$.a[0] == 1', 0) // { ok: true, end: 6, ... }
 */
export function scanPath(text: string, start = 0): PathScan {
  if (text[start] !== '$') return { ok: false, message: 'a path starts with "$"', offset: start };
  let i = start + 1;
  let root: PathRoot = '$';
  for (const name of NAMED_ROOTS) {
    if (text.startsWith(name, i) && !isNameChar(text[i + name.length])) {
      root = `$${name}`;
      i += name.length;
      break;
    }
  }
  if (root === '$' && isNameChar(text[i])) {
    let j = i;
    while (isNameChar(text[j])) j++;
    return {
      ok: false,
      message: `unknown path root "${text.slice(start, j)}"; a path starts with $input, $local, $context, "$." or "$["`,
      offset: start,
    };
  }
  const segments: PathSegment[] = [];
  let wildcard = false;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '.') {
      let j = i + 1;
      while (isNameChar(text[j])) j++;
      if (j === i + 1) {
        return { ok: false, message: 'expected a key name after "."', offset: i + 1 };
      }
      segments.push({ kind: 'key', key: text.slice(i + 1, j) });
      i = j;
    } else if (ch === '[') {
      const inner = scanBracket(text, i);
      if (!inner.ok) return inner;
      if (inner.segment.kind === 'wildcard') wildcard = true;
      segments.push(inner.segment);
      i = inner.end;
    } else {
      break;
    }
  }
  return {
    ok: true,
    path: { text: text.slice(start, i), root, segments, wildcard },
    end: i,
  };
}

function scanBracket(
  text: string,
  open: number,
):
  | { ok: true; segment: PathSegment; end: number }
  | { ok: false; message: string; offset: number } {
  let i = open + 1;
  const ch = text[i];
  if (ch === '*') {
    if (text[i + 1] !== ']')
      return { ok: false, message: 'expected "]" after "[*"', offset: i + 1 };
    return { ok: true, segment: { kind: 'wildcard' }, end: i + 2 };
  }
  if (ch === '"' || ch === "'") {
    let key = '';
    i++;
    while (i < text.length && text[i] !== ch) {
      if (text[i] === '\\' && i + 1 < text.length) i++;
      key += text[i];
      i++;
    }
    if (text[i] !== ch) return { ok: false, message: 'unterminated quoted key', offset: open };
    if (text[i + 1] !== ']') {
      return { ok: false, message: 'expected "]" after the quoted key', offset: i + 1 };
    }
    return { ok: true, segment: { kind: 'key', key }, end: i + 2 };
  }
  let j = i;
  while (j < text.length && text[j]! >= '0' && text[j]! <= '9') j++;
  if (j === i) {
    return {
      ok: false,
      message: 'expected an index ([0]), a wildcard ([*]) or a quoted key (["k"]) after "["',
      offset: i,
    };
  }
  if (text[j] !== ']') return { ok: false, message: 'expected "]" after the index', offset: j };
  const index = Number(text.slice(i, j));
  if (!Number.isSafeInteger(index)) return { ok: false, message: 'index is too large', offset: i };
  return { ok: true, segment: { kind: 'index', index }, end: j + 1 };
}

const cache = new Map<string, ParsedPath>();
const CACHE_LIMIT = 2_000;

/**
 * Parses a whole string as a path.
 * @example parsePath('$input.files[*].name') // { ok: true, path: { root: '$input', ... } }
 */
export function parsePath(
  text: string,
): { ok: true; path: ParsedPath } | { ok: false; message: string; offset: number } {
  const cached = cache.get(text);
  if (cached) return { ok: true, path: cached };
  const scan = scanPath(text, 0);
  if (!scan.ok) return scan;
  if (scan.end !== text.length) {
    return {
      ok: false,
      message: `unexpected "${text[scan.end]}" in path; use .key, [n], [*] or ["key"]`,
      offset: scan.end,
    };
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, scan.path);
  return { ok: true, path: scan.path };
}

/**
 * `$` when the caller did not give one: the input merged with the local, local wins.
 * @example dollarRoot({ input: { a: 1, b: 1 }, local: { b: 2 } }) // { a: 1, b: 2 }
 */
export function dollarRoot(roots: PathRoots): Json | undefined {
  if (roots.$ !== undefined) return roots.$;
  const input = isObject(roots.input) ? roots.input : undefined;
  const local = isObject(roots.local) ? roots.local : undefined;
  if (!input && !local) return roots.input ?? roots.local;
  return { ...input, ...local };
}

/** Picks the root value of a parsed path. */
export function rootValue(path: ParsedPath, roots: PathRoots): Json | undefined {
  switch (path.root) {
    case '$input':
      return roots.input;
    case '$local':
      return roots.local;
    case '$context':
      return roots.context;
    default:
      return dollarRoot(roots);
  }
}

/** Evaluates a parsed path against one root value. Missing yields undefined; `[*]` yields an array. */
export function evaluateParsedPath(path: ParsedPath, root: Json | undefined): Json | undefined {
  if (root === undefined) return undefined;
  if (!path.wildcard) {
    let value: Json | undefined = root;
    for (const segment of path.segments) {
      value = step(value, segment);
      if (value === undefined) return undefined;
    }
    return value;
  }
  let values: Json[] = [root];
  for (const segment of path.segments) {
    const next: Json[] = [];
    for (const value of values) {
      if (segment.kind === 'wildcard') {
        if (Array.isArray(value)) next.push(...value);
        else if (isObject(value)) next.push(...Object.values(value));
      } else {
        const v = step(value, segment);
        if (v !== undefined) next.push(v);
      }
    }
    values = next;
  }
  return values;
}

function step(value: Json | undefined, segment: PathSegment): Json | undefined {
  if (segment.kind === 'key') {
    return isObject(value) && Object.hasOwn(value, segment.key) ? value[segment.key] : undefined;
  }
  if (segment.kind === 'index') {
    return Array.isArray(value) && segment.index < value.length ? value[segment.index] : undefined;
  }
  return undefined;
}

/**
 * Evaluates an FDL path (`$input…`, `$local…`, `$context…`, `$`, `$.x`) against its roots.
 * Returns undefined when nothing matches; throws FdlError `invalid-path` on a syntax error.
 * @example evaluatePath('$input.a[1]', { input: { a: [1, 2] } }) // 2
 */
export function evaluatePath(path: string, roots: PathRoots): Json | undefined {
  const parsed = parsePath(path);
  if (!parsed.ok) {
    throw new FdlError('invalid-path', `invalid path "${path}": ${parsed.message}`);
  }
  return evaluateParsedPath(parsed.path, rootValue(parsed.path, roots));
}

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
