import { randomUUID } from 'node:crypto';
import { LIMITS } from '../../shared/fdl/schema';
import { fnfErrors } from './errors';
import { optional, required } from './params';
import type { ApiParams } from './types';

// The FnF parameters the engine's actions check themselves (beyond the plain
// readers of params.ts): each refuses a bad value with InvalidArgument.

/**
 * A flow's Environment: JSON `{Variables: [{Name, Value, Description}]}` (the
 * API reference). Checked so that bad text is refused, not stored and echoed.
 */
export function environmentParam(p: ApiParams): string | undefined {
  const text = optional(p, 'Environment');
  if (text === undefined || text === '') return text;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw fnfErrors.invalidArgument(
      'Environment must be JSON like {"Variables":[{"Name":"K","Value":"v"}]}',
    );
  }
  const vars = (v as { Variables?: unknown } | null)?.Variables;
  const ok =
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    (vars === undefined ||
      (Array.isArray(vars) &&
        vars.every(
          (x) =>
            x !== null &&
            typeof x === 'object' &&
            typeof (x as { Name?: unknown }).Name === 'string',
        )));
  if (!ok) {
    throw fnfErrors.invalidArgument(
      'Environment must be a JSON object {"Variables":[{"Name":"K","Value":"v"}]}, each variable with a Name',
    );
  }
  return text;
}

/** The flow Type: FDL, the only one (CreateFlow and UpdateFlow). */
export function flowType(p: ApiParams, fallback: string): string {
  const type = optional(p, 'Type') ?? fallback;
  if (type !== 'FDL') throw fnfErrors.invalidArgument(`Type must be FDL; got ${type}`);
  return type;
}

/** CreateFlow's ExecutionMode: Standard (the default) or Express. */
export function executionMode(p: ApiParams): string {
  const mode = optional(p, 'ExecutionMode') ?? 'Standard';
  if (mode !== 'Standard' && mode !== 'Express') {
    throw fnfErrors.invalidArgument(`ExecutionMode must be Standard or Express; got ${mode}`);
  }
  return mode;
}

/**
 * The Error and Cause of ReportTaskFailed and StopExecution, within the API's
 * bounds (Error 1-128, Cause up to 4096 characters); Error may be required.
 */
export function errorAndCause(
  p: ApiParams,
  errorRequired: boolean,
): { error?: string; cause?: string } {
  const error = errorRequired ? required(p, 'Error') : optional(p, 'Error');
  if (error !== undefined && error.length > LIMITS.errorNameMaxLength) {
    throw fnfErrors.invalidArgument(`Error must be 1-${LIMITS.errorNameMaxLength} characters`);
  }
  const cause = optional(p, 'Cause');
  if (cause !== undefined && cause.length > LIMITS.causeMaxLength) {
    throw fnfErrors.invalidArgument(`Cause must be at most ${LIMITS.causeMaxLength} characters`);
  }
  return { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) };
}

/** Names need not be unique for StartSyncExecution: the service makes one, {ExecutionName}:{UUID}. */
export function syncExecutionName(given: string | undefined): string {
  return given === undefined ? randomUUID() : `${given}:${randomUUID()}`;
}
