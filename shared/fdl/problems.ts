import type { Problem } from './types';

/** Stable problem codes, one per rule (docs/fdl.md lists them with examples). */
export type ProblemCode =
  | 'yaml-syntax'
  | 'ambiguous-scalar'
  | 'empty-document'
  | 'not-fdl-v1'
  | 'required-field'
  | 'unknown-field'
  | 'invalid-type'
  | 'invalid-value'
  | 'out-of-range'
  | 'step-name'
  | 'duplicate-step-name'
  | 'goto-target'
  | 'goto-not-sibling'
  | 'empty-list'
  | 'resource-arn'
  | 'task-target'
  | 'pattern'
  | 'wait-duration-timestamp'
  | 'mapping-source'
  | 'mapping-target'
  | 'condition-syntax'
  | 'collection-path'
  | 'service-params'
  | 'missing-task-token'
  | 'context-field'
  | 'unreachable-step'
  | 'nesting-depth'
  | 'unknown-resource'
  | 'message-too-large'
  /** `queueflow validate`: s.yaml itself cannot be read or loaded. */
  | 'project';

/** A problem from validation, with an optional offset into the string value it is about. */
export interface FoundProblem extends Problem {
  /** 0-based offset inside the string value (conditions, paths), for an exact column. */
  valueOffset?: number;
}

/**
 * Formats one problem as `file:line:col severity code message (path)`.
 * @example formatProblem({ severity: 'error', code: 'unknown-field', message: 'unknown field "nmae"',
 *            path: 'steps[0].nmae', file: 'flow.yaml', line: 4, column: 5 })
 *          // 'flow.yaml:4:5 error unknown-field unknown field "nmae" (steps[0].nmae)'
 */
export function formatProblem(problem: Problem): string {
  const where = `${problem.file ?? '<input>'}:${problem.line ?? 1}:${problem.column ?? 1}`;
  const path = problem.path ? ` (${problem.path})` : '';
  return `${where} ${problem.severity} ${problem.code} ${problem.message}${path}`;
}

/**
 * Orders problems by file, line, column, then errors before warnings.
 * @example sortProblems(parseFlow(text, { file: 'flow.yaml' }).problems).map(formatProblem)
 */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
  );
}

/** Joins a path and a key: `steps[0]` + `name` -> `steps[0].name`. */
export function childPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Joins a path and an index: `steps` + 2 -> `steps[2]`. */
export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** The parent of a path: `steps[2].choices[0]` -> `steps[2].choices`, `steps[2]` -> `steps`. */
export function parentPath(path: string): string {
  const m = /(?:\.[^.[\]]*|\[\d+\])$/.exec(path);
  if (m) return path.slice(0, m.index);
  return '';
}
