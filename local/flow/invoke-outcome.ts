import { isObject } from '../../shared/fdl/path';
import { jsonDataProblem } from './params';
import type { Outcome } from './state';
import type { FunctionInvokeResult } from './types';

/**
 * Turns a function result into a task outcome. FC functions often return the
 * JSON text of a JSON string of an object (the functions of the awesome-fnf
 * trip-booking-order-processing sample return JSON text), so a string is
 * parsed once more; anything but an object is `FnF.InvalidLocal`.
 */
export function invokeOutcome(res: FunctionInvokeResult): Outcome {
  if (!res.ok) return { ok: false, error: res.error, cause: res.cause };
  let value: unknown;
  try {
    value = res.body.trim() === '' ? {} : JSON.parse(res.body);
    if (typeof value === 'string') value = JSON.parse(value);
  } catch {
    return { ok: false, error: 'FnF.InvalidLocal', cause: 'the function result is not JSON' };
  }
  if (!isObject(value)) {
    return {
      ok: false,
      error: 'FnF.InvalidLocal',
      cause: 'the function result is not a JSON object',
    };
  }
  const why = jsonDataProblem(value);
  if (why) return { ok: false, error: 'FnF.InvalidLocal', cause: `the function result ${why}` };
  return { ok: true, local: value };
}
