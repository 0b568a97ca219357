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
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw fnfErrors.invalidArgument(`${name} must be an integer from ${min} to ${max}; got ${raw}`);
  }
  return n;
}

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
  return v;
}
