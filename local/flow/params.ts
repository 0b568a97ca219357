import { isObject } from '../../shared/fdl/path';
import type { JsonObject } from '../../shared/fdl/types';
import { fnfErrors } from './errors';
import type { ApiParams } from './types';

/** A required string parameter. */
export function required(p: ApiParams, name: string): string {
  const v = p[name];
  if (v === undefined || v === '') throw fnfErrors.missingParam(name);
  return String(v);
}

/** An optional string parameter ('' counts as absent). */
export function optional(p: ApiParams, name: string): string | undefined {
  const v = p[name];
  return v === undefined || v === '' ? undefined : String(v);
}

/** An optional integer parameter within [min, max]. */
export function intParam(
  p: ApiParams,
  name: string,
  dflt: number,
  min: number,
  max: number,
): number {
  const raw = optional(p, name);
  if (raw === undefined) return dflt;
  const n = /^-?[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw fnfErrors.invalidArgument(`${name} must be an integer from ${min} to ${max}; got ${raw}`);
  }
  return n;
}

/** An optional boolean parameter: `true` or `false` (as the SDKs send them). */
export function boolParam(p: ApiParams, name: string, dflt: boolean): boolean {
  const raw = optional(p, name);
  if (raw === undefined) return dflt;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw fnfErrors.invalidArgument(`${name} must be true or false; got ${raw}`);
}

/**
 * How deep an Input or Output may nest. The engine walks step data recursively
 * (mappings, conditions, serialisation), so a deeper value would overflow the
 * stack mid-transition; the cloud documents no depth, and a flow's data has no
 * use for hundreds of levels.
 */
export const MAX_JSON_DEPTH = 256;

/** A JSON-object parameter (Input, Output). */
export function jsonObjectParam(p: ApiParams, name: string, dflt?: JsonObject): JsonObject {
  const raw = optional(p, name);
  if (raw === undefined) {
    if (dflt) return dflt;
    throw fnfErrors.missingParam(name);
  }
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw fnfErrors.invalidArgument(`${name} is not valid JSON`);
  }
  if (!isObject(v)) throw fnfErrors.invalidArgument(`${name} must be a JSON object`);
  const why = jsonDataProblem(v);
  if (why) throw fnfErrors.invalidArgument(`${name} ${why}`);
  return v;
}

/**
 * Why step data cannot go into an execution, or undefined: nested past
 * MAX_JSON_DEPTH (the engine's recursion would overflow), or holding a number
 * past a double's range (JSON.parse reads 1e400 as Infinity, which
 * JSON.stringify would store as null, a value the caller never sent). For
 * Input, Output and a function step's result alike. One iterative walk.
 */
export function jsonDataProblem(value: unknown): string | undefined {
  let overflows = false;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (depth > MAX_JSON_DEPTH) {
      return `nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep`;
    }
    for (const child of Object.values(v as object)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
      else if (typeof child === 'number' && !Number.isFinite(child)) overflows = true;
    }
  }
  return overflows
    ? 'holds a number beyond the range of a double (like 1e400); send it as a string'
    : undefined;
}
