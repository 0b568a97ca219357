import { selfDescribed } from '../clients/self-described';
import { TaskError } from './task-error';

/** How a handler's failure is treated. */
export interface ClassifiedError {
  /** Becomes ReportTaskFailed `Error`: what FDL retry/catch policies match. */
  code: string;
  message: string;
  retryable: boolean;
}

/**
 * Classifies anything a handler threw. A TaskError says for itself; any error
 * carrying a string `code` and boolean `retryable` (queueflow's client errors)
 * is taken at its word; any other Error is a non-retryable failure named after
 * its class (as FnF names FC function errors by errorType), because retrying a
 * bug only delays the report.
 */
export function classifyError(err: unknown): ClassifiedError {
  if (err instanceof TaskError) {
    // From plain JS a code may be a number (503): the report needs text.
    return { code: String(err.code), message: String(err.message), retryable: err.retryable };
  }
  const own = selfDescribed(err);
  if (own) return own;
  if (err instanceof Error) {
    return { code: errorName(err), message: err.message, retryable: false };
  }
  return {
    code: 'Error',
    message: typeof err === 'string' ? err : safeString(err),
    retryable: false,
  };
}

/**
 * The error's name, or its class's when the name is still the inherited
 * `Error`: `class TableLocked extends Error {}` names itself TableLocked
 * without setting `name`. A minifier that renames classes (esbuild keeps
 * names only with keepNames) gives the minified name; set `name` to be sure.
 */
function errorName(err: Error): string {
  if (typeof err.name === 'string' && err.name && err.name !== 'Error') return err.name;
  const cls = err.constructor?.name;
  return cls && cls !== 'Object' ? cls : 'Error';
}

/** Text for any thrown value; never throws (a null-prototype object defeats String()). */
function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    try {
      return String(v);
    } catch {
      return Object.prototype.toString.call(v);
    }
  }
}
