import { FdlError } from './errors';
import {
  evaluateParsedPath,
  isNameChar,
  isObject,
  type PathRoots,
  parsePath,
  rootValue,
} from './path';
import type { Json, JsonObject, Mapping } from './types';

/** How a mapping source is read: a path into one of the roots, or a constant used as is. */
export type SourceKind = 'path' | 'constant';

/**
 * Classifies a mapping source. A string is a path when it is `$`, starts with `$.` or `$[`, or
 * starts with `$input`, `$local` or `$context` followed by the end, `.` or `[`. Anything else,
 * including `$inputs` or `$5`, is a constant (the validator warns about look-alikes).
 * @example classifySource('$input.bucket') // 'path'
 */
export function classifySource(source: Json): SourceKind {
  if (typeof source !== 'string' || source[0] !== '$') return 'constant';
  if (source.length === 1 || source[1] === '.' || source[1] === '[') return 'path';
  for (const root of ['$input', '$local', '$context']) {
    if (source.startsWith(root) && !isNameChar(source[root.length])) return 'path';
  }
  return 'constant';
}

/**
 * Builds an object from mappings, in order (a later mapping of the same target wins).
 * A path that matches nothing leaves its key out. `$` is `roots.$` when given, otherwise the
 * input merged with the local (local wins).
 * @example applyMappings([{ target: 'k', source: '$input.a' }], { input: { a: 1 } }) // { k: 1 }
 */
export function applyMappings(mappings: readonly Mapping[], roots: PathRoots): JsonObject {
  const out: JsonObject = {};
  let dollar: Json | undefined;
  let dollarDone = false;
  for (const mapping of mappings) {
    let value: Json | undefined;
    if (classifySource(mapping.source) === 'path') {
      const parsed = parsePath(mapping.source as string);
      if (!parsed.ok) {
        throw new FdlError(
          'invalid-path',
          `invalid path "${String(mapping.source)}" for target "${mapping.target}": ${parsed.message}`,
        );
      }
      let root: Json | undefined;
      if (parsed.path.root === '$') {
        if (!dollarDone) {
          dollar = rootValue(parsed.path, roots);
          dollarDone = true;
        }
        root = dollar;
      } else {
        root = rootValue(parsed.path, roots);
      }
      value = evaluateParsedPath(parsed.path, root);
    } else {
      value = mapping.source;
    }
    if (value !== undefined) setKey(out, mapping.target, value);
  }
  return out;
}

/**
 * The input of a step without inputMappings: the parent's input merged with the parent's local,
 * the local winning on a key collision.
 * @example defaultStepInput({ a: 1, b: 1 }, { b: 2 }) // { a: 1, b: 2 }
 */
export function defaultStepInput(parentInput: JsonObject, parentLocal: JsonObject): JsonObject {
  return { ...parentInput, ...parentLocal };
}

/**
 * Evaluates a task's serviceParams over its mapped input: a string value that is `$` or starts
 * with `$.`/`$[` is a path into the mapped input; nested objects and arrays are evaluated
 * recursively; anything else is a constant. A path that matches nothing leaves its key out.
 * @example evaluateServiceParams({ MessageBody: '$', Priority: 1 }, { a: 1 }) // { MessageBody: { a: 1 }, Priority: 1 }
 */
export function evaluateServiceParams(params: JsonObject, mappedInput: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(params)) {
    const v = evaluateParam(value, mappedInput);
    if (v !== undefined) setKey(out, key, v);
  }
  return out;
}

/**
 * True when a serviceParams value is a path over the mapped input (`$`, `$.x`, `$[0]`).
 * @example isServiceParamPath('$.bucket') // true; isServiceParamPath('$bucket') // false
 */
export function isServiceParamPath(value: Json): value is string {
  return (
    typeof value === 'string' &&
    value[0] === '$' &&
    (value.length === 1 || value[1] === '.' || value[1] === '[')
  );
}

function evaluateParam(value: Json, input: JsonObject): Json | undefined {
  if (isServiceParamPath(value)) {
    const parsed = parsePath(value);
    if (!parsed.ok) {
      throw new FdlError('invalid-path', `invalid path "${value}": ${parsed.message}`);
    }
    return evaluateParsedPath(parsed.path, input);
  }
  if (Array.isArray(value)) {
    return value.map((item) => evaluateParam(item, input) ?? null);
  }
  if (isObject(value)) return evaluateServiceParams(value, input);
  return value;
}

/** Sets a key even when it is `__proto__`, so data never changes an object's prototype. */
function setKey(target: JsonObject, key: string, value: Json): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
